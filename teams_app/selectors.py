"""Reads for teams, members, invitations and project shares.

Access to a shared project is computed from the rows at the moment of the call (nothing is
cached), so removing a share or a membership removes the access at once. The rules (levels,
the viewer cap, the categories of each role) are specs_app.access, the one access policy;
``ShareDirectory`` below is what that policy reads of teams_app, registered in
``TeamsAppConfig.ready()``.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from auth_app.models import username_lookup
from socrates.errors import NotFound, PermissionDenied, ValidationFailed
from teams_app.models import (
    InvitationStatus,
    ProjectShare,
    Team,
    TeamInvitation,
    TeamMember,
    TeamRole,
)

# Roles allowed to add members and send invitations.
MANAGING_ROLES = frozenset({TeamRole.OWNER, TeamRole.LEAD})


def _as_uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def parse_id(value, field: str) -> uuid.UUID:
    """Return ``value`` as a UUID, or raise ValidationFailed naming ``field`` (a 400)."""
    parsed = _as_uuid(value)
    if parsed is None:
        message = f"{str(value)!r} is not a valid UUID."
        raise ValidationFailed(f"{field}: {message}", details={field: [message]})
    return parsed


def _user_id(user) -> uuid.UUID | None:
    """Accept a user object or a user id."""
    return _as_uuid(getattr(user, "pk", user))


# --- Teams and members ----------------------------------------------------------------------


def team_list(*, user) -> QuerySet[Team]:
    """Return the teams the user belongs to, each annotated with ``my_role``."""
    mine = TeamMember.objects.filter(user_id=_user_id(user))
    return Team.objects.filter(pk__in=mine.values("team_id")).annotate(
        my_role=Subquery(mine.filter(team_id=OuterRef("pk")).values("role")[:1])
    )


def user_find(*, user_id=None, username: str | None = None):
    """Return the user with this id or username (case-insensitive), or raise NotFound."""
    users = get_user_model().objects.filter(is_active=True)
    if user_id is not None:
        user = users.filter(pk=_as_uuid(user_id)).first() if _as_uuid(user_id) else None
        what = f"id {user_id}"
    else:
        # The one rule for names (auth_app.models.username_lookup): never the first of several.
        user = username_lookup(users, (username or "").strip()).first()
        what = f"username {username!r}"
    if user is None:
        raise NotFound(f"No user with {what}.")
    return user


def team_get(*, team_id) -> Team:
    """Return a team or raise NotFound."""
    team = Team.objects.filter(pk=_as_uuid(team_id)).first() if _as_uuid(team_id) else None
    if team is None:
        raise NotFound(f"Team {team_id} not found.")
    return team


def team_get_for_member(*, user, team_id) -> Team:
    """Return a team the user belongs to (with ``my_role``); any other is reported not found."""
    team_uuid = _as_uuid(team_id)
    team = team_list(user=user).filter(pk=team_uuid).first() if team_uuid else None
    if team is None:
        raise NotFound(f"Team {team_id} not found.")
    return team


def member_role(*, team, user) -> str | None:
    """Return the user's role in the team, or None when they are not a member."""
    return (
        TeamMember.objects.filter(team_id=getattr(team, "pk", team), user_id=_user_id(user))
        .values_list("role", flat=True)
        .first()
    )


def require_team_role(*, team, user, roles, doing: str) -> str:
    """Return the user's role in the team; NotFound for non-members, 403 outside ``roles``."""
    role = member_role(team=team, user=user)
    if role is None:
        raise NotFound(f"Team {getattr(team, 'pk', team)} not found.")
    if role not in roles:
        allowed = " or ".join(r for r in TeamRole.values if r in roles)
        raise PermissionDenied(f"Only a team {allowed} can {doing}; you are a {role}.")
    return role


def member_list(*, team) -> QuerySet[TeamMember]:
    return TeamMember.objects.filter(team=team).select_related("user")


def member_get(*, team, user_id) -> TeamMember:
    """Return one membership of the team or raise NotFound."""
    user_uuid = _as_uuid(user_id)
    member = (
        TeamMember.objects.filter(team=team, user_id=user_uuid).select_related("user").first()
        if user_uuid
        else None
    )
    if member is None:
        raise NotFound(f"User {user_id} is not a member of team {team.name!r}.")
    return member


def owner_count(*, team) -> int:
    return TeamMember.objects.filter(team=team, role=TeamRole.OWNER).count()


def memberships_of(*, user_id) -> dict[uuid.UUID, str]:
    """Return {team_id: role} for every team of the user."""
    return dict(TeamMember.objects.filter(user_id=_as_uuid(user_id)).values_list("team_id", "role"))


# --- Invitations ----------------------------------------------------------------------------


def invitation_list(*, team, status: str | None = None) -> QuerySet[TeamInvitation]:
    qs = TeamInvitation.objects.filter(team=team).select_related("invited_by")
    if status:
        qs = qs.filter(status=status)
    return qs


def invitation_get(*, team, invitation_id) -> TeamInvitation:
    inv_uuid = _as_uuid(invitation_id)
    invitation = TeamInvitation.objects.filter(team=team, pk=inv_uuid).first() if inv_uuid else None
    if invitation is None:
        raise NotFound(f"Invitation {invitation_id} not found in team {team.name!r}.")
    return invitation


def pending_invitation_exists(*, team, email: str) -> bool:
    """Return whether the email has a pending invitation to the team that has not expired."""
    return TeamInvitation.objects.filter(
        team=team,
        email__iexact=email,
        status=InvitationStatus.PENDING,
        expires_at__gt=timezone.now(),
    ).exists()


# --- Shares and access ----------------------------------------------------------------------


def share_list(*, project) -> QuerySet[ProjectShare]:
    return ProjectShare.objects.filter(project=project)


def share_get(*, project, share_id) -> ProjectShare:
    share_uuid = _as_uuid(share_id)
    share = (
        ProjectShare.objects.filter(project=project, pk=share_uuid).first() if share_uuid else None
    )
    if share is None:
        raise NotFound(f"Share {share_id} not found on project {project.pk}.")
    return share


class ShareDirectory:
    """Team memberships (socrates_auth) and project shares (socrates_specs) for
    specs_app.access: the policy decides, this only reads rows."""

    def roles_of(self, user_id) -> dict[uuid.UUID, str]:
        return memberships_of(user_id=user_id)

    def shares_of(self, *, project_id, team_ids) -> list[tuple[uuid.UUID, str]]:
        shares = ProjectShare.objects.filter(project_id=project_id, team_id__in=list(team_ids))
        return list(shares.values_list("team_id", "permission_level"))

    def shared_project_ids(self, *, team_ids) -> QuerySet:
        return ProjectShare.objects.filter(team_id__in=list(team_ids)).values("project_id")
