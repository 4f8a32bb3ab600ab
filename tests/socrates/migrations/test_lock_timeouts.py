"""Migrations never queue behind a lock: short lock_timeout, retries, then a clear failure."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from socrates import migration_safety

BOTH = ["default", "specs"]
pytestmark = pytest.mark.django_db(transaction=True, databases=BOTH)


@pytest.fixture(autouse=True)
def back_to_latest_phase():
    yield
    call_command("migrate", verbosity=0)


@pytest.fixture
def lock_holder():
    """Another session on socrates_specs, able to hold a table lock in an open transaction."""
    holder = connections.create_connection("specs")
    holder.connect()
    holder.set_autocommit(False)
    yield holder
    holder.rollback()
    holder.close()


def applied(alias):
    return MigrationRecorder(connections[alias]).applied_migrations()


def test_migration_waiting_on_a_held_lock_fails_after_retries_with_a_clear_message(
    settings, monkeypatch, lock_holder
):
    settings.MIGRATION_LOCK_TIMEOUT = "100ms"
    monkeypatch.setattr(migration_safety, "LOCK_RETRY_PAUSE_SECONDS", 0.01)
    with lock_holder.cursor() as cursor:
        cursor.execute("LOCK TABLE project_shares IN ACCESS EXCLUSIVE MODE")

    notes = io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command(
            "migrate", "teams_app", "0001_teams", database="specs", verbosity=0, stderr=notes
        )

    assert notes.getvalue().splitlines() == [
        "Lock timeout on 'specs' (attempt 1/3); retrying...",
        "Lock timeout on 'specs' (attempt 2/3); retrying...",
    ]
    message = str(failed.value)
    assert message.startswith(
        "Migration on database 'specs' could not take a lock within 100ms after 3 attempts: "
        "another session holds a lock on a table being migrated. Retry when it is idle."
    )
    assert "lock timeout" in message
    assert ("teams_app", "0002_project_shares") in applied("specs")


def test_migration_goes_through_once_the_lock_is_released(settings, monkeypatch, lock_holder):
    settings.MIGRATION_LOCK_TIMEOUT = "100ms"
    monkeypatch.setattr(migration_safety, "LOCK_RETRY_PAUSE_SECONDS", 0.01)
    with lock_holder.cursor() as cursor:
        cursor.execute("LOCK TABLE project_shares IN ACCESS EXCLUSIVE MODE")
    with pytest.raises(CommandError):
        call_command("migrate", "teams_app", "0001_teams", database="specs", verbosity=0)
    lock_holder.rollback()

    call_command("migrate", "teams_app", "0001_teams", database="specs", verbosity=0)

    assert ("teams_app", "0002_project_shares") not in applied("specs")


def test_migrating_connection_runs_with_lock_and_statement_timeouts(settings):
    settings.MIGRATION_LOCK_TIMEOUT = "2s"
    settings.MIGRATION_STATEMENT_TIMEOUT = "90s"
    connection = connections["specs"]

    with migration_safety.guarded_connection("specs"), connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        lock = cursor.fetchone()[0]
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        after = cursor.fetchone()[0]

    assert (lock, statement) == ("2s", "90s")
    assert after == "0"  # the connection goes back to normal afterwards


def test_concurrent_index_build_runs_without_the_statement_timeout(settings):
    settings.MIGRATION_STATEMENT_TIMEOUT = "1min"
    seen = []
    elsewhere = set()

    def watch(execute, sql, params, many, context):
        timeout = context["connection"].connection.execute("SHOW statement_timeout").fetchone()[0]
        if sql.startswith("CREATE INDEX CONCURRENTLY"):
            seen.append(timeout)
        elif sql.startswith('INSERT INTO "django_migrations"'):
            elsewhere.add(timeout)
        return execute(sql, params, many, context)

    call_command(
        "migrate", "knowledge_app", "0003_document_embedding", database="specs", verbosity=0
    )
    with connections["specs"].execute_wrapper(watch):
        call_command(
            "migrate",
            "knowledge_app",
            "0004_document_embedding_hnsw_index",
            database="specs",
            verbosity=0,
        )

    assert seen == ["0"]  # lifted for the build...
    assert elsewhere == {"1min"}  # ...and in force for the rest of the migration
