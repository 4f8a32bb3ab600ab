"""Timeouts for migrating connections, so a migration never waits in a lock queue.

A migration that waits for an ACCESS EXCLUSIVE lock blocks every query queued behind it; with
`lock_timeout` it gives up quickly instead and is retried a few times before failing with a
clear message. `statement_timeout` bounds any single statement; concurrent index builds run
outside a transaction and are exempted (see knowledge_app's HNSW migration).
"""

import contextlib
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import OperationalError, connections

LOCK_RETRIES = 3
LOCK_RETRY_PAUSE_SECONDS = 2.0


def set_timeouts(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, false), "
            "set_config('statement_timeout', %s, false)",
            [settings.MIGRATION_LOCK_TIMEOUT, settings.MIGRATION_STATEMENT_TIMEOUT],
        )


def reset_timeouts(connection) -> None:
    if connection.connection is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout; RESET statement_timeout")


@contextlib.contextmanager
def guarded_connection(alias: str):
    connection = connections[alias]
    set_timeouts(connection)
    try:
        yield connection
    finally:
        with contextlib.suppress(Exception):
            reset_timeouts(connection)


@contextlib.contextmanager
def without_statement_timeout(schema_editor):
    """Lift the statement timeout for one long operation (a concurrent index build)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        previous = cursor.fetchone()[0]
        cursor.execute("SET statement_timeout = 0")
    try:
        yield
    finally:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [previous])


def is_lock_timeout(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) == "55P03" or "lock timeout" in str(exc)


def retry_on_lock_timeout(run, *, alias: str, stderr=None, retries: int = LOCK_RETRIES):
    """Run `run()`; on a lock timeout, retry up to `retries` times, then raise CommandError."""
    for attempt in range(1, retries + 1):
        try:
            return run()
        except OperationalError as exc:
            if not is_lock_timeout(exc):
                raise
            if attempt == retries:
                raise CommandError(
                    f"Migration on database {alias!r} could not take a lock within "
                    f"{settings.MIGRATION_LOCK_TIMEOUT} after {retries} attempts: another "
                    f"session holds a lock on a table being migrated. Retry when it is idle. "
                    f"({exc})"
                ) from exc
            if stderr is not None:
                stderr.write(
                    f"Lock timeout on {alias!r} (attempt {attempt}/{retries}); retrying..."
                )
            connections[alias].close()
            time.sleep(LOCK_RETRY_PAUSE_SECONDS * attempt)
            set_timeouts(connections[alias])
    return None


# One schema change at a time per database: `phase --to` and `migrate` hold this session-level
# advisory lock on each database they change. A second one is refused at once, never
# interleaved. The same session may take it again (phase --to runs migrate inside).
SCHEMA_CHANGE_LOCK = 0x50484153  # "PHAS"


class SchemaChangeBusy(Exception):
    pass


@contextlib.contextmanager
def exclusive_schema_change(aliases):
    """Hold the schema-change lock on every database in ``aliases`` (or refuse, naming one)."""
    taken = []
    try:
        for alias in aliases:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [SCHEMA_CHANGE_LOCK])
                if not cursor.fetchone()[0]:
                    raise SchemaChangeBusy(
                        "Another `manage.py phase` or `migrate` (or knowledge_app's sync of the "
                        "projects' indexes) is changing database "
                        f"{alias!r} ({connections[alias].settings_dict['NAME']}); wait for it "
                        f"to finish, then run this again."
                    )
            taken.append(alias)
        yield
    finally:
        for alias in taken:
            connection = connections[alias]
            if connection.connection is not None and not connection.needs_rollback:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [SCHEMA_CHANGE_LOCK])
