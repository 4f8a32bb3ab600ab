"""Gate probe: a data migration without reverse code."""
