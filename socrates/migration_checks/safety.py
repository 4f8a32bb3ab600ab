"""Operation-level safety rules for migrations that run against a live database.

The rules follow DESIGN.md's promises (additive, non-breaking, rollback-safe, no lock queues).
They read the migration's operations with the model state before each one, so they catch what
SQL-text linting can miss, and they name the table and column. Codes match
django-migration-linter's where the problem is the same, so one ignore covers both.

- DROP_COLUMN / DROP_TABLE: RemoveField, DeleteModel: running code still reads them.
- RENAME_COLUMN / RENAME_TABLE: RenameField, RenameModel, AlterModelTable: the same.
- NOT_NULL: a NOT NULL column added to an existing table without db_default (old code inserts
  without it), or an existing column made NOT NULL without db_default.
- ALTER_COLUMN: AlterField that changes the column's database type (rewrites the table under
  an ACCESS EXCLUSIVE lock and breaks readers of the old type).
- RUNPYTHON_REVERSIBLE / RUNSQL_REVERSIBLE / IRREVERSIBLE: no way to unapply.
- CREATE_INDEX / ADD_UNIQUE: an index (or unique constraint) built without CONCURRENTLY on a
  table that exists before the migration; on a table created in the same migration it is fine.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import connections
from django.db.migrations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelTable,
    CreateModel,
    DeleteModel,
    RemoveField,
    RenameField,
    RenameModel,
    RunPython,
    RunSQL,
)
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED, UniqueConstraint

from socrates.db import AUTH_DB
from socrates.migration_routing import database_operations

from .findings import Finding


def check_migrations(loader: MigrationLoader, keys) -> list[Finding]:
    """Return the safety findings of the migrations `keys` ((app, name) pairs)."""
    findings = []
    for key in keys:
        findings.extend(check_migration(loader, key))
    return findings


def check_migration(loader: MigrationLoader, key) -> list[Finding]:
    migration = loader.graph.nodes[key]
    app_label = migration.app_label
    label = f"{app_label}.{migration.name}"
    state = loader.project_state(key, at_end=False)
    created: set[tuple[str, str]] = set()
    findings = []
    for operation in database_operations(migration.operations):
        for code, message in _check_operation(operation, app_label, state, created):
            findings.append(Finding(label, code, message, "safety"))
        if isinstance(operation, CreateModel):
            created.add((app_label, operation.name_lower))
        operation.state_forwards(app_label, state)
    return findings


def _table(state: ProjectState, app_label: str, model_name: str) -> str:
    model_state = state.models.get((app_label, model_name.lower()))
    if model_state is None:
        return f"{app_label}_{model_name.lower()}"
    return model_state.options.get("db_table") or f"{app_label}_{model_name.lower()}"


def _old_field(state: ProjectState, app_label: str, model_name: str, name: str):
    model_state = state.models.get((app_label, model_name.lower()))
    return None if model_state is None else model_state.fields.get(name)


def _column(field, name: str) -> str:
    if field.db_column:
        return field.db_column
    return f"{name}_id" if (field.many_to_one or field.one_to_one) else name


def _db_type(state: ProjectState, app_label: str, model_name: str, name: str, field) -> str:
    connection = connections[AUTH_DB]
    try:
        return str(field.db_parameters(connection)["type"])
    except (AttributeError, ValueError, TypeError):
        # A relation's type is its target's: resolve it on rendered models.
        model = state.clone().apps.get_model(app_label, model_name)
        return str(model._meta.get_field(name).db_parameters(connection)["type"])


def _check_operation(operation, app_label: str, state: ProjectState, created):
    model_name = getattr(operation, "model_name", None)
    existing = model_name is not None and (app_label, model_name.lower()) not in created

    if isinstance(operation, RunPython) and not operation.reversible:
        name = getattr(operation.code, "__name__", repr(operation.code))
        yield "RUNPYTHON_REVERSIBLE", f"RunPython {name} has no reverse code"
        return
    if isinstance(operation, RunSQL) and not operation.reversible:
        yield "RUNSQL_REVERSIBLE", "RunSQL has no reverse_sql"
        return
    if not operation.reversible:
        yield "IRREVERSIBLE", f"{operation.describe()} cannot be unapplied"
        return

    if isinstance(operation, DeleteModel):
        yield "DROP_TABLE", f"drops table {_table(state, app_label, operation.name)}"
    elif isinstance(operation, RenameModel):
        old = _table(state, app_label, operation.old_name)
        model_state = state.models.get((app_label, operation.old_name_lower))
        if model_state is None or not model_state.options.get("db_table"):
            new = f"{app_label}_{operation.new_name_lower}"
            yield "RENAME_TABLE", f"renames table {old} to {new}"
    elif isinstance(operation, AlterModelTable):
        old = _table(state, app_label, operation.name)
        new = operation.table or f"{app_label}_{operation.name_lower}"
        if old != new:
            yield "RENAME_TABLE", f"renames table {old} to {new}"
    elif isinstance(operation, RemoveField):
        table = _table(state, app_label, model_name)
        field = _old_field(state, app_label, model_name, operation.name)
        if field is not None and field.many_to_many:
            yield "DROP_TABLE", f"drops the many-to-many table of {table}.{operation.name}"
        else:
            column = _column(field, operation.name) if field is not None else operation.name
            yield "DROP_COLUMN", f"drops column {table}.{column}"
    elif isinstance(operation, RenameField):
        table = _table(state, app_label, model_name)
        field = _old_field(state, app_label, model_name, operation.old_name)
        if field is None or not field.db_column:
            old = _column(field, operation.old_name) if field else operation.old_name
            new = _column(field, operation.new_name) if field else operation.new_name
            yield "RENAME_COLUMN", f"renames column {table}.{old} to {new}"
    elif isinstance(operation, AddField) and existing:
        yield from _check_add_field(operation, app_label, state)
    elif isinstance(operation, AlterField):
        yield from _check_alter_field(operation, app_label, state, existing)
    elif isinstance(operation, AddIndex) and not isinstance(operation, AddIndexConcurrently):
        if existing:
            table = _table(state, app_label, model_name)
            yield (
                "CREATE_INDEX",
                f"builds index {operation.index.name} on existing table {table} without "
                f"CONCURRENTLY (use AddIndexConcurrently in an atomic = False migration)",
            )
    elif isinstance(operation, AddConstraint) and existing:
        if isinstance(operation.constraint, UniqueConstraint):
            table = _table(state, app_label, model_name)
            yield (
                "ADD_UNIQUE",
                f"adds unique constraint {operation.constraint.name} on existing table "
                f"{table}: builds its index without CONCURRENTLY",
            )


def _check_add_field(operation, app_label: str, state: ProjectState):
    field = operation.field
    if field.many_to_many:
        return
    table = _table(state, app_label, operation.model_name)
    column = _column(field, operation.name)
    if not field.null and field.db_default is NOT_PROVIDED and not field.primary_key:
        yield (
            "NOT_NULL",
            f"adds NOT NULL column {table}.{column} without db_default (running code inserts "
            f"rows without it)",
        )
    if field.unique and not field.primary_key:
        yield "ADD_UNIQUE", f"adds unique column {table}.{column}: builds its index in place"
    elif field.db_index:
        yield (
            "CREATE_INDEX",
            f"adds indexed column {table}.{column}: builds its index on an existing table "
            f"without CONCURRENTLY",
        )


def _check_alter_field(operation, app_label: str, state: ProjectState, existing: bool):
    old = _old_field(state, app_label, operation.model_name, operation.name)
    new = operation.field
    if old is None or new.many_to_many or old.many_to_many:
        return
    table = _table(state, app_label, operation.model_name)
    column = _column(new, operation.name)
    old_type = _db_type(state, app_label, operation.model_name, operation.name, old)
    after = state.clone()
    operation.state_forwards(app_label, after)
    new_type = _db_type(after, app_label, operation.model_name, operation.name, new)
    if old_type != new_type:
        yield (
            "ALTER_COLUMN",
            f"changes the type of column {table}.{column} from {old_type} to {new_type}",
        )
    if old.null and not new.null and new.db_default is NOT_PROVIDED:
        yield "NOT_NULL", f"makes column {table}.{column} NOT NULL without db_default"
    if existing and new.unique and not old.unique:
        yield "ADD_UNIQUE", f"makes column {table}.{column} unique: builds its index in place"
    elif existing and new.db_index and not old.db_index and not new.unique:
        yield "CREATE_INDEX", f"indexes column {table}.{column} without CONCURRENTLY"
