"""References across the two databases, declared once, next to their field.

A column such as ``projects.owner_id`` lives in socrates_specs and names a row of socrates_auth,
so no foreign key can hold it. Each such column is a ``CrossDatabaseUUIDField`` that names its
target model and what happens to the row when that target is deleted. Everything that must
know these references reads them from the fields (``references()``): ``check_integrity``
(orphans), the deletion sweeps of users and teams (``sweep``, ``protecting``) and the admin.

The declaration is runtime metadata only: the column is a plain ``uuid``, and the field
deconstructs as ``models.UUIDField`` so that migrations, and the schema, stay what they are.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

from django.apps import apps
from django.db import models, router, transaction
from django.db.models import F, OuterRef, Subquery


class OnTargetDelete(enum.StrEnum):
    """What deleting the target row does to a row that references it."""

    PROTECT = "protect"  # refuse to delete the target while such rows exist
    CASCADE = "cascade"  # delete the rows
    SET_NULL = "set_null"  # clear the reference (the column must be nullable)
    TO_PROJECT_OWNER = "to_project_owner"  # hand the row to the owner of its project


class CrossDatabaseUUIDField(models.UUIDField):
    """A UUID column holding primary keys of a model in the other database.

    ``to``: the target's model label ("auth_app.User"); ``on_target_delete``: an
    ``OnTargetDelete``; ``refusal``: with PROTECT, how a refusal reads after the target's name,
    with ``{count}`` ("owns {count} project(s)").
    """

    def __init__(self, *args, to: str, on_target_delete: OnTargetDelete, refusal: str = "", **kw):
        self.target = to
        self.on_target_delete = OnTargetDelete(on_target_delete)
        self.refusal = refusal
        super().__init__(*args, **kw)

    def deconstruct(self):
        # Runtime metadata, not schema: migrations keep seeing the plain UUIDField they made.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.UUIDField", args, kwargs

    def clone(self):
        # deconstruct() leaves the declaration out; a copy (model states, forms) keeps it.
        _name, _path, args, kwargs = super().deconstruct()
        return self.__class__(
            *args,
            to=self.target,
            on_target_delete=self.on_target_delete,
            refusal=self.refusal,
            **kwargs,
        )


@dataclass(frozen=True)
class CrossDatabaseReference:
    """A column of ``source`` holding primary keys of ``target``, in another database."""

    source: str  # model label, "specs_app.Project"
    column: str  # field name on source, "owner_id"
    target: str  # model label, "auth_app.User"
    on_target_delete: OnTargetDelete = OnTargetDelete.PROTECT
    refusal: str = ""

    @property
    def source_model(self):
        return apps.get_model(self.source)

    @property
    def target_model(self):
        return apps.get_model(self.target)

    @property
    def label(self) -> str:
        source, target = self.source_model._meta, self.target_model._meta
        return f"{source.db_table}.{self.column} -> {target.db_table}"

    def rows(self, ids):
        """Return the source rows whose column holds one of ``ids``."""
        model = self.source_model
        return model._base_manager.using(router.db_for_write(model)).filter(
            **{f"{self.column}__in": list(ids)}
        )


@functools.cache
def _declared() -> tuple[CrossDatabaseReference, ...]:
    # The models are fixed once the app registry is ready: scan their fields once.
    return tuple(
        CrossDatabaseReference(
            source=model._meta.label,
            column=field.name,
            target=apps.get_model(field.target)._meta.label,
            on_target_delete=field.on_target_delete,
            refusal=field.refusal,
        )
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, CrossDatabaseUUIDField)
    )


def references(target: str | None = None) -> tuple[CrossDatabaseReference, ...]:
    """Return every declared cross-database reference (to ``target`` only, when given)."""
    if target is None:
        return _declared()
    label = apps.get_model(target)._meta.label
    return tuple(reference for reference in _declared() if reference.target == label)


def protecting(target: str, pk) -> list[tuple[CrossDatabaseReference, int]]:
    """Return the PROTECT references that still hold ``pk``, with their row counts."""
    found = []
    for reference in references(target):
        if reference.on_target_delete == OnTargetDelete.PROTECT:
            count = reference.rows([pk]).count()
            if count:
                found.append((reference, count))
    return found


def _to_project_owner(model):
    """Return the expression of the owner of a row's project (the row itself for a project)."""
    if model._meta.label == "specs_app.Project":
        return F("owner_id")
    project = model._meta.get_field("project").related_model
    return Subquery(project._base_manager.filter(pk=OuterRef("project_id")).values("owner_id")[:1])


def sweep(target: str, ids) -> dict[str, int]:
    """Apply every reference's ``on_target_delete`` to the rows that name one of ``ids``.

    Returns ``{reference label: rows changed}``. PROTECT references are left alone (check
    ``protecting`` first). One transaction per database; safe to run again.
    """
    ids = list(ids)
    changed: dict[str, int] = {}
    if not ids:
        return changed
    by_database: dict[str, list[CrossDatabaseReference]] = {}
    for reference in references(target):
        if reference.on_target_delete != OnTargetDelete.PROTECT:
            by_database.setdefault(router.db_for_write(reference.source_model), []).append(
                reference
            )
    for alias, group in by_database.items():
        with transaction.atomic(using=alias):
            for reference in group:
                rows = reference.rows(ids)
                action = reference.on_target_delete
                if action == OnTargetDelete.CASCADE:
                    count, _ = rows.delete()
                elif action == OnTargetDelete.SET_NULL:
                    count = rows.update(**{reference.column: None})
                else:
                    owner = _to_project_owner(reference.source_model)
                    count = rows.update(**{reference.column: owner})
                changed[reference.label] = count
    return changed


def label_of(target: str, pk) -> str:
    """Return how a person names row ``pk`` of ``target`` (its str), or say it is gone."""
    if pk is None or pk == "":
        return ""
    model = apps.get_model(target)
    found = model._base_manager.using(router.db_for_read(model)).filter(pk=pk).first()
    return str(found) if found is not None else f"{pk} (deleted)"
