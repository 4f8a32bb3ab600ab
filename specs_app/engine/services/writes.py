"""The write hook: what every specification write runs (conflicts, maturity, compatibility)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from specs_app.engine.conflicts import detect_conflicts
from specs_app.engine.services.metrics import maturity_refresh
from specs_app.engine.services.readiness import (
    compatibility_run,
)
from specs_app.models import (
    Conflict,
    Project,
    Specification,
)

# Set while an answer writes its specifications: see post_write_check.
_statements: ContextVar[bool] = ContextVar("engine_statements", default=False)
_deferred: ContextVar[set | None] = ContextVar("engine_deferred", default=None)


@contextmanager
def answer_writes() -> Iterator[set]:
    """Mark the writes inside as statements, and defer tech-stack re-evaluation to the end."""
    statements = _statements.set(True)
    deferred = _deferred.set(set())
    try:
        yield _deferred.get()
    finally:
        _deferred.reset(deferred)
        _statements.reset(statements)


def post_write_check(*, spec: Specification, previous: Specification | None, action: str) -> None:
    """Detect the conflicts of a specification just written as current; keep it pending if any.

    Runs inside the write's transaction (specs_app.services.specifications).
    """
    conflicts = detect_conflicts(spec, previous=previous, statement=_statements.get())
    if conflicts:
        Conflict.objects.bulk_create(conflicts)
        spec.is_current = False
        spec.save(update_fields=["is_current", "updated_at"])
        if previous is not None:
            # The newcomer waits for resolution: the version it superseded stays current.
            previous.is_current = True
            previous.superseded_at = None
            previous.superseded_by = None
            previous.save(
                update_fields=["is_current", "superseded_at", "superseded_by", "updated_at"]
            )
        return
    deferred = _deferred.get()
    if deferred is not None:
        if spec.category == "tech_stack":
            deferred.add(spec.project_id)
        return
    maturity_refresh(project_id=spec.project_id)
    if spec.category == "tech_stack":
        compatibility_run(project=spec.project, trigger="specification_write")


def post_resolve_check(*, project: Project, specifications: list[Specification]) -> None:
    """Refresh maturity, and the compatibility test when the stack changed, after a resolution.

    Runs inside conflict_resolve's transaction for keep_old and replace, which change which
    versions are current without a new write.
    """
    maturity_refresh(project_id=project.pk)
    if any(spec.category == "tech_stack" for spec in specifications):
        compatibility_run(project=project, trigger="conflict_resolved")
