"""Product phases 0-6 as migration targets, per app and per database.

`PHASE_COMPLETED_BY` names, for each phase, the migration that completes it in each app that
changes in that phase; an app keeps its target until a later phase names a newer one. Every
migration of the project's apps is covered explicitly: one after the last named migration of its
app belongs to no phase, and `check_phase_map` (so the migration gate) says so. Phase 0 also
includes every migration of Django's contrib apps, the token blacklist and the job queue
(procrastinate): infrastructure present at every phase, which no phase change ever unapplies.

The rule that makes going back safe: code of phase N never reads or writes schema of a later
phase. Data of a later phase lives in that phase's own tables (auth_app 0007, specs_app 0007
moved the LLM choices and question templates off users, projects and questions), and code that
may run at any phase asks `effective_phase()` before touching a later phase's tables.

A database is at phase N when every migration of phases <= N that touches it is applied and
none of a later phase is. Django records each migration in both databases even where the router
makes it a no-op, so only the migrations whose operations touch a database count for it.

`transition_plan()` turns "go to phase N" into `migrate <app> <target>` steps per database, in
a dependency-safe order: going back, socrates_specs first and the apps in reverse order (teams
before knowledge before specs before auth); going forward, socrates_auth first.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.loader import MigrationLoader

from socrates.db import BOTH_DBS
from socrates.errors import PhaseNotEnabled
from socrates.migration_routing import touched_databases

MigrationKey = tuple[str, str]

PHASE_COMPLETED_BY: dict[int, dict[str, str]] = {
    0: {"auth_app": "0001_initial", "specs_app": "0001_initial"},
    1: {"auth_app": "0002_user_rules"},
    2: {"specs_app": "0002_test_results"},
    # auth_app 0004-0006 (user LLM default, deprecated-call counts, case-insensitive usernames)
    # come after 0003 in auth_app's order, so they are phase 3; 0007 moves the LLM default to
    # its own table. Code of phases 0-2 touches none of it (see effective_phase()).
    3: {"auth_app": "0007_user_llm_defaults", "specs_app": "0003_llm_usage_tracking"},
    # specs_app 0005-0007 (question templates, the project's LLM choice) come after 0004.
    4: {"specs_app": "0007_llm_choice_and_question_template"},
    5: {"knowledge_app": "0007_passage_vectors_inline"},
    6: {"teams_app": "0002_project_shares"},
}
PHASES = tuple(sorted(PHASE_COMPLETED_BY))
FIRST_PHASE = PHASES[0]
LATEST_PHASE = PHASES[-1]
# Forward order of the project's apps; going back walks it in reverse.
PHASED_APPS = ("auth_app", "specs_app", "knowledge_app", "teams_app")
# Forward order of the databases (auth holds the users every other table refers to).
DATABASE_ORDER = BOTH_DBS


class PhaseError(Exception):
    """phases.py and the migration graph disagree, or a database's history is inconsistent."""


def database_aliases() -> list[str]:
    return [alias for alias in DATABASE_ORDER if alias in settings.DATABASES]


def format_key(key: MigrationKey) -> str:
    return f"{key[0]}.{key[1]}"


def app_chain(graph: MigrationGraph, app_label: str) -> list[MigrationKey]:
    """Return the app's migrations in the order they apply."""
    leaves = [node for node in graph.leaf_nodes() if node[0] == app_label]
    if len(leaves) != 1:
        raise PhaseError(f"{app_label} has {len(leaves)} leaf migrations; expected exactly one")
    return [node for node in graph.forwards_plan(leaves[0]) if node[0] == app_label]


def phase_target(graph: MigrationGraph, phase: int, app_label: str) -> MigrationKey | None:
    """Return the app's last migration at `phase` ((app, name), or None for none at all)."""
    if phase not in PHASE_COMPLETED_BY:
        raise PhaseError(f"Unknown phase {phase}; phases are {FIRST_PHASE}-{LATEST_PHASE}")
    if app_label not in PHASED_APPS:
        return app_chain(graph, app_label)[-1]
    name = None
    for number in PHASES:
        if number > phase:
            break
        name = PHASE_COMPLETED_BY[number].get(app_label, name)
    return (app_label, name) if name else None


def phase_targets(graph: MigrationGraph, phase: int) -> dict[str, MigrationKey | None]:
    return {app: phase_target(graph, phase, app) for app in PHASED_APPS}


def phase_of_migration(graph: MigrationGraph, key: MigrationKey) -> int:
    """Return the phase a migration belongs to (every non-project migration is phase 0)."""
    if key[0] not in PHASED_APPS:
        return FIRST_PHASE
    chain = app_chain(graph, key[0])
    position = chain.index(key)
    for phase in PHASES:
        target = phase_target(graph, phase, key[0])
        if target is not None and chain.index(target) >= position:
            return phase
    return LATEST_PHASE


def check_phase_map(graph: MigrationGraph) -> list[str]:
    """Return the ways PHASE_COMPLETED_BY disagrees with the migration graph (empty if none)."""
    problems = []
    for phase, completions in PHASE_COMPLETED_BY.items():
        for app_label, name in completions.items():
            if app_label not in PHASED_APPS:
                problems.append(f"phase {phase} names {app_label}, which is not in PHASED_APPS")
            elif (app_label, name) not in graph.nodes:
                problems.append(f"phase {phase} names {app_label}.{name}, which does not exist")
    if problems:
        return problems
    for app_label in PHASED_APPS:
        chain = app_chain(graph, app_label)
        last = phase_target(graph, LATEST_PHASE, app_label)
        for key in chain[chain.index(last) + 1 if last else 0 :]:
            problems.append(
                f"{format_key(key)} belongs to no phase: name it (or a later migration of "
                f"{app_label}) in PHASE_COMPLETED_BY"
            )
        positions = [
            chain.index(target)
            for phase in PHASES
            if (target := phase_target(graph, phase, app_label)) is not None
        ]
        if positions != sorted(positions):
            problems.append(f"{app_label}: phase targets go backwards in its migration chain")
    for phase in PHASES:
        for target in phase_targets(graph, phase).values():
            if target is None:
                continue
            for needed in graph.forwards_plan(target):
                if phase_of_migration(graph, needed) > phase:
                    problems.append(
                        f"phase {phase}: {format_key(target)} depends on {format_key(needed)} "
                        f"of phase {phase_of_migration(graph, needed)}"
                    )
    return problems


def touches(loader: MigrationLoader, key: MigrationKey, alias: str) -> bool:
    """Whether the migration's operations act on the database `alias` (router decides)."""
    return alias in touched_databases(loader.graph.nodes[key], database_aliases())


# --- Status ---------------------------------------------------------------------------------


@dataclass
class DatabaseStatus:
    alias: str
    database_name: str
    # The highest phase whose migrations touching this database are all applied (-1: none).
    phase: int
    # The lowest phase with the same schema here (later phases may not touch this database).
    lowest_phase: int = -1
    # Applied migrations of a phase later than `phase` (a phase change half done).
    ahead: list[MigrationKey] = field(default_factory=list)
    # Unapplied migrations that touch this database, by phase.
    pending: dict[int, list[MigrationKey]] = field(default_factory=dict)

    def describe(self) -> list[str]:
        head = f"Database {self.alias!r} ({self.database_name}): "
        if self.phase < FIRST_PHASE:
            head += f"no phase (phase {FIRST_PHASE} is not applied)"
        elif self.lowest_phase < self.phase:
            head += (
                f"phase {self.phase} (phases {self.lowest_phase}-{self.phase} have the same "
                f"schema on this database)"
            )
        else:
            head += f"phase {self.phase}"
        if self.ahead:
            head += f", part of a later phase applied: {', '.join(map(format_key, self.ahead))}"
        lines = [head]
        if not self.pending:
            lines.append("  nothing pending")
        for phase, keys in sorted(self.pending.items()):
            lines.append(f"  pending for phase {phase}: {summarize(keys)}")
        return lines


def summarize(keys: list[MigrationKey]) -> str:
    """Name project migrations one by one; count the others per app."""
    named = [format_key(key) for key in keys if key[0] in PHASED_APPS]
    others: dict[str, int] = defaultdict(int)
    for key in keys:
        if key[0] not in PHASED_APPS:
            others[key[0]] += 1
    named += [f"{app} ({count} migrations)" for app, count in sorted(others.items())]
    return ", ".join(named)


def database_status(alias: str) -> DatabaseStatus:
    """Return the phase the database `alias` is at and what is pending there."""
    connection = connections[alias]
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    graph = loader.graph
    applied = set(loader.applied_migrations)
    relevant = [key for key in _all_in_order(graph) if touches(loader, key, alias)]
    by_phase: dict[int, list[MigrationKey]] = defaultdict(list)
    for key in relevant:
        by_phase[phase_of_migration(graph, key)].append(key)
    phase = FIRST_PHASE - 1
    for number in PHASES:
        if any(key not in applied for key in by_phase.get(number, [])):
            break
        phase = number
    lowest = phase
    while lowest > FIRST_PHASE and not by_phase.get(lowest):
        lowest -= 1
    status = DatabaseStatus(
        alias=alias,
        database_name=connection.settings_dict["NAME"],
        phase=phase,
        lowest_phase=lowest,
    )
    for key in relevant:
        key_phase = phase_of_migration(graph, key)
        if key in applied and key_phase > phase:
            status.ahead.append(key)
        elif key not in applied:
            status.pending.setdefault(key_phase, []).append(key)
    return status


def _all_in_order(graph: MigrationGraph) -> list[MigrationKey]:
    seen: dict[MigrationKey, None] = {}
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            seen.setdefault(key, None)
    return list(seen)


# --- Transition plan ------------------------------------------------------------------------


@dataclass
class Step:
    """One `migrate <app> <target> --database <alias>` run and what it applies or unapplies."""

    alias: str
    app_label: str
    target: str | None  # None: zero
    backwards: bool
    migrations: list[MigrationKey]
    # Of `migrations`, those whose operations act on this database (the rest are records only).
    effective: list[MigrationKey]

    @property
    def command(self) -> str:
        return f"manage.py migrate {self.app_label} {self.target or 'zero'} --database {self.alias}"

    def describe(self) -> list[str]:
        verb = "unapply" if self.backwards else "apply"
        lines = [self.command]
        for key in self.migrations:
            note = "" if key in self.effective else " (record only: no-op on this database)"
            lines.append(f"    {verb} {format_key(key)}{note}")
        return lines


def transition_plan(phase: int, aliases: list[str] | None = None) -> list[Step]:
    """Return the steps that bring every database to `phase`, in the order to run them."""
    aliases = aliases or database_aliases()
    backward: list[Step] = []
    forward: list[Step] = []
    for alias in aliases:
        executor = MigrationExecutor(connections[alias])
        problems = check_phase_map(executor.loader.graph)
        if problems:
            raise PhaseError("socrates/phases.py is out of date: " + "; ".join(problems))
        back, fwd = _steps_for(executor, alias, phase)
        backward.append(back)
        forward.append(fwd)
    # Back: specs before auth (teams_app 0002 in specs depends on teams_app 0001 in auth).
    steps = [step for steps in reversed(backward) for step in steps]
    steps += [step for steps in forward for step in steps]
    return steps


def _steps_for(executor: MigrationExecutor, alias: str, phase: int):
    loader = executor.loader
    graph = loader.graph
    applied = dict(loader.applied_migrations)
    targets = phase_targets(graph, phase)

    def plan(target):
        # migration_plan() reads the loader's applied set: show it the simulated one.
        loader.applied_migrations = dict(applied)
        return executor.migration_plan([target])

    def step(app_label, target, migration_plan):
        keys = [(m.app_label, m.name) for m, _ in migration_plan]
        return Step(
            alias=alias,
            app_label=app_label,
            target=target[1] if target else None,
            backwards=migration_plan[0][1],
            migrations=keys,
            effective=[key for key in keys if touches(loader, key, alias)],
        )

    backward = []
    for app_label in reversed(PHASED_APPS):
        target = targets[app_label]
        chain = app_chain(graph, app_label)
        keep = chain.index(target) + 1 if target else 0
        if not any(key in applied for key in chain[keep:]):
            continue
        if target is not None and target not in applied:
            raise PhaseError(
                f"Database {alias!r} has migrations of {app_label} after {format_key(target)} "
                f"applied but not {format_key(target)} itself; fix its history with migrate first"
            )
        migration_plan = plan((app_label, target[1] if target else None))
        unphased = [
            format_key((m.app_label, m.name))
            for m, _ in migration_plan
            if m.app_label not in PHASED_APPS
        ]
        if unphased:
            raise PhaseError(
                f"Going back to phase {phase} would unapply {', '.join(unphased)}, which depend "
                f"on {app_label} and belong to phase {FIRST_PHASE}; phases never unapply them"
            )
        if migration_plan:
            backward.append(step(app_label, target, migration_plan))
            for migration, _ in migration_plan:
                applied.pop((migration.app_label, migration.name), None)

    forward = []
    others = sorted({key[0] for key in graph.nodes} - set(PHASED_APPS))
    for app_label in [*others, *PHASED_APPS]:
        target = (
            targets.get(app_label) if app_label in PHASED_APPS else app_chain(graph, app_label)[-1]
        )
        if target is None or target in applied:
            continue
        migration_plan = plan(target)
        beyond = [
            (m.app_label, m.name)
            for m, _ in migration_plan
            if phase_of_migration(graph, (m.app_label, m.name)) > phase
        ]
        if beyond:
            raise PhaseError(
                f"Reaching {format_key(target)} needs {', '.join(map(format_key, beyond))}, "
                f"which belong to a phase after {phase}"
            )
        if migration_plan:
            forward.append(step(app_label, target, migration_plan))
            for migration, _ in migration_plan:
                applied[(migration.app_label, migration.name)] = migration
    return backward, forward


# --- The phase the running code sees --------------------------------------------------------

# How long a process trusts the phase it read: after `phase --to N`, every process sees the new
# phase within this many seconds, without a restart. One query per database per period.
PHASE_CACHE_SECONDS = 2.0
_requirements: dict[str, dict[int, frozenset[MigrationKey]]] | None = None
_requirements_lock = threading.Lock()
_cached: tuple[int, float] | None = None


def _phase_requirements() -> dict[str, dict[int, frozenset[MigrationKey]]]:
    """Per database, per phase: the migrations of that phase whose operations touch it (read
    from the migration files once per process)."""
    global _requirements
    with _requirements_lock:
        if _requirements is None:
            graph = _disk_graph()
            result: dict[str, dict[int, set[MigrationKey]]] = {
                alias: defaultdict(set) for alias in database_aliases()
            }
            for key in graph.nodes:
                phase = phase_of_migration(graph, key)
                for alias in touched_databases(graph.nodes[key], database_aliases()):
                    if alias in result:
                        result[alias][phase].add(key)
            _requirements = {
                alias: {p: frozenset(keys) for p, keys in phases.items()}
                for alias, phases in result.items()
            }
        return _requirements


def database_phase(alias: str) -> int:
    """The highest phase whose migrations touching `alias` are all applied (one query)."""
    required = _phase_requirements()[alias]
    with connections[alias].cursor() as cursor:
        try:
            cursor.execute("SELECT app, name FROM django_migrations")
        except DatabaseError:
            return FIRST_PHASE - 1
        applied = set(cursor.fetchall())
    phase = FIRST_PHASE - 1
    for number in PHASES:
        if not required.get(number, frozenset()) <= applied:
            break
        phase = number
    return phase


# Going back, `phase --to N` first announces N here (the shared cache, seen by every process)
# and waits PHASE_CACHE_SECONDS plus a grace before it drops anything: by then no process still
# believes in a later phase, so no request reads a table being dropped.
CEILING_KEY = "socrates:phase-ceiling"


def phase_ceiling() -> int | None:
    from django.core.cache import cache

    try:
        return cache.get(CEILING_KEY)
    except DatabaseError:
        return None


def set_phase_ceiling(phase: int | None) -> None:
    from django.core.cache import cache

    if phase is None:
        cache.delete(CEILING_KEY)
    else:
        cache.set(CEILING_KEY, phase, timeout=None)
    forget_effective_phase()


def effective_phase() -> int:
    """The phase both databases have completed (the lowest of the two, and never above a phase
    a running rollback announced), cached for PHASE_CACHE_SECONDS: what code that may run at any
    phase asks before it touches a later phase's tables."""
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and cached[1] > now:
        return cached[0]
    phase = min(database_phase(alias) for alias in database_aliases())
    ceiling = phase_ceiling()
    if ceiling is not None:
        phase = min(phase, ceiling)
    _cached = (phase, now + PHASE_CACHE_SECONDS)
    return phase


def forget_effective_phase() -> None:
    """Drop this process's cached phase (after this process changed it)."""
    global _cached
    _cached = None


def phase_enabled(phase: int) -> bool:
    return effective_phase() >= phase


def require_phase(phase: int, what: str) -> None:
    """Raise PhaseNotEnabled naming the phase `what` needs and the one the databases are at."""
    current = effective_phase()
    if current < phase:
        raise PhaseNotEnabled(
            f"{what} needs phase {phase}; the databases are at phase {current}.",
            details={"needed_phase": phase, "current_phase": current},
        )


_model_phases: dict[str, int] | None = None


@functools.cache
def _disk_graph() -> MigrationGraph:
    """The migration graph from the files (no database), read once per process."""
    return MigrationLoader(None, ignore_no_migrations=True).graph


def model_phase(model) -> int:
    """The phase whose migration created the model's table (phase 0 for non-project apps)."""
    global _model_phases
    if _model_phases is None:
        graph = _disk_graph()
        found: dict[str, int] = {}
        for key in graph.nodes:
            if key[0] not in PHASED_APPS:
                continue
            phase = phase_of_migration(graph, key)
            for operation in graph.nodes[key].operations:
                if type(operation).__name__ == "CreateModel":
                    found.setdefault(f"{key[0]}.{operation.name.lower()}", phase)
        _model_phases = found
    return _model_phases.get(model._meta.label_lower, FIRST_PHASE)


def command_requires_phase(phase: int, command: str) -> None:
    """Stop a management command of a later phase with one line (CommandError) naming both."""
    from django.core.management.base import CommandError

    try:
        require_phase(phase, f"manage.py {command}")
    except PhaseNotEnabled as exc:
        raise CommandError(exc.message) from None
