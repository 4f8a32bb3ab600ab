"""Reads for teams, members, invitations and project shares, and team access to projects.

Access to a shared project is computed from the rows at the moment of the call (nothing is
cached), so removing a share or a membership removes the access at once.

Rules, in one place:

- A team member's access to a project shared with the team is the share's permission level,
  except that a team *viewer* never gets more than ``read``; across several teams the best
  level wins. specs_app.selectors.access_to is the one implementation of that rule that
  endpoints use; ``TeamAccess`` below applies the same cap per team for answer categories.
- Answering questions needs ``write`` (or ``admin``) and, per category, the role's mapping in
  ``ROLE_CATEGORIES``; the union over the user's qualifying teams applies. The project's owner
  answers every category.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from socrates.errors import NotFound, PermissionDenied, ValidationFailed
from specs_app import selectors as specs_selectors
from teams_app.models import (
    InvitationStatus,
    ProjectShare,
    SharePermission,
    Team,
    TeamInvitation,
    TeamMember,
    TeamRole,
)

# The question categories each team role answers on a shared project.
ROLE_CATEGORIES: dict[str, frozenset[str]] = {
    TeamRole.OWNER: frozenset({"goals", "requirements", "timeline", "constraints"}),
    TeamRole.LEAD: frozenset({"requirements", "tech_stack", "scalability", "deployment"}),
    TeamRole.DEVELOPER: frozenset({"tech_stack", "testing", "deployment"}),
    TeamRole.VIEWER: frozenset(),
}

# Share levels from weakest to strongest.
PERMISSION_RANK: dict[str, int] = {
    SharePermission.READ: 1,
    SharePermission.WRITE: 2,
    SharePermission.ADMIN: 3,
}

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
        user = users.filter(username__iexact=(username or "").strip()).first()
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


@dataclass(frozen=True)
class TeamAccess:
    """A user's access to one project through one team share."""

    team_id: uuid.UUID
    role: str
    share_permission: str

    @property
    def permission(self) -> str:
        """Return the effective level: the share's, capped at read for viewers."""
        if self.role == TeamRole.VIEWER:
            return SharePermission.READ
        return self.share_permission

    @property
    def categories(self) -> frozenset[str]:
        if PERMISSION_RANK[self.permission] < PERMISSION_RANK[SharePermission.WRITE]:
            return frozenset()
        return ROLE_CATEGORIES.get(self.role, frozenset())


def team_accesses(*, user, project) -> list[TeamAccess]:
    """Return every share of the project that reaches the user through a team membership."""
    user_uuid = _user_id(user)
    if user_uuid is None:
        return []
    shares = dict(
        ProjectShare.objects.filter(project_id=getattr(project, "pk", project)).values_list(
            "team_id", "permission_level"
        )
    )
    if not shares:
        return []
    roles = TeamMember.objects.filter(user_id=user_uuid, team_id__in=list(shares)).values_list(
        "team_id", "role"
    )
    return [TeamAccess(team_id, role, shares[team_id]) for team_id, role in roles]


def is_project_owner(*, user, project) -> bool:
    user_uuid = _user_id(user)
    return user_uuid is not None and project.owner_id == user_uuid


def can_manage_shares(*, user, project) -> bool:
    """Return whether the user may share the project: its owner or an admin-share holder.

    The level comes from specs_app.selectors.access_to, the one place that decides project
    access (a viewer's admin share counts as read there, so viewers never re-share).
    """
    access = specs_selectors.access_to(user, project)
    return access is not None and access.allows("admin")


ALL_CATEGORIES = None  # sentinel returned by answerable_categories for "every category"


def answerable_categories(*, user, project) -> frozenset[str] | None:
    """Return the categories the user may answer on the project; None means every category.

    The project's owner answers everything; a team member answers the categories of their
    role in each team whose share gives them at least write; anyone else answers nothing.
    """
    if is_project_owner(user=user, project=project):
        return ALL_CATEGORIES
    categories: set[str] = set()
    for access in team_accesses(user=user, project=project):
        categories |= access.categories
    return frozenset(categories)


def can_answer(*, user, project, category: str) -> bool:
    """Return whether the user may answer a question of this category on the project."""
    categories = answerable_categories(user=user, project=project)
    return categories is ALL_CATEGORIES or category in categories
