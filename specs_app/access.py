"""The one access policy: who reaches a project, at which level, and what they may answer.

Every endpoint, service and admin action that asks "may this user do X on this project" asks
here; nothing else computes a level or a category.

- The project's owner has level ``owner`` and answers every question category.
- A member of a team the project is shared with gets the share's ``permission_level``
  (read/write/admin), except that a team *viewer* never exceeds ``read`` (``ROLE_CAP``).
  With several shares (or several teams) the highest resulting level wins.
- A team member answers, per team whose capped level is at least ``write``, the categories of
  their role (``ROLE_CATEGORIES``); the union over their teams applies.
- Anyone else has no access (``None``): endpoints answer 404, so a project's existence never
  leaks. A user who reaches a project below the level an operation needs gets a 403.

Levels are ordered read < write < admin < owner.

Teams and shares belong to teams_app, a layer above this one (phase 6). What the policy needs
from them (a user's team roles, a project's shares) arrives through the ``TeamDirectory`` that
teams_app registers in its ``AppConfig.ready()``; without one, only owners have access.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import Q, QuerySet

from socrates import phases
from socrates.errors import PermissionDenied
from specs_app.models import Project

LEVELS = ("read", "write", "admin", "owner")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
# The most a team role can reach through a share, whatever the share's level.
ROLE_CAP: dict[str, str] = {"viewer": "read"}
# The question categories each team role answers on a project shared with write or admin.
ROLE_CATEGORIES: dict[str, frozenset[str]] = {
    "owner": frozenset({"goals", "requirements", "timeline", "constraints"}),
    "lead": frozenset({"requirements", "tech_stack", "scalability", "deployment"}),
    "developer": frozenset({"tech_stack", "testing", "deployment"}),
    "viewer": frozenset(),
}


# --- What teams_app provides -------------------------------------------------------------------


class TeamDirectory(Protocol):
    """Team memberships and project shares, as teams_app stores them."""

    def roles_of(self, user_id: uuid.UUID) -> dict[uuid.UUID, str]:
        """Return ``{team_id: role}`` for every team the user belongs to."""

    def shares_of(
        self, *, project_id: uuid.UUID, team_ids: Iterable[uuid.UUID]
    ) -> list[tuple[uuid.UUID, str]]:
        """Return ``[(team_id, permission_level)]`` of the project's shares to these teams."""

    def shared_project_ids(self, *, team_ids: Iterable[uuid.UUID]) -> QuerySet:
        """Return a values queryset of the ids of projects shared with these teams."""


class _NoTeams:
    """The directory before teams_app is installed: nobody belongs to a team."""

    def roles_of(self, user_id):
        return {}

    def shares_of(self, *, project_id, team_ids):
        return []

    def shared_project_ids(self, *, team_ids):
        return Project.objects.none().values("id")


_NO_TEAMS = _NoTeams()
_registered: tuple[TeamDirectory, int] = (_NO_TEAMS, 0)


def register_team_directory(directory: TeamDirectory, *, phase: int) -> None:
    """Install the source of team memberships and shares (teams_app's AppConfig.ready()), used
    where the databases are at ``phase`` or later (below it, nobody belongs to a team)."""
    global _registered
    _registered = (directory, phase)


def _team_directory() -> TeamDirectory:
    directory, phase = _registered
    return directory if phases.phase_enabled(phase) else _NO_TEAMS


# --- The policy -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """Access to one project through one team share."""

    team_id: uuid.UUID
    role: str
    share_level: str

    @property
    def level(self) -> str:
        """Return the share's level, capped by the role (viewers read at most)."""
        cap = ROLE_CAP.get(self.role, "admin")
        return self.share_level if _RANK[self.share_level] <= _RANK[cap] else cap

    @property
    def categories(self) -> frozenset[str]:
        if _RANK[self.level] < _RANK["write"]:
            return frozenset()
        return ROLE_CATEGORIES.get(self.role, frozenset())


@dataclass(frozen=True)
class Access:
    """What a user may do on one project: ``level``, the team role that granted it, and the
    grants it came from (empty for the owner)."""

    level: str
    team_role: str | None = None
    grants: tuple[Grant, ...] = field(default=(), compare=False)

    def allows(self, needed: str) -> bool:
        return _RANK[self.level] >= _RANK[needed]

    @property
    def is_owner(self) -> bool:
        return self.level == "owner"

    @property
    def answerable_categories(self) -> frozenset[str] | None:
        """Return the categories this access answers; None means every category (the owner)."""
        if self.is_owner:
            return None
        categories: set[str] = set()
        for grant in self.grants:
            categories |= grant.categories
        return frozenset(categories)

    def can_answer(self, category: str) -> bool:
        categories = self.answerable_categories
        return categories is None or category in categories


def _user_id(user) -> uuid.UUID | None:
    """Accept a user (anonymous users have no id here) or a user id."""
    if user is None:
        return None
    if isinstance(user, uuid.UUID):
        return user
    if not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def team_roles(user) -> dict[uuid.UUID, str]:
    """Return ``{team_id: role}`` for every team the user belongs to (one auth-DB query)."""
    user_id = _user_id(user)
    return {} if user_id is None else dict(_team_directory().roles_of(user_id))


def access_to(user, project: Project) -> Access | None:
    """Return the user's Access to an already-loaded project, or None when they have none.

    ``user`` is a user object or a user id.
    """
    user_id = _user_id(user)
    if user_id is None:
        return None
    if project.owner_id == user_id:
        return Access(level="owner")
    roles = team_roles(user_id)
    if not roles:
        return None
    shares = _team_directory().shares_of(project_id=project.pk, team_ids=list(roles))
    grants = tuple(Grant(team_id, roles[team_id], level) for team_id, level in shares)
    if not grants:
        return None
    best = grants[0]
    for grant in grants[1:]:
        if _RANK[grant.level] > _RANK[best.level]:
            best = grant
    return Access(level=best.level, team_role=best.role, grants=grants)


def projects_for(user) -> QuerySet[Project]:
    """Return every project the user owns or reaches through a team share (any level)."""
    user_id = _user_id(user)
    if user_id is None:
        return Project.objects.none()
    condition = Q(owner_id=user_id)
    team_ids = list(team_roles(user_id))
    if team_ids:
        condition |= Q(id__in=_team_directory().shared_project_ids(team_ids=team_ids))
    return Project.objects.filter(condition)


def check_access(access: Access, *, needed: str, what: str = "this project") -> None:
    """Raise PermissionDenied when ``access`` is below ``needed``."""
    if not access.allows(needed):
        raise PermissionDenied(
            f"Your access to {what} is {access.level!r}; this needs {needed!r}.",
            details={"access": access.level, "needed": needed},
        )


def answerable_categories(access: Access | None) -> frozenset[str] | None:
    """Return the categories ``access`` answers: None for every category, empty for none."""
    return frozenset() if access is None else access.answerable_categories


def require_answerable(access: Access | None, *, category: str | None = None) -> None:
    """Raise PermissionDenied (``category_not_answerable``) unless the access may answer.

    With ``category``: that category; without: at least one category.
    """
    allowed = answerable_categories(access)
    if allowed is None:
        return
    if category is None:
        if not allowed:
            raise PermissionDenied(
                "Your access to this project answers no question category.",
                details={"answerable": []},
                code="category_not_answerable",
            )
        return
    if category not in allowed:
        raise PermissionDenied(
            f"Your team role does not answer {category!r} questions on this project.",
            details={"category": category, "answerable": sorted(allowed)},
            code="category_not_answerable",
        )
