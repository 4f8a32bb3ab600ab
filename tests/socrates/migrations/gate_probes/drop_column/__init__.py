"""Gate probe: a migration that drops a column."""
