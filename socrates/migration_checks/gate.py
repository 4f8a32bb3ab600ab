"""The migration safety gate: every check `manage.py check_migrations` runs, in order.

1. models      `makemigrations --check`: models and migrations agree.
2. phases      socrates/phases.py agrees with the migration graph.
3. linter      django-migration-linter on each database, for the migrations touching it.
4. safety      the project's operation-level rules (socrates.migration_checks.safety).
5. timeouts    migrating connections get a short lock_timeout and a statement_timeout.
6. reversible  apply, unapply, compare the schema, apply again: every migration, on the
               database it touches, in scratch databases.

Findings are failures unless MIGRATION_GATE_IGNORES names the migration and the code with a
reason. Stages 3-6 run on scratch databases (socrates.migration_checks.scratch), never on the
developer's data.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from socrates import migration_safety, phases
from socrates.migration_routing import touched_databases

from . import lint, reversibility, safety
from .findings import Finding, configured_ignores, split_ignored
from .scratch import DEFAULT_SUFFIX, scratch_databases

STAGES = ("models", "phases", "linter", "safety", "timeouts", "reversible")
# A lock_timeout above this would let a migration hold a queue of blocked queries too long.
MAX_LOCK_TIMEOUT_MS = 60_000


@dataclass
class GateResult:
    failures: list[Finding] = field(default_factory=list)
    ignored: list[tuple[Finding, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def project_apps() -> list[str]:
    """Return the labels of the apps with migrations that live in this repository."""
    base = Path(settings.BASE_DIR).resolve()
    venv = base / ".venv"
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and not path.is_relative_to(venv):
            if config.label in loader.migrated_apps:
                labels.append(config.label)
    return labels


def run_gate(
    app_labels: list[str] | None = None,
    *,
    skip=(),
    suffix: str = DEFAULT_SUFFIX,
    keep: bool = False,
    write: Callable[[str], None] = print,
) -> GateResult:
    """Run the gate over `app_labels` (default: the project's apps); report through `write`."""
    configured_ignores()  # an ignore without a reason stops the gate before it starts
    labels = list(app_labels or project_apps())
    aliases = phases.database_aliases()
    findings: list[Finding] = []
    warnings: list[str] = []
    loader = MigrationLoader(None, ignore_no_migrations=True)
    keys = sorted(key for key in loader.disk_migrations if key[0] in labels)
    write(f"Migration gate over {len(keys)} migrations of {', '.join(labels)}")

    stages = {
        "models": lambda: _stage_models(labels, write),
        "phases": lambda: _stage_phases(loader, write),
        "linter": lambda: _stage_linter(labels, aliases, write, warnings),
        "safety": lambda: _stage_safety(loader, keys, write),
        "timeouts": lambda: _stage_timeouts(aliases, write),
        "reversible": lambda: _stage_reversible(labels, aliases, write),
    }
    with scratch_databases(aliases, suffix=suffix, keep=keep) as names:
        write(f"Scratch databases: {', '.join(f'{a}={n}' for a, n in names.items())}")
        for stage, run in stages.items():
            if stage in skip:
                continue
            try:
                findings += run()
            except Exception as exc:  # a crashing check is a failed check, not a pass
                write(f"  FAIL the {stage} stage crashed: {type(exc).__name__}: {exc}")
                findings.append(
                    Finding("-", "STAGE_CRASHED", f"{type(exc).__name__}: {exc}", stage)
                )

    failures, ignored = split_ignored(findings)
    result = GateResult(failures, ignored, warnings, [f"{a}.{n}" for a, n in keys])
    write("")
    for finding, reason in ignored:
        write(f"ignored  {finding.line()} -- {reason}")
    for line in warnings:
        write(f"warning  {line}")
    if failures:
        write(f"Migration gate FAILED: {len(failures)} problems")
        for finding in failures:
            write(f"  {finding.line()}")
    else:
        write(f"Migration gate passed: {len(keys)} migrations")
    return result


def _heading(write, title: str) -> None:
    write("")
    write(f"== {title}")


def _stage_models(labels, write) -> list[Finding]:
    _heading(write, "models: makemigrations --check")
    out = io.StringIO()
    try:
        call_command("makemigrations", *labels, check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit:
        text = " ".join(out.getvalue().split())
        write(f"  FAIL models and migrations disagree: {text}")
        return [Finding("-", "MODELS_CHANGED", f"models and migrations disagree: {text}", "models")]
    write("  ok   models and migrations agree")
    return []


def _stage_phases(loader, write) -> list[Finding]:
    _heading(write, "phases: socrates/phases.py against the migration graph")
    if not set(phases.PHASED_APPS) <= set(loader.migrated_apps):
        write("  skipped: not every phased app is installed")
        return []
    problems = phases.check_phase_map(loader.graph)
    for problem in problems:
        write(f"  FAIL {problem}")
    if not problems:
        write(f"  ok   phases {phases.FIRST_PHASE}-{phases.LATEST_PHASE} map onto the graph")
    return [Finding("-", "PHASE_MAP", problem, "phases") for problem in problems]


def _stage_linter(labels, aliases, write, warnings: list[str]) -> list[Finding]:
    findings = []
    for alias in aliases:
        _heading(write, f"linter: django-migration-linter on {alias!r}")
        verdicts, alias_findings, alias_warnings = lint.lint(alias, labels, aliases)
        failing = {finding.migration for finding in alias_findings}
        for migration, verdict in sorted(verdicts.items()):
            mark = "FAIL" if migration in failing else "ok  "
            write(f"  {mark} {migration}: {verdict}")
            for finding in alias_findings:
                if finding.migration == migration:
                    write(f"         {finding.message} [{finding.code}]")
        findings += alias_findings
        warnings += alias_warnings
    return findings


def _stage_safety(loader, keys, write) -> list[Finding]:
    _heading(write, "safety: additive, reversible, concurrent index builds")
    findings = safety.check_migrations(loader, keys)
    for key in keys:
        label = f"{key[0]}.{key[1]}"
        own = [finding for finding in findings if finding.migration == label]
        if not own:
            write(f"  ok   {label}")
        for finding in own:
            write(f"  FAIL {label}: {finding.message} [{finding.code}]")
    return findings


def _stage_timeouts(aliases, write) -> list[Finding]:
    _heading(write, "timeouts: lock_timeout and statement_timeout on migrating connections")
    findings = []
    for alias in aliases:
        connection = connections[alias]
        migration_safety.set_timeouts(connection)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, setting::bigint FROM pg_settings "
                "WHERE name IN ('lock_timeout', 'statement_timeout')"
            )
            values = dict(cursor.fetchall())
        migration_safety.reset_timeouts(connection)
        lock_ms, statement_ms = values["lock_timeout"], values["statement_timeout"]
        problems = []
        if not 0 < lock_ms <= MAX_LOCK_TIMEOUT_MS:
            problems.append(
                f"lock_timeout is {lock_ms} ms; it must be set and at most "
                f"{MAX_LOCK_TIMEOUT_MS} ms (MIGRATION_LOCK_TIMEOUT)"
            )
        if statement_ms <= 0:
            problems.append("statement_timeout is not set (MIGRATION_STATEMENT_TIMEOUT)")
        for problem in problems:
            write(f"  FAIL {alias}: {problem}")
            findings.append(Finding("-", "TIMEOUTS", f"on {alias}: {problem}", "timeouts"))
        if not problems:
            write(
                f"  ok   {alias}: lock_timeout {lock_ms} ms, statement_timeout {statement_ms} ms, "
                f"{migration_safety.LOCK_RETRIES} attempts on a lock timeout"
            )
    return findings


def _stage_reversible(labels, aliases, write) -> list[Finding]:
    findings = []
    for alias in aliases:
        _heading(write, f"reversible: apply, unapply, compare, apply again on {alias!r}")

        def report(verdict):
            mark = "ok  " if verdict.ok else "FAIL"
            write(f"  {mark} {verdict.migration} on {verdict.alias}: {verdict.detail}")

        _, alias_findings = reversibility.check_reversibility(alias, labels, aliases, report)
        findings += alias_findings
    return findings


def migrations_touching(alias: str, labels) -> list[str]:
    """Return "app.name" of the apps' migrations whose operations act on `alias`."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(
        f"{app}.{name}"
        for (app, name), migration in loader.disk_migrations.items()
        if app in labels and alias in touched_databases(migration, phases.database_aliases())
    )
