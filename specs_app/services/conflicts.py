"""Conflict resolution.

A conflict names specifications (``spec_ids``), the old ones first and the *newcomer* last (the
order conflict detection writes them in). Actions:

- ``keep_old``: the newcomer stops being current (retired); an old version it had superseded
  (same key, ``superseded_by`` = newcomer) becomes current again.
- ``replace``: the newcomer is (made) current and supersedes every old one still current.
- ``merge``: ``merged_value`` becomes a new version of the first old specification's key; the
  newcomer and every other specification of the conflict still current are superseded by it.
- ``ignore``: nothing changes; the conflict is marked ignored.

Every action records ``resolution`` (``"<action>: <notes>"``), ``resolved_at`` and
``resolved_by_user``; the first three set status ``resolved``. Only an open conflict can be
resolved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from socrates.db import SPECS_DB
from socrates.errors import Conflict as ConflictError
from socrates.errors import ValidationFailed
from specs_app.models import Conflict, ConflictStatus, Specification
from specs_app.services.projects import ensure_writable
from specs_app.services.specifications import (
    specification_create,
    specification_supersede,
    specification_update,
)

ACTIONS = ("keep_old", "replace", "merge", "ignore")

# keep_old and replace change which versions are current without writing a new one, so the
# post-write checks (maturity, compatibility) do not see them; these checks run instead.
# merge writes a new version and goes through the post-write checks already.
PostResolveCheck = Callable[..., None]
POST_RESOLVE_CHECKS: list[PostResolveCheck] = []


def register_post_resolve_check(check: PostResolveCheck) -> PostResolveCheck:
    """Run ``check(project=..., specifications=...)`` after keep_old and replace (idempotent)."""
    if check not in POST_RESOLVE_CHECKS:
        POST_RESOLVE_CHECKS.append(check)
    return check


ACTION_CHOICES = [(action, action) for action in ACTIONS]


def _current_of_key(spec: Specification) -> Specification | None:
    return (
        Specification.objects.select_for_update()
        .filter(project_id=spec.project_id, category=spec.category, key=spec.key, is_current=True)
        .first()
    )


def _keep_old(newcomer: Specification, olds: list[Specification]) -> None:
    specification_supersede(spec=newcomer, by=None)
    for old in olds:
        if old.superseded_by_id == newcomer.pk and _current_of_key(old) is None:
            old.is_current = True
            old.superseded_at = None
            old.superseded_by = None
            old.save(update_fields=["is_current", "superseded_at", "superseded_by", "updated_at"])


def _replace(newcomer: Specification, olds: list[Specification]) -> None:
    now = timezone.now()
    for old in olds:
        specification_supersede(spec=old, by=newcomer, at=now)
    if not newcomer.is_current:
        holder = _current_of_key(newcomer)
        if holder is not None:
            specification_supersede(spec=holder, by=newcomer, at=now)
        newcomer.is_current = True
        newcomer.superseded_at = None
        newcomer.superseded_by = None
        newcomer.save(update_fields=["is_current", "superseded_at", "superseded_by", "updated_at"])


def _merge(newcomer: Specification, olds: list[Specification], merged_value: str) -> None:
    target = olds[0] if olds else newcomer
    holder = _current_of_key(target)
    others = [
        spec
        for spec in Specification.objects.select_for_update().filter(
            pk__in=[s.pk for s in [newcomer, *olds]], is_current=True
        )
        if holder is None or spec.pk != holder.pk
    ]
    # Retire the others first so the post-write checks on the merged version do not see them.
    now = timezone.now()
    for spec in others:
        specification_supersede(spec=spec, by=None, at=now)
    if holder is not None:
        merged = specification_update(spec=holder, value=merged_value)
    else:
        merged = specification_create(
            project=target.project,
            category=target.category,
            key=target.key,
            value=merged_value,
            content=target.content,
            source=target.source,
            confidence=target.confidence,
            metadata=target.metadata,
            session=target.session,
        )
    Specification.objects.filter(pk__in=[spec.pk for spec in others]).update(superseded_by=merged)


def conflict_resolve(
    *,
    conflict: Conflict,
    action: str,
    user_id: uuid.UUID,
    notes: str = "",
    merged_value: str | None = None,
) -> Conflict:
    """Resolve an open conflict with one of ACTIONS (see the module docstring)."""
    if action not in ACTIONS:
        raise ValidationFailed(
            f"action: {action!r} is not one of {', '.join(ACTIONS)}.",
            details={"action": [f"{action!r} is not a valid action."]},
        )
    if action == "merge" and merged_value is None:
        raise ValidationFailed(
            "merged_value: required when action is merge.",
            details={"merged_value": ["Required when action is merge."]},
        )
    with transaction.atomic(using=SPECS_DB):
        conflict = (
            Conflict.objects.select_for_update().select_related("project").get(pk=conflict.pk)
        )
        if conflict.status != ConflictStatus.OPEN:
            raise ConflictError(
                f"Conflict {conflict.pk} is already {conflict.status}.",
                details={"status": conflict.status},
                code="conflict_not_open",
            )
        ensure_writable(conflict.project)
        if action != "ignore":
            found = (
                # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the
                # outer join that select_related("session") makes.
                Specification.objects.select_for_update(of=("self",))
                .select_related("project", "session")
                .filter(pk__in=conflict.spec_ids, project_id=conflict.project_id)
                .in_bulk()
            )
            ordered = dict.fromkeys(conflict.spec_ids)
            specs = [found[spec_id] for spec_id in ordered if spec_id in found]
            if not specs:
                raise ConflictError(
                    f"Conflict {conflict.pk} names no existing specification; only ignore applies.",
                    details={"spec_ids": [str(i) for i in conflict.spec_ids]},
                )
            newcomer, olds = specs[-1], specs[:-1]
            if action == "keep_old":
                _keep_old(newcomer, olds)
            elif action == "replace":
                _replace(newcomer, olds)
            else:
                _merge(newcomer, olds, merged_value)
            if action in ("keep_old", "replace"):
                for check in list(POST_RESOLVE_CHECKS):
                    check(project=conflict.project, specifications=specs)
        conflict.status = ConflictStatus.IGNORED if action == "ignore" else ConflictStatus.RESOLVED
        conflict.resolution = f"{action}: {notes}" if notes else action
        conflict.resolved_at = timezone.now()
        conflict.resolved_by_user = user_id
        conflict.save(update_fields=["status", "resolution", "resolved_at", "resolved_by_user"])
    return conflict
