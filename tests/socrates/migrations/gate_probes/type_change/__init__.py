"""Gate probe: a migration that changes a column's type."""
