"""Run a Django database command on both databases when no --database is given."""

from django.conf import settings

from socrates.db import BOTH_DBS

# Auth first: it holds the users every other table refers to.
DATABASE_ORDER = BOTH_DBS


def databases_in_order() -> list[str]:
    return [alias for alias in DATABASE_ORDER if alias in settings.DATABASES]


def run_on_each(command, options, handle):
    """Call handle(**options) once per database, or once on the one named by --database."""
    if options.get("database"):
        return handle(**options)
    verbosity = options.get("verbosity", 1)
    for alias in databases_in_order():
        if verbosity >= 1:
            command.stdout.write(command.style.MIGRATE_HEADING(f"Database {alias!r}:"))
        handle(**{**options, "database": alias})
    return None
