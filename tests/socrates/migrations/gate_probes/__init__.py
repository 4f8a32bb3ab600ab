"""Throwaway apps with one bad migration each, to show the migration gate bites."""
