"""Project writes: create, update, archive, restore."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from socrates.db import SPECS_DB
from socrates.errors import Conflict, ValidationFailed
from specs_app.models import Project, ProjectPhase, ProjectStatus

_UNSET = object()


def _check_fields(*, current_phase, maturity_score) -> None:
    if current_phase is not _UNSET and current_phase not in ProjectPhase.values:
        raise ValidationFailed(
            f"current_phase: {current_phase!r} is not one of {', '.join(ProjectPhase.values)}.",
            details={"current_phase": [f"{current_phase!r} is not a valid phase."]},
        )
    if maturity_score is not _UNSET and not 0 <= maturity_score <= 100:
        raise ValidationFailed(
            "maturity_score: must be between 0 and 100.",
            details={"maturity_score": ["Must be between 0 and 100."]},
        )


def ensure_writable(project: Project) -> None:
    """Raise Conflict when the project is archived (it is read-only until restored)."""
    if project.status == ProjectStatus.ARCHIVED:
        raise Conflict(
            f"Project {project.pk} is archived; restore it before changing it.",
            details={"project_id": str(project.pk), "status": project.status},
            code="project_archived",
        )


def project_create(
    *,
    owner_id: uuid.UUID,
    name: str,
    description: str = "",
    current_phase: str = ProjectPhase.DISCOVERY,
    maturity_score: float = 0.0,
    creator_id: uuid.UUID | None = None,
) -> Project:
    """Create an active project owned (and, unless told otherwise, created) by ``owner_id``."""
    _check_fields(current_phase=current_phase, maturity_score=maturity_score)
    with transaction.atomic(using=SPECS_DB):
        return Project.objects.create(
            owner_id=owner_id,
            creator_id=creator_id or owner_id,
            name=name,
            description=description,
            current_phase=current_phase,
            maturity_score=maturity_score,
        )


def project_update(
    *,
    project: Project,
    name: str = _UNSET,
    description: str = _UNSET,
    current_phase: str = _UNSET,
    maturity_score: float = _UNSET,
) -> Project:
    """Change the given fields of a project that is not archived."""
    _check_fields(current_phase=current_phase, maturity_score=maturity_score)
    changes = {
        field: value
        for field, value in {
            "name": name,
            "description": description,
            "current_phase": current_phase,
            "maturity_score": maturity_score,
        }.items()
        if value is not _UNSET
    }
    with transaction.atomic(using=SPECS_DB):
        project = Project.objects.select_for_update().get(pk=project.pk)
        ensure_writable(project)
        for field, value in changes.items():
            setattr(project, field, value)
        if changes:
            project.save(update_fields=[*changes, "updated_at"])
    return project


def project_archive(*, project: Project) -> Project:
    """Archive a project; archiving an archived project changes nothing."""
    with transaction.atomic(using=SPECS_DB):
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.status != ProjectStatus.ARCHIVED:
            project.status = ProjectStatus.ARCHIVED
            project.archived_at = timezone.now()
            project.save(update_fields=["status", "archived_at", "updated_at"])
    return project


def project_restore(*, project: Project) -> Project:
    """Bring an archived project back to active; an active project is left as it is."""
    with transaction.atomic(using=SPECS_DB):
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.status == ProjectStatus.COMPLETED:
            raise Conflict(
                f"Project {project.pk} is completed, not archived; there is nothing to restore.",
                details={"status": project.status},
            )
        if project.status == ProjectStatus.ARCHIVED:
            project.status = ProjectStatus.ACTIVE
            project.archived_at = None
            project.save(update_fields=["status", "archived_at", "updated_at"])
    return project
