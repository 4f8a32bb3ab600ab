"""Gate probe: a migration that adds a NOT NULL column without db_default to an existing table."""
