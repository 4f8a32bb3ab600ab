"""Prove by running it that every migration can be unapplied back to the schema it started from.

On an empty database, walk the migration plan forward. Before each checked migration, capture
the schema; apply the migration; capture again; unapply it and require the schema to equal the
first capture; apply it again and require the second capture. Migrations that are not checked
(Django's own, other apps') are simply applied. The connection runs with the same lock and
statement timeouts as `manage.py migrate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState

from socrates import migration_safety
from socrates.migration_routing import touched_databases

from .findings import Finding
from .schema import capture_schema, diff_schemas


@dataclass
class Verdict:
    migration: str
    alias: str
    ok: bool
    detail: str


def check_reversibility(
    alias: str,
    app_labels,
    aliases,
    report: Callable[[Verdict], None] = lambda verdict: None,
) -> tuple[list[Verdict], list[Finding]]:
    """Round-trip every migration of `app_labels` that touches `alias`, on an empty database."""
    connection = connections[alias]
    migration_safety.set_timeouts(connection)
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    if executor.loader.applied_migrations:
        raise RuntimeError(f"The reversibility check needs an empty database, {alias!r} is not")
    targets = sorted(node for node in graph.leaf_nodes() if node[0] in set(app_labels))
    plan = executor.migration_plan(targets, clean_start=True)
    # django_migrations belongs to no migration: create it before the first capture.
    executor.recorder.ensure_schema()

    verdicts: list[Verdict] = []
    findings: list[Finding] = []
    state = ProjectState(real_apps=executor.loader.unmigrated_apps)
    _ = state.apps  # render once; later migrations update it incrementally, as migrate does

    def fail(label: str, code: str, detail: str) -> None:
        verdict = Verdict(label, alias, False, detail)
        verdicts.append(verdict)
        findings.append(Finding(label, code, f"on {alias}: {detail}", "reversibility"))
        report(verdict)

    for migration, _ in plan:
        label = f"{migration.app_label}.{migration.name}"
        checked = migration.app_label in app_labels and alias in touched_databases(
            migration, aliases
        )
        if not checked:
            state = executor.apply_migration(state, migration)
            continue
        before = capture_schema(connection)
        start_state = state.clone()
        try:
            state = executor.apply_migration(state, migration)
        except Exception as exc:
            fail(label, "APPLY_FAILED", f"cannot be applied: {exc}")
            break
        applied = capture_schema(connection)
        try:
            executor.unapply_migration(start_state.clone(), migration)
        except Exception as exc:
            fail(label, "UNAPPLY_FAILED", f"cannot be unapplied: {type(exc).__name__}: {exc}")
            if not migration.atomic:
                break  # a half-unapplied non-atomic migration leaves nothing to build on
            continue  # the atomic unapply rolled back: the database is as applied
        restored = capture_schema(connection)
        differences = diff_schemas(before, restored)
        if differences:
            fail(
                label,
                "NOT_REVERSED",
                "unapplying does not restore the schema: " + "; ".join(differences),
            )
        try:
            state = executor.apply_migration(start_state, migration)
        except Exception as exc:
            fail(label, "REAPPLY_FAILED", f"cannot be applied again after unapplying: {exc}")
            break
        again = capture_schema(connection)
        drift = diff_schemas(applied, again)
        if drift:
            fail(
                label, "NOT_REPEATABLE", "applying again gives another schema: " + "; ".join(drift)
            )
        elif not differences:
            verdict = Verdict(
                label,
                alias,
                True,
                f"unapply restores the schema ({applied.count('tables')} tables, "
                f"{applied.count('columns')} columns, {applied.count('indexes')} indexes)",
            )
            verdicts.append(verdict)
            report(verdict)
    return verdicts, findings
