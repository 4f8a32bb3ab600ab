"""Reads of socrates_specs, and the one place that decides who reaches a project.

Access rule (used by every endpoint that touches a project or anything under it):

- the project's owner has level ``owner``;
- a member of a team the project is shared with (``ProjectShare.team_id``) gets the share's
  ``permission_level`` (read/write/admin), except that a team *viewer* never exceeds ``read``
  (the same rule as teams_app.selectors);
- with several shares (or several teams), the highest resulting level wins;
- anyone else has no access: a ``NotFound``, so the existence of a project never leaks.
  A user who can read a project but lacks the level an operation needs gets ``PermissionDenied``.

Levels are ordered read < write < admin < owner. Teams live in socrates_auth and shares in
socrates_specs, so memberships are read first (one query) and the share lookup uses their ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from socrates.errors import NotFound, PermissionDenied, ValidationFailed
from specs_app.models import (
    Conflict,
    ConversationHistory,
    Project,
    Question,
    Session,
    Specification,
)

LEVELS = ("read", "write", "admin", "owner")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
# The most a team role can reach through a share, whatever the share's level.
ROLE_CAP = {"viewer": "read"}


@dataclass(frozen=True)
class Access:
    """What a user may do on one project: ``level`` and the team role that granted it."""

    level: str
    team_role: str | None = None

    def allows(self, needed: str) -> bool:
        return _RANK[self.level] >= _RANK[needed]

    @property
    def is_owner(self) -> bool:
        return self.level == "owner"


def _as_uuid(value, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationFailed(
            f"{field}: {str(value)!r} is not a valid UUID.",
            details={field: [f"{str(value)!r} is not a valid UUID."]},
        ) from None


def _authenticated_id(user) -> uuid.UUID | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def team_roles(user) -> dict[uuid.UUID, str]:
    """Return ``{team_id: role}`` for every team the user belongs to (one auth-DB query)."""
    from teams_app.models import TeamMember

    user_id = _authenticated_id(user)
    if user_id is None:
        return {}
    return dict(TeamMember.objects.filter(user_id=user_id).values_list("team_id", "role"))


def _shared_level(roles: dict[uuid.UUID, str], shares) -> Access | None:
    """Return the best Access a set of (team_id, permission_level) shares gives these roles."""
    best: Access | None = None
    for team_id, permission_level in shares:
        role = roles.get(team_id)
        if role is None:
            continue
        cap = ROLE_CAP.get(role, "admin")
        level = permission_level if _RANK[permission_level] <= _RANK[cap] else cap
        if best is None or _RANK[level] > _RANK[best.level]:
            best = Access(level=level, team_role=role)
    return best


def access_to(user, project: Project) -> Access | None:
    """Return the user's Access to an already-loaded project, or None when they have none."""
    from teams_app.models import ProjectShare

    user_id = _authenticated_id(user)
    if user_id is None:
        return None
    if project.owner_id == user_id:
        return Access(level="owner")
    roles = team_roles(user)
    if not roles:
        return None
    shares = ProjectShare.objects.filter(project_id=project.pk, team_id__in=list(roles))
    return _shared_level(roles, shares.values_list("team_id", "permission_level"))


def _not_found(what: str, object_id) -> NotFound:
    return NotFound(f"{what} {object_id} not found.", details={"id": str(object_id)})


def check_access(access: Access, *, needed: str, what: str = "this project") -> None:
    """Raise PermissionDenied when ``access`` is below ``needed``."""
    if not access.allows(needed):
        raise PermissionDenied(
            f"Your access to {what} is {access.level!r}; this needs {needed!r}.",
            details={"access": access.level, "needed": needed},
        )


def project_access(user, project_id, *, needed: str = "read") -> Access:
    """Return the user's Access to a project; NotFound without access, 403 below ``needed``."""
    _project, access = project_get(user=user, project_id=project_id, needed=needed)
    return access


def project_get(*, user, project_id, needed: str = "read") -> tuple[Project, Access]:
    """Return a project the user reaches at ``needed`` level or above, with their Access."""
    project_id = _as_uuid(project_id, "project_id")
    project = Project.objects.filter(pk=project_id).first()
    access = access_to(user, project) if project is not None else None
    if access is None:
        raise _not_found("Project", project_id)
    check_access(access, needed=needed)
    return project, access


def readable_project_ids(user) -> QuerySet:
    """Return a values queryset of the ids of every project the user can read."""
    return projects_for(user).values("id")


def projects_for(user) -> QuerySet[Project]:
    """Return every project the user owns or reaches through a team share (any level)."""
    from teams_app.models import ProjectShare

    user_id = _authenticated_id(user)
    if user_id is None:
        return Project.objects.none()
    condition = Q(owner_id=user_id)
    team_ids = list(team_roles(user))
    if team_ids:
        shared = ProjectShare.objects.filter(team_id__in=team_ids).values("project_id")
        condition |= Q(id__in=shared)
    return Project.objects.filter(condition)


def project_list(*, user, filters: dict | None = None) -> QuerySet[Project]:
    """Return the user's projects, newest first, narrowed by ``status`` / ``current_phase``."""
    filters = filters or {}
    queryset = projects_for(user)
    for field in ("status", "current_phase"):
        if filters.get(field):
            queryset = queryset.filter(**{field: filters[field]})
    return queryset.order_by("-created_at", "-id")


def _child_get(model, what: str, *, user, object_id, needed: str, field: str):
    object_id = _as_uuid(object_id, field)
    obj = model.objects.select_related("project").filter(pk=object_id).first()
    access = access_to(user, obj.project) if obj is not None else None
    if access is None:
        raise _not_found(what, object_id)
    check_access(access, needed=needed)
    return obj, access


def session_get(*, user, session_id, needed: str = "read") -> tuple[Session, Access]:
    """Return a session of a project the user reaches at ``needed`` level, with their Access."""
    return _child_get(
        Session, "Session", user=user, object_id=session_id, needed=needed, field="session_id"
    )


def session_in_project(*, project: Project, session_id) -> Session | None:
    """Return the project's session ``session_id`` (None for None); a 400 naming it if absent."""
    if session_id is None:
        return None
    session = Session.objects.filter(pk=session_id, project=project).first()
    if session is None:
        raise ValidationFailed(
            f"session_id: no session {session_id} in this project.",
            details={"session_id": ["No such session in this project."]},
        )
    return session


def session_list(*, project: Project, filters: dict | None = None) -> QuerySet[Session]:
    filters = filters or {}
    queryset = Session.objects.filter(project=project)
    for field in ("status", "mode"):
        if filters.get(field):
            queryset = queryset.filter(**{field: filters[field]})
    return queryset.order_by("-started_at", "-id")


def question_get(*, user, question_id, needed: str = "read") -> tuple[Question, Access]:
    return _child_get(
        Question, "Question", user=user, object_id=question_id, needed=needed, field="question_id"
    )


def question_list(
    *, project: Project | None = None, session: Session | None = None, filters: dict | None = None
) -> QuerySet[Question]:
    """Return questions of a session or of a whole project, oldest first."""
    filters = filters or {}
    if session is not None:
        queryset = Question.objects.filter(session=session)
    elif project is not None:
        queryset = Question.objects.filter(project=project)
    else:
        raise ValueError("question_list needs a project or a session")
    if filters.get("category"):
        queryset = queryset.filter(category=filters["category"])
    return queryset.order_by("created_at", "id")


def specification_get(*, user, spec_id, needed: str = "read") -> tuple[Specification, Access]:
    return _child_get(
        Specification, "Specification", user=user, object_id=spec_id, needed=needed, field="spec_id"
    )


def specification_list(*, project: Project, filters: dict | None = None) -> QuerySet[Specification]:
    """Return a project's specifications (every version unless ``is_current`` is given)."""
    filters = filters or {}
    queryset = Specification.objects.filter(project=project)
    for field in ("category", "key", "source"):
        if filters.get(field):
            queryset = queryset.filter(**{field: filters[field]})
    if filters.get("is_current") is not None:
        queryset = queryset.filter(is_current=filters["is_current"])
    return queryset.order_by("category", "key", "-created_at", "-id")


def specification_versions(*, spec: Specification) -> QuerySet[Specification]:
    """Return every version of the spec's (project, category, key), oldest first."""
    return Specification.objects.filter(
        project_id=spec.project_id, category=spec.category, key=spec.key
    ).order_by("created_at", "id")


def conflict_get(*, user, conflict_id, needed: str = "read") -> tuple[Conflict, Access]:
    return _child_get(
        Conflict, "Conflict", user=user, object_id=conflict_id, needed=needed, field="conflict_id"
    )


def conflict_list(*, project: Project, filters: dict | None = None) -> QuerySet[Conflict]:
    filters = filters or {}
    queryset = Conflict.objects.filter(project=project)
    for field in ("status", "severity", "conflict_type"):
        if filters.get(field):
            queryset = queryset.filter(**{field: filters[field]})
    return queryset.order_by("-detected_at", "-id")


def conversation_list(*, session: Session) -> QuerySet[ConversationHistory]:
    """Return a session's conversation, oldest first."""
    return ConversationHistory.objects.filter(session=session).order_by("created_at", "id")
