"""Reads of socrates_specs. Who reaches a project is decided by specs_app.access, the one
access policy; the getters here apply it (404 without access, 403 below the needed level).
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from socrates import phases
from socrates.errors import NotFound, ValidationFailed
from specs_app.access import Access, access_to, check_access, projects_for
from specs_app.models import (
    CHOICE_PHASE,
    Conflict,
    ConversationHistory,
    Project,
    Question,
    Session,
    Specification,
)


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


def _not_found(what: str, object_id) -> NotFound:
    return NotFound(f"{what} {object_id} not found.", details={"id": str(object_id)})


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


def project_list(*, user, filters: dict | None = None) -> QuerySet[Project]:
    """Return the user's projects, newest first, narrowed by ``status`` / ``current_phase``."""
    filters = filters or {}
    queryset = projects_for(user)
    for field in ("status", "current_phase"):
        if filters.get(field):
            queryset = queryset.filter(**{field: filters[field]})
    if phases.phase_enabled(CHOICE_PHASE):
        # Each project shows its LLM choice: one join, not a query per project.
        queryset = queryset.select_related("llm_choice")
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
    if phases.phase_enabled(CHOICE_PHASE):
        # Each question shows its template: one join, not a query per question.
        queryset = queryset.select_related("template")
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
