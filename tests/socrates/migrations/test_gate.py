"""`manage.py check_migrations`: it passes on the project's migrations and bites on bad ones.

The gate runs in a subprocess, as `make check-migrations` runs it, on its own scratch
databases. The bad migrations live in throwaway apps under tests/socrates/migrations/gate_probes,
installed only by tests/socrates/migrations/gate_probes/settings.py.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from socrates import phases
from socrates.migration_checks.gate import migrations_touching, project_apps

# Every test runs manage.py check_migrations in a subprocess.
pytestmark = pytest.mark.slow

PROBE_SETTINGS = "tests.socrates.migrations.gate_probes.settings"
BAD_PROBES = [
    "drop_column",
    "rename_column",
    "not_null",
    "type_change",
    "runpython_irreversible",
    "index_not_concurrent",
    "lossy_reverse",
]


def run_gate(*args, settings_module="socrates.settings", suffix):
    return subprocess.run(
        [sys.executable, "manage.py", "check_migrations", "--scratch-suffix", suffix, *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module},
        capture_output=True,
        text=True,
        timeout=600,
    )


def failure_lines(result) -> list[str]:
    """The lines of the gate's closing CommandError, one per problem."""
    return [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]


@pytest.fixture(scope="module")
def project_gate():
    return run_gate(suffix="_gatetest")


@pytest.fixture(scope="module")
def probe_gate():
    apps = [f"--app=probe_{probe}" for probe in [*BAD_PROBES, "additive_ok", "state_only_remove"]]
    return run_gate(*apps, settings_module=PROBE_SETTINGS, suffix="_gateprobe")


def project_migrations():
    labels = project_apps()
    return [
        pytest.param(alias, label, id=f"{label}-on-{alias}")
        for alias in phases.database_aliases()
        for label in migrations_touching(alias, labels)
    ]


def test_gate_passes_on_the_projects_migrations(project_gate):
    assert project_gate.returncode == 0, project_gate.stdout + project_gate.stderr
    assert "Migration gate passed" in project_gate.stdout
    assert "ok   models and migrations agree" in project_gate.stdout
    assert "ok   default: lock_timeout 5000 ms, statement_timeout 300000 ms" in (
        project_gate.stdout
    )


@pytest.mark.parametrize(("alias", "label"), project_migrations())
def test_every_project_migration_reverses_to_the_same_schema(project_gate, alias, label):
    assert f"ok   {label} on {alias}: unapply restores the schema" in project_gate.stdout


@pytest.mark.parametrize(("alias", "label"), project_migrations())
def test_every_project_migration_is_linted_on_the_database_it_touches(project_gate, alias, label):
    section = project_gate.stdout.split(f"== linter: django-migration-linter on {alias!r}")[1]
    linted = section.split("==")[0]
    if label in settings.MIGRATION_GATE_IGNORES:
        # Linted, found, and let through only with the reason settings give.
        assert f"FAIL {label}" in linted
        assert f"ignored  {label}" in project_gate.stdout
    else:
        assert f"ok   {label}: OK" in linted


def test_gate_lints_and_checks_every_migration_of_the_projects_apps(project_gate):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = [key for key in loader.disk_migrations if key[0] in project_apps()]
    assert f"Migration gate over {len(ours)} migrations of" in project_gate.stdout
    for app_label, name in ours:
        assert f"ok   {app_label}.{name}\n" in project_gate.stdout  # the safety rules


@pytest.mark.parametrize(
    ("migration", "problem", "source_code"),
    [
        pytest.param(
            "probe_drop_column.0002_drop_legacy",
            "drops column probe_drop_column_widget.legacy",
            "safety DROP_COLUMN",
            id="drop-column",
        ),
        pytest.param(
            "probe_drop_column.0002_drop_legacy",
            "DROPPING columns (table probe_drop_column_widget, column legacy)",
            "linter DROP_COLUMN",
            id="drop-column-linter",
        ),
        pytest.param(
            "probe_rename_column.0002_rename_title",
            "renames column probe_rename_column_widget.title to name",
            "safety RENAME_COLUMN",
            id="rename-column",
        ),
        pytest.param(
            "probe_rename_column.0002_rename_title",
            "RENAMING columns (table probe_rename_column_widget, column title)",
            "linter RENAME_COLUMN",
            id="rename-column-linter",
        ),
        pytest.param(
            "probe_not_null.0002_add_size",
            "adds NOT NULL column probe_not_null_widget.size without db_default",
            "safety NOT_NULL",
            id="not-null-without-db-default",
        ),
        pytest.param(
            "probe_not_null.0002_add_size",
            "NOT NULL constraint on columns",
            "linter NOT_NULL",
            id="not-null-linter",
        ),
        pytest.param(
            "probe_type_change.0002_code_to_integer",
            "changes the type of column probe_type_change_widget.code from varchar(10) to integer",
            "safety ALTER_COLUMN",
            id="type-change",
        ),
        pytest.param(
            "probe_type_change.0002_code_to_integer",
            "ALTERING columns",
            "linter ALTER_COLUMN",
            id="type-change-linter",
        ),
        pytest.param(
            "probe_runpython_irreversible.0002_fill_names",
            "RunPython fill_names has no reverse code",
            "safety RUNPYTHON_REVERSIBLE",
            id="runpython-without-reverse",
        ),
        pytest.param(
            "probe_runpython_irreversible.0002_fill_names",
            "'fill_names': RunPython data migration is not reversible",
            "linter RUNPYTHON_REVERSIBLE",
            id="runpython-without-reverse-linter",
        ),
        pytest.param(
            "probe_runpython_irreversible.0002_fill_names",
            "on default: cannot be unapplied: IrreversibleError",
            "reversibility UNAPPLY_FAILED",
            id="runpython-without-reverse-run",
        ),
        pytest.param(
            "probe_index_not_concurrent.0002_index_name",
            "builds index probe_widget_name_idx on existing table "
            "probe_index_not_concurrent_widget without CONCURRENTLY",
            "safety CREATE_INDEX",
            id="index-without-concurrently",
        ),
        pytest.param(
            "probe_index_not_concurrent.0002_index_name",
            "CREATE INDEX locks table",
            "linter CREATE_INDEX",
            id="index-without-concurrently-linter",
        ),
        pytest.param(
            "probe_lossy_reverse.0002_comment_table",
            "on default: unapplying does not restore the schema: table "
            "probe_lossy_reverse_widget differs: expected table, found table COMMENT 'widgets'",
            "reversibility NOT_REVERSED",
            id="reverse-leaves-schema-changed",
        ),
    ],
)
def test_gate_fails_naming_the_migration_and_the_problem(
    probe_gate, migration, problem, source_code
):
    assert probe_gate.returncode != 0
    assert probe_gate.stderr.startswith("CommandError: Migration gate failed")
    lines = [line for line in failure_lines(probe_gate) if line.startswith(f"{migration}: ")]
    assert any(problem in line and line.endswith(f"[{source_code}]") for line in lines), (
        "\n".join(lines) or probe_gate.stdout
    )


def test_gate_fails_on_nothing_but_the_bad_migrations(probe_gate):
    failing = {line.split(":")[0] for line in failure_lines(probe_gate)}

    assert failing == {
        "probe_drop_column.0002_drop_legacy",
        "probe_rename_column.0002_rename_title",
        "probe_not_null.0002_add_size",
        "probe_type_change.0002_code_to_integer",
        "probe_runpython_irreversible.0002_fill_names",
        "probe_index_not_concurrent.0002_index_name",
        "probe_lossy_reverse.0002_comment_table",
    }
    assert (
        "ok   probe_additive_ok.0003_index_rank_concurrently on default: unapply restores"
        in probe_gate.stdout
    )
    # A field removed from the model only (SeparateDatabaseAndState, the column stays) passes;
    # the real drop of the same column (probe_drop_column above) does not.
    assert "ok   probe_state_only_remove.0002_forget_legacy\n" in probe_gate.stdout


def test_gate_passes_a_safe_additive_app_alone():
    result = run_gate(
        "--app=probe_additive_ok", settings_module=PROBE_SETTINGS, suffix="_gateprobe_ok"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Migration gate passed: 3 migrations" in result.stdout


def test_gate_refuses_an_app_that_is_not_the_projects():
    result = run_gate("--app=token_blacklist", suffix="_gatebad")

    assert result.returncode != 0
    assert "Not an app of this project with migrations: token_blacklist" in result.stderr
