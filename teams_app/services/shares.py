"""Project shares (socrates_specs), each written with its audit row (socrates_auth)."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import IntegrityError, transaction

from auth_app.audit import AuditAction
from socrates.concurrency import retry_on_conflict
from socrates.db import AUTH_DB, SPECS_DB
from socrates.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from specs_app.access import access_to
from specs_app.models import Project
from teams_app import selectors
from teams_app.models import (
    ProjectShare,
    SharePermission,
)
from teams_app.services.common import (
    audit,
)


def _validate_permission(permission: str) -> str:
    if permission not in SharePermission.values:
        raise ValidationFailed(
            f"Permission must be one of {', '.join(SharePermission.values)}; got {permission!r}.",
            details={"permission_level": [f"must be one of {', '.join(SharePermission.values)}"]},
        )
    return permission


@contextmanager
def _share_and_audit():
    """Open a transaction on each database for a share write (specs) and its audit row (auth).

    An error in either write rolls both back. The share commits first and the audit row right
    after it; only a failure of that last commit itself could leave a share change unaudited.
    """
    with transaction.atomic(using=AUTH_DB), transaction.atomic(using=SPECS_DB):
        yield


def _require_share_manager(*, actor, project: Project) -> None:
    # A viewer's admin share counts as read in the policy, so viewers never re-share.
    access = access_to(actor, project)
    if access is None or not access.allows("admin"):
        raise PermissionDenied(
            "Only the project's owner or a holder of an admin share can manage its shares."
        )


@retry_on_conflict(AUTH_DB, SPECS_DB)
def share_create(*, actor, project: Project, team_id, permission: str) -> ProjectShare:
    """Share a project with a team (the project's owner, or an admin-share holder re-sharing).

    The sharer must belong to the team: a project is only ever handed to people its sharer
    works with.
    """
    _validate_permission(permission)
    _require_share_manager(actor=actor, project=project)
    team = selectors.team_get(team_id=team_id)
    if selectors.member_role(team=team, user=actor) is None:
        raise PermissionDenied("You can only share a project with a team you belong to.")
    with _share_and_audit():
        try:
            with transaction.atomic(using=SPECS_DB):
                share = ProjectShare.objects.create(
                    project=project,
                    team_id=team.pk,
                    shared_by=actor.pk,
                    permission_level=permission,
                )
        except IntegrityError:
            raise Conflict(
                f"Project {project.name!r} is already shared with team {team.name!r}; change "
                "that share's permission instead.",
                code="already_shared",
            ) from None
        audit(
            actor=actor,
            action=AuditAction.SHARE_CREATED,
            resource_type="project_share",
            resource_id=share.pk,
            details={"project_id": project.pk, "team_id": team.pk, "permission_level": permission},
        )
    return share


@retry_on_conflict(AUTH_DB, SPECS_DB)
def share_update(*, actor, share: ProjectShare, permission: str) -> ProjectShare:
    """Change a share's permission (the project's owner or an admin-share holder)."""
    _validate_permission(permission)
    _require_share_manager(actor=actor, project=share.project)
    with _share_and_audit():
        # Only the share row is locked (of=self): the project row is never part of a share's
        # lock order. Deleted meanwhile by a concurrent request: a 404, not a crash.
        locked = (
            ProjectShare.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=share.pk)
            .first()
        )
        if locked is None:
            raise NotFound(f"Share {share.pk} not found.")
        share = locked
        old = share.permission_level
        if old == permission:
            return share
        share.permission_level = permission
        share.save(update_fields=["permission_level", "updated_at"])
        audit(
            actor=actor,
            action=AuditAction.SHARE_UPDATED,
            resource_type="project_share",
            resource_id=share.pk,
            details={
                "project_id": share.project_id,
                "team_id": share.team_id,
                "from": old,
                "to": permission,
            },
        )
    return share


@retry_on_conflict(AUTH_DB, SPECS_DB)
def share_delete(*, actor, share: ProjectShare) -> None:
    """Remove a share; the team loses access to the project at once."""
    _require_share_manager(actor=actor, project=share.project)
    with _share_and_audit():
        deleted, _ = ProjectShare.objects.filter(pk=share.pk).delete()
        if not deleted:
            raise NotFound(f"Share {share.pk} not found.")
        audit(
            actor=actor,
            action=AuditAction.SHARE_DELETED,
            resource_type="project_share",
            resource_id=share.pk,
            details={
                "project_id": share.project_id,
                "team_id": share.team_id,
                "permission_level": share.permission_level,
            },
        )
