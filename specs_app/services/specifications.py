"""Specification writes. A specification is versioned per (project, category, key).

- ``specification_create`` adds the first current version of a key; when the key already has a
  current version it is a Conflict (update that one instead).
- ``specification_update`` never edits a row: it writes a new current version and supersedes
  the old one (``is_current`` false, ``superseded_at``, ``superseded_by`` = the new row), which
  stays in the history.
- ``specification_delete`` retires the current version without deleting it: ``is_current``
  false and ``superseded_at`` set, with ``superseded_by`` empty (a retired version is one that
  nothing replaced). History is never rewritten, so only a current version can be retired or
  updated; the same key can be created again afterwards.

Post-write checks (the hook for conflict detection): a callable registered with
``register_post_write_check`` (the engine does it in its AppConfig.ready()) is called as
``check(spec=<the new current row>, previous=<the row it superseded or None>, action=
"create" | "update")`` after every create and update, inside the same
``transaction.atomic(using=SPECS_DB)``: the conflicts it records commit with the write, and an
exception it raises rolls the write back.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from socrates.db import SPECS_DB
from socrates.errors import Conflict, ValidationFailed
from specs_app.models import Project, Session, Specification, SpecificationSource
from specs_app.services.projects import ensure_writable

PostWriteCheck = Callable[..., None]
POST_WRITE_CHECKS: list[PostWriteCheck] = []

_UNSET = object()


def register_post_write_check(check: PostWriteCheck) -> PostWriteCheck:
    """Run ``check`` after every specification create and update (idempotent; a decorator)."""
    if check not in POST_WRITE_CHECKS:
        POST_WRITE_CHECKS.append(check)
    return check


def unregister_post_write_check(check: PostWriteCheck) -> None:
    if check in POST_WRITE_CHECKS:
        POST_WRITE_CHECKS.remove(check)


def _run_checks(*, spec: Specification, previous: Specification | None, action: str) -> None:
    for check in list(POST_WRITE_CHECKS):
        check(spec=spec, previous=previous, action=action)


def _check_session(project: Project, session: Session | None) -> None:
    if session is not None and session.project_id != project.pk:
        raise ValidationFailed(
            f"session_id: session {session.pk} belongs to another project.",
            details={"session_id": ["This session belongs to another project."]},
        )


def _current_id(*, project_id, category: str, key: str):
    return (
        Specification.objects.filter(
            project_id=project_id, category=category, key=key, is_current=True
        )
        .values_list("id", flat=True)
        .first()
    )


def _key_taken(*, project_id, category: str, key: str, existing_id) -> Conflict:
    return Conflict(
        f"{category}.{key} already has a current specification ({existing_id}); "
        "update it to write a new version.",
        details={"category": category, "key": key, "current_id": str(existing_id)},
        code="specification_exists",
    )


def specification_create(
    *,
    project: Project,
    category: str,
    key: str,
    value: str = "",
    content: str = "",
    source: str = SpecificationSource.USER_INPUT,
    confidence: float = 1.0,
    metadata: dict | None = None,
    session: Session | None = None,
) -> Specification:
    """Create the current version of a key that has none."""
    _check_session(project, session)
    with transaction.atomic(using=SPECS_DB):
        ensure_writable(project)
        existing = _current_id(project_id=project.pk, category=category, key=key)
        if existing is not None:
            raise _key_taken(
                project_id=project.pk, category=category, key=key, existing_id=existing
            )
        try:
            with transaction.atomic(using=SPECS_DB):
                spec = Specification.objects.create(
                    project=project,
                    session=session,
                    category=category,
                    key=key,
                    value=value,
                    content=content,
                    source=source,
                    confidence=confidence,
                    metadata=metadata or {},
                )
        except IntegrityError:
            # A concurrent create of the same key won the partial unique index.
            existing = _current_id(project_id=project.pk, category=category, key=key)
            raise _key_taken(
                project_id=project.pk, category=category, key=key, existing_id=existing
            ) from None
        _run_checks(spec=spec, previous=None, action="create")
    return spec


def _locked_current(spec: Specification, *, verb: str) -> Specification:
    locked = Specification.objects.select_for_update().select_related("project").get(pk=spec.pk)
    ensure_writable(locked.project)
    if not locked.is_current:
        current = _current_id(
            project_id=locked.project_id, category=locked.category, key=locked.key
        )
        where = f"the current version is {current}" if current else "the key has no current version"
        raise Conflict(
            f"Cannot {verb} specification {locked.pk}: it is not current ({where}); "
            "history is never rewritten.",
            details={"current_id": str(current) if current else None},
            code="specification_not_current",
        )
    return locked


def specification_update(
    *,
    spec: Specification,
    value: str = _UNSET,
    content: str = _UNSET,
    source: str = _UNSET,
    confidence: float = _UNSET,
    metadata: dict = _UNSET,
    session: Session | None = _UNSET,
) -> Specification:
    """Write a new current version of ``spec`` (given fields changed) and supersede it."""
    with transaction.atomic(using=SPECS_DB):
        old = _locked_current(spec, verb="update")
        if session is not _UNSET:
            _check_session(old.project, session)
        now = timezone.now()
        # The partial unique index allows one current row per key: retire first, then insert.
        old.is_current = False
        old.superseded_at = now
        old.save(update_fields=["is_current", "superseded_at", "updated_at"])
        new = Specification.objects.create(
            project_id=old.project_id,
            session=old.session if session is _UNSET else session,
            category=old.category,
            key=old.key,
            value=old.value if value is _UNSET else value,
            content=old.content if content is _UNSET else content,
            source=old.source if source is _UNSET else source,
            confidence=old.confidence if confidence is _UNSET else confidence,
            metadata=old.metadata if metadata is _UNSET else metadata,
            is_current=True,
        )
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
        _run_checks(spec=new, previous=old, action="update")
    return new


def specification_delete(*, spec: Specification) -> Specification:
    """Retire the current version of a key (kept in history, nothing supersedes it)."""
    with transaction.atomic(using=SPECS_DB):
        spec = _locked_current(spec, verb="delete")
        spec.is_current = False
        spec.superseded_at = timezone.now()
        spec.save(update_fields=["is_current", "superseded_at", "updated_at"])
    return spec


def specification_supersede(
    *, spec: Specification, by: Specification | None, at=None
) -> Specification:
    """Make a current ``spec`` not current, superseded by ``by`` (None: retired). For
    conflict resolution, where the successor is another key's specification."""
    at = at or timezone.now()
    with transaction.atomic(using=SPECS_DB):
        spec = Specification.objects.select_for_update().get(pk=spec.pk)
        if spec.is_current:
            spec.is_current = False
            spec.superseded_at = at
            spec.superseded_by = by
            spec.save(update_fields=["is_current", "superseded_at", "superseded_by", "updated_at"])
    return spec
