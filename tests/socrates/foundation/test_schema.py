"""Migrations put every table in its own database, and unapply cleanly to zero."""

import pytest
from django.core.management import call_command
from django.db import connections

from tests.socrates.foundation.tables import AUTH, PROJECT_APPS, SPECS, TABLES, public_tables

BOTH = [AUTH, SPECS]


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("table", "phase", "alias"),
    [(table, phase, alias) for table, (phase, alias, _app) in TABLES.items()],
    ids=[
        f"phase{phase}-{table}" if phase is not None else table
        for table, (phase, _a, _p) in TABLES.items()
    ],
)
def test_migrate_creates_table_in_its_own_database_only(table, phase, alias):
    other = SPECS if alias == AUTH else AUTH

    assert table in public_tables(alias), f"table {table} (phase {phase}) missing from {alias}"
    assert table not in public_tables(other), f"table {table} (phase {phase}) leaked into {other}"


@pytest.mark.django_db(databases=BOTH)
def test_contrib_tables_and_pgvector_live_where_they_belong():
    auth_tables, specs_tables = public_tables(AUTH), public_tables(SPECS)
    for contrib in ("django_content_type", "auth_permission", "django_session", "django_admin_log"):
        assert contrib in auth_tables
        assert contrib not in specs_tables
    # Each database records its own migration history.
    assert "django_migrations" in auth_tables and "django_migrations" in specs_tables

    def extensions(alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT extname FROM pg_extension")
            return {row[0] for row in cursor.fetchall()}

    assert "vector" in extensions(SPECS)
    assert "vector" not in extensions(AUTH)


@pytest.mark.slow  # every migration down and up again
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_unapplying_every_project_app_to_zero_drops_its_tables_and_migrate_restores_them():
    project_tables = {table for table, (_p, _a, app) in TABLES.items() if app in PROJECT_APPS}
    try:
        # Dependents first. Unapplying auth_app also unapplies what depends on the user model
        # (contrib admin, the token blacklist); Django includes them in the backwards plan.
        for alias in BOTH:
            for app in ("teams_app", "knowledge_app", "specs_app", "auth_app"):
                call_command("migrate", app, "zero", database=alias, verbosity=0)

        for alias in BOTH:
            left = project_tables & public_tables(alias)
            assert not left, f"tables left in {alias} after migrating to zero: {sorted(left)}"
        assert "token_blacklist_outstandingtoken" not in public_tables(AUTH)
        with connections[SPECS].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'")
            assert cursor.fetchone()[0] == 0, "knowledge_app zero must drop the extension"
    finally:
        # Later tests need the full schema back, whatever happened above.
        call_command("migrate", verbosity=0)

    for table, (_phase, alias, _app) in TABLES.items():
        assert table in public_tables(alias), f"{table} not restored in {alias}"
