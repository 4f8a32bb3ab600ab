"""Gate probe: a migration that builds an index on an existing table without CONCURRENTLY."""
