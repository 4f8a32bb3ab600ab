"""What unapplying migrations would destroy.

Unapplying a CreateModel drops its table; unapplying an AddField drops its column. Before a
phase change goes back, `data_at_risk()` counts the rows those tables hold and the values those
columns hold (a value equal to the column's database default is not counted), using the
historical models of the database as it is now. socrates/migration_checks/phase_dump.py saves
exactly that (`phase --to N --dump FILE`) and puts it back (`phase --restore FILE`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.migrations import AddField, CreateModel
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model

from socrates.migration_routing import database_operations, operation_touches


@dataclass
class AtRisk:
    alias: str
    table: str
    column: str | None  # None: the whole table is dropped
    rows: int
    # Historical model whose rows the dump serializes (None: covered by its parent's M2M).
    model: type[Model] | None
    condition: str = "TRUE"

    def describe(self) -> str:
        if self.column is None:
            return f"{self.alias}: table {self.table} ({self.rows} rows)"
        return f"{self.alias}: column {self.table}.{self.column} ({self.rows} rows with a value)"


def data_at_risk(steps) -> list[AtRisk]:
    """Return the tables and columns the backward `steps` would drop, with their row counts."""
    found: list[AtRisk] = []
    by_alias: dict[str, list] = {}
    for step in steps:
        if step.backwards:
            by_alias.setdefault(step.alias, []).extend(step.effective)
    for alias, keys in by_alias.items():
        if keys:
            found.extend(_at_risk_on(alias, keys))
    return found


def _at_risk_on(alias: str, keys: list) -> list[AtRisk]:
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    historical = executor._create_project_state(with_applied_migrations=True).apps
    # Forward order, so that a dump lists parents before children.
    migrations = [graph.nodes[key] for key in reversed(keys)]
    dropped_tables: list[tuple[str, type[Model] | None]] = []
    dropped_columns: list[tuple[type[Model], str]] = []
    for migration in migrations:
        for operation in database_operations(migration.operations):
            if not operation_touches(operation, migration.app_label, alias):
                continue
            if isinstance(operation, CreateModel):
                model = _model(historical, migration.app_label, operation.name)
                if model is None:
                    continue
                dropped_tables.append((model._meta.db_table, model))
                for m2m in model._meta.local_many_to_many:
                    through = m2m.remote_field.through
                    if through._meta.auto_created:
                        dropped_tables.append((through._meta.db_table, None))
            elif isinstance(operation, AddField):
                model = _model(historical, migration.app_label, operation.model_name)
                if model is None:
                    continue
                try:
                    field = model._meta.get_field(operation.name)
                except FieldDoesNotExist:
                    # Removed from the models later by a state-only change (the column stays
                    # in the database until this migration is undone): name it from the
                    # operation itself.
                    field = operation.field.clone()
                    field.set_attributes_from_name(operation.name)
                if field.many_to_many:
                    through = field.remote_field.through
                    dropped_tables.append((through._meta.db_table, through))
                else:
                    dropped_columns.append((model, field.column))
    table_names = {table for table, _ in dropped_tables}
    found = []
    with connection.cursor() as cursor:
        for table, model in dropped_tables:
            rows = _count(cursor, connection, table, "TRUE")
            if rows is not None:
                found.append(AtRisk(alias, table, None, rows, model))
        for model, column in dropped_columns:
            table = model._meta.db_table
            if table in table_names:
                continue
            condition = has_value_condition(cursor, connection, table, column)
            rows = _count(cursor, connection, table, condition)
            if rows is not None:
                found.append(AtRisk(alias, table, column, rows, model, condition))
    return found


def _model(historical_apps, app_label: str, model_name: str) -> type[Model] | None:
    try:
        return historical_apps.get_model(app_label, model_name)
    except LookupError:  # removed by a later migration: nothing of it is left to lose
        return None


def _count(cursor, connection, table: str, condition: str) -> int | None:
    cursor.execute("SELECT to_regclass(%s)", [connection.ops.quote_name(table)])
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)} WHERE {condition}")
    return cursor.fetchone()[0]


def has_value_condition(cursor, connection, table: str, column: str) -> str:
    """SQL that is true where the column holds something other than NULL or its default."""
    cursor.execute(
        "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = to_regclass(%s) AND a.attname = %s",
        [connection.ops.quote_name(table), column],
    )
    row = cursor.fetchone()
    quoted = connection.ops.quote_name(column)
    if row and row[0]:
        return f"{quoted} IS DISTINCT FROM ({row[0]})"
    return f"{quoted} IS NOT NULL"
