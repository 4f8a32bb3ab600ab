"""Gate probe: a migration that renames a column."""
