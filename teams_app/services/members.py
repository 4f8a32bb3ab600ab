"""Team members: add, change role, remove. Each change is one transaction with its audit row."""

from __future__ import annotations

from django.db import transaction

from auth_app.audit import AuditAction
from socrates.concurrency import retry_on_conflict
from socrates.db import AUTH_DB, SPECS_DB
from socrates.errors import Conflict, PermissionDenied
from teams_app import selectors
from teams_app.models import (
    Team,
    TeamMember,
    TeamRole,
)
from teams_app.services.common import (
    audit,
    lock_team,
    validate_role,
)


@retry_on_conflict(AUTH_DB, SPECS_DB)
def member_add(*, actor, team: Team, user, role: str = TeamRole.DEVELOPER) -> TeamMember:
    """Add a user to the team (owners and leads; only owners may add another owner)."""
    validate_role(role)
    with transaction.atomic(using=AUTH_DB):
        lock_team(team)
        actor_role = selectors.require_team_role(
            team=team, user=actor, roles=selectors.MANAGING_ROLES, doing="add members"
        )
        if role == TeamRole.OWNER and actor_role != TeamRole.OWNER:
            raise PermissionDenied("Only a team owner can add another owner.")
        if TeamMember.objects.filter(team=team, user=user).exists():
            raise Conflict(
                f"{user.username} is already a member of team {team.name!r}.",
                details={"user_id": [f"{user.pk} is already a member"]},
            )
        member = TeamMember.objects.create(team=team, user=user, role=role)
        audit(
            actor=actor,
            action=AuditAction.TEAM_MEMBER_ADDED,
            resource_type="team_member",
            resource_id=team.pk,
            details={"team_id": team.pk, "user_id": user.pk, "role": role},
        )
    return member


@retry_on_conflict(AUTH_DB, SPECS_DB)
def member_change_role(*, actor, team: Team, user_id, role: str) -> TeamMember:
    """Change a member's role (owners only); the last owner can never be demoted."""
    validate_role(role)
    with transaction.atomic(using=AUTH_DB):
        lock_team(team)
        selectors.require_team_role(
            team=team, user=actor, roles={TeamRole.OWNER}, doing="change roles"
        )
        member = selectors.member_get(team=team, user_id=user_id)
        old_role = member.role
        if old_role == role:
            return member
        if old_role == TeamRole.OWNER and selectors.owner_count(team=team) == 1:
            raise Conflict(
                f"{member.user.username} is the last owner of team {team.name!r} and cannot be "
                "demoted; make another member owner first.",
                code="last_owner",
            )
        member.role = role
        member.save(update_fields=["role"])
        audit(
            actor=actor,
            action=AuditAction.TEAM_MEMBER_ROLE_CHANGED,
            resource_type="team_member",
            resource_id=team.pk,
            details={"team_id": team.pk, "user_id": member.user_id, "from": old_role, "to": role},
        )
    return member


@retry_on_conflict(AUTH_DB, SPECS_DB)
def member_remove(*, actor, team: Team, user_id) -> None:
    """Remove a member (owners only); the last owner can never be removed."""
    with transaction.atomic(using=AUTH_DB):
        lock_team(team)
        selectors.require_team_role(
            team=team, user=actor, roles={TeamRole.OWNER}, doing="remove members"
        )
        member = selectors.member_get(team=team, user_id=user_id)
        if member.role == TeamRole.OWNER and selectors.owner_count(team=team) == 1:
            raise Conflict(
                f"{member.user.username} is the last owner of team {team.name!r} and cannot be "
                "removed; make another member owner first, or delete the team.",
                code="last_owner",
            )
        member.delete()
        audit(
            actor=actor,
            action=AuditAction.TEAM_MEMBER_REMOVED,
            resource_type="team_member",
            resource_id=team.pk,
            details={"team_id": team.pk, "user_id": member.user_id, "role": member.role},
        )
