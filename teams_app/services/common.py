"""What every teams_app service shares: the audit helper, role checks, the team lock."""

from __future__ import annotations

import uuid
from datetime import timedelta

from auth_app.audit import AuditAction
from auth_app.services import audit_log
from socrates.errors import NotFound, ValidationFailed
from teams_app.models import (
    Team,
    TeamRole,
)

TEAM_MODEL = "teams_app.Team"
INVITATION_LIFETIME = timedelta(days=7)
# 32 random bytes: 256 bits, URL-safe (43 characters).
INVITATION_TOKEN_BYTES = 32


def audit(
    *,
    actor,
    action: str,
    resource_type: str,
    resource_id,
    details: dict | None = None,
) -> None:
    """Append one audit_logs row (socrates_auth) through auth_app's audit helper."""
    audit_log(
        action=action,
        user=actor,
        resource_type=resource_type,
        resource_id=str(resource_id),
        details={k: str(v) if isinstance(v, uuid.UUID) else v for k, v in (details or {}).items()},
    )


def validate_role(role: str, *, allow_owner: bool = True) -> str:
    allowed = [r for r in TeamRole.values if allow_owner or r != TeamRole.OWNER]
    if role not in allowed:
        raise ValidationFailed(
            f"Role must be one of {', '.join(allowed)}; got {role!r}.",
            details={"role": [f"must be one of {', '.join(allowed)}"]},
        )
    return role


def lock_team(team: Team) -> Team:
    """Lock the team row so membership changes of one team run one at a time.

    The one lock order of teams_app: the team row first, then its member or invitation rows;
    for a share, the audit transaction (socrates_auth) opens before the share's (socrates_specs)
    and the share row is the only row locked. Every service that locks more than one row keeps
    this order, and runs under socrates.concurrency.retry_on_conflict in case one still meets a
    deadlock.
    """
    locked = Team.objects.select_for_update().filter(pk=team.pk).first()
    if locked is None:
        raise NotFound(f"Team {team.pk} not found.")
    return locked


def audit_member_removed(*, actor, team_id, user_id, role: str, reason: str) -> None:
    """Audit a membership that ends with its team or its user (not by member_remove)."""
    audit(
        actor=actor,
        action=AuditAction.TEAM_MEMBER_REMOVED,
        resource_type="team_member",
        resource_id=team_id,
        details={"team_id": team_id, "user_id": user_id, "role": role, "reason": reason},
    )
