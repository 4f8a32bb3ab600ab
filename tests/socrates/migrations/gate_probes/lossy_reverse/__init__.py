"""Gate probe: a migration whose reverse leaves the schema changed (only running it shows that)."""
