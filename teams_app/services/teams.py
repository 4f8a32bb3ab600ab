"""Teams: create, update, delete (with their project shares, declared in socrates.crossdb)."""

from __future__ import annotations

from django.db import transaction

from auth_app.audit import AuditAction
from socrates import crossdb
from socrates.concurrency import retry_on_conflict
from socrates.db import AUTH_DB, SPECS_DB
from socrates.errors import ValidationFailed
from teams_app import selectors
from teams_app.models import (
    ProjectShare,
    Team,
    TeamMember,
    TeamRole,
)
from teams_app.services.common import (
    TEAM_MODEL,
    audit,
    audit_member_removed,
    lock_team,
)


@retry_on_conflict(AUTH_DB, SPECS_DB)
def team_create(*, user, name: str, description: str = "") -> Team:
    """Create a team whose creator becomes its owner."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("A team needs a name.", details={"name": ["required"]})
    with transaction.atomic(using=AUTH_DB):
        team = Team.objects.create(name=name, description=description or "", created_by=user)
        TeamMember.objects.create(team=team, user=user, role=TeamRole.OWNER)
        audit(
            actor=user,
            action=AuditAction.TEAM_CREATED,
            resource_type="team",
            resource_id=team.pk,
            details={"name": name},
        )
        audit(
            actor=user,
            action=AuditAction.TEAM_MEMBER_ADDED,
            resource_type="team_member",
            resource_id=team.pk,
            details={"team_id": team.pk, "user_id": user.pk, "role": TeamRole.OWNER},
        )
    return team


@retry_on_conflict(AUTH_DB, SPECS_DB)
def team_update(
    *, actor, team: Team, name: str | None = None, description: str | None = None
) -> Team:
    """Rename a team or change its description (owners only)."""
    changes: dict = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationFailed("A team needs a name.", details={"name": ["required"]})
        changes["name"] = name
    if description is not None:
        changes["description"] = description
    with transaction.atomic(using=AUTH_DB):
        lock_team(team)
        selectors.require_team_role(
            team=team, user=actor, roles={TeamRole.OWNER}, doing="change the team"
        )
        if not changes:
            return team
        for field, value in changes.items():
            setattr(team, field, value)
        team.save(update_fields=[*changes, "updated_at"])
        audit(
            actor=actor,
            action=AuditAction.TEAM_UPDATED,
            resource_type="team",
            resource_id=team.pk,
            details=changes,
        )
    return team


def team_purge_shares(*, team_ids) -> int:
    """Delete what names these teams in socrates_specs (their project shares); return the count.

    What goes is declared on the referencing fields (socrates.crossdb).
    """
    return sum(crossdb.sweep(TEAM_MODEL, team_ids).values())


@retry_on_conflict(AUTH_DB, SPECS_DB)
def team_delete(*, actor, team: Team, enforce_role: bool = True) -> None:
    """Delete a team with its members, invitations and project shares (owners only).

    `enforce_role=False` is for site administrators (the Django admin), who are not members.

    Shares are deleted first (socrates_specs), then the team (socrates_auth, members and
    invitations cascade), then shares once more in case one was created in between. A crash
    after the first step leaves a team without shares (no access anywhere); calling this again
    finishes the job.
    """
    if enforce_role:
        selectors.require_team_role(
            team=team, user=actor, roles={TeamRole.OWNER}, doing="delete the team"
        )
    team_id = team.pk
    shares = list(
        ProjectShare.objects.filter(team_id=team_id).values("id", "project_id", "permission_level")
    )
    team_purge_shares(team_ids=[team_id])
    with transaction.atomic(using=AUTH_DB):
        lock_team(team)
        if enforce_role:
            selectors.require_team_role(
                team=team, user=actor, roles={TeamRole.OWNER}, doing="delete the team"
            )
        members = list(TeamMember.objects.filter(team_id=team_id).values_list("user_id", "role"))
        for share in shares:
            audit(
                actor=actor,
                action=AuditAction.SHARE_DELETED,
                resource_type="project_share",
                resource_id=share["id"],
                details={
                    "project_id": share["project_id"],
                    "team_id": team_id,
                    "permission_level": share["permission_level"],
                    "reason": "team_deleted",
                },
            )
        for user_id, role in members:
            audit_member_removed(
                actor=actor, team_id=team_id, user_id=user_id, role=role, reason="team_deleted"
            )
        Team.objects.filter(pk=team_id).delete()
        audit(
            actor=actor,
            action=AuditAction.TEAM_DELETED,
            resource_type="team",
            resource_id=team_id,
            details={"name": team.name, "members": len(members), "shares": len(shares)},
        )
    # A share created while the team was being deleted would point at no team: sweep again.
    team_purge_shares(team_ids=[team_id])
