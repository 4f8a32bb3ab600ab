"""Session writes: create, pause, resume, end.

States: active -> paused -> active ... -> completed (final). A transition that does not apply
to the current state is a Conflict (409) that names both states.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from socrates.db import SPECS_DB
from socrates.errors import Conflict
from specs_app.models import Project, Session, SessionMode, SessionStatus
from specs_app.services.projects import ensure_writable


def session_create(
    *, project: Project, mode: str = SessionMode.SOCRATIC, domain: str = ""
) -> Session:
    """Start an active session on a project that is not archived."""
    with transaction.atomic(using=SPECS_DB):
        ensure_writable(project)
        return Session.objects.create(project=project, mode=mode, domain=domain)


def _transition(session: Session, *, allowed: set[str], to: str, verb: str) -> Session:
    with transaction.atomic(using=SPECS_DB):
        session = Session.objects.select_for_update().select_related("project").get(pk=session.pk)
        if session.status not in allowed:
            raise Conflict(
                f"Cannot {verb} session {session.pk}: it is {session.status}.",
                details={"status": session.status, "allowed_from": sorted(allowed)},
                code="invalid_session_state",
            )
        session.status = to
        fields = ["status", "updated_at"]
        if to == SessionStatus.COMPLETED:
            session.ended_at = timezone.now()
            fields.append("ended_at")
        session.save(update_fields=fields)
    return session


def session_pause(*, session: Session) -> Session:
    return _transition(
        session, allowed={SessionStatus.ACTIVE}, to=SessionStatus.PAUSED, verb="pause"
    )


def session_resume(*, session: Session) -> Session:
    return _transition(
        session, allowed={SessionStatus.PAUSED}, to=SessionStatus.ACTIVE, verb="resume"
    )


def session_end(*, session: Session) -> Session:
    return _transition(
        session,
        allowed={SessionStatus.ACTIVE, SessionStatus.PAUSED},
        to=SessionStatus.COMPLETED,
        verb="end",
    )


def ensure_session_active(session: Session) -> None:
    """Raise Conflict unless the session takes answers (active, on a writable project)."""
    ensure_writable(session.project)
    if session.status != SessionStatus.ACTIVE:
        raise Conflict(
            f"Session {session.pk} is {session.status}; only an active session takes answers.",
            details={"status": session.status},
            code="invalid_session_state",
        )
