"""Which databases a migration's operations act on, as the router decides.

Django records every migration in every database, but an operation only changes a database
whose router allows it (per model, or per app plus hints for RunSQL/RunPython/extensions).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import router
from django.db.migrations import Migration
from django.db.migrations.operations import CreateModel, SeparateDatabaseAndState
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.models import ModelOperation


def operation_model_name(operation: Operation) -> str | None:
    """Return the lower-cased model name an operation is about, or None."""
    name = getattr(operation, "model_name_lower", None)
    if name:
        return name
    if isinstance(operation, ModelOperation):
        return operation.name_lower
    return None


def database_operations(operations: Iterable[Operation]) -> list[Operation]:
    """Flatten SeparateDatabaseAndState into the operations that run against the database."""
    flat = []
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            flat.extend(database_operations(operation.database_operations))
        else:
            flat.append(operation)
    return flat


def operation_touches(operation: Operation, app_label: str, alias: str) -> bool:
    if isinstance(operation, CreateModel) and (
        operation.options.get("proxy") or operation.options.get("managed") is False
    ):
        return False
    hints = dict(getattr(operation, "hints", None) or {})
    model_name = operation_model_name(operation)
    if model_name:
        return bool(router.allow_migrate(alias, app_label, model_name=model_name, **hints))
    return bool(router.allow_migrate(alias, app_label, **hints))


def touched_databases(migration: Migration, aliases: Iterable[str]) -> frozenset[str]:
    """Return the aliases on which at least one of the migration's operations acts."""
    operations = database_operations(migration.operations)
    return frozenset(
        alias
        for alias in aliases
        if any(operation_touches(op, migration.app_label, alias) for op in operations)
    )
