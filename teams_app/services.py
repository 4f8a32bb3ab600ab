"""Writes for teams, members, invitations and project shares, and cross-database deletes.

Teams, members, invitations and the audit log live in socrates_auth (`default`); project shares
live in socrates_specs (`specs`). Every membership change, invitation event and share change is
written to audit_logs.

Cross-database deletes cannot be atomic across both databases, so they are ordered so that a
crash between the two steps never leaves access behind (shares go first, in `specs`), and they
are safe to run again: a second run finishes what the first one left.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from auth_app.services import audit_log
from knowledge_app.models import KnowledgeBaseDocument, QuestionEffectiveness, UserBehaviorPattern
from socrates.errors import Conflict, Gone, NotFound, PermissionDenied, ValidationFailed
from specs_app import models as specs_models
from specs_app.models import Project
from teams_app import selectors
from teams_app.models import (
    InvitationStatus,
    ProjectShare,
    SharePermission,
    Team,
    TeamInvitation,
    TeamMember,
    TeamRole,
)

AUTH_DB = "default"
SPECS_DB = "specs"

INVITATION_LIFETIME = timedelta(days=7)
# 32 random bytes: 256 bits, URL-safe (43 characters).
INVITATION_TOKEN_BYTES = 32


def _audit(
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


def _validate_role(role: str, *, allow_owner: bool = True) -> str:
    allowed = [r for r in TeamRole.values if allow_owner or r != TeamRole.OWNER]
    if role not in allowed:
        raise ValidationFailed(
            f"Role must be one of {', '.join(allowed)}; got {role!r}.", details={"role": role}
        )
    return role


def _lock_team(team: Team) -> Team:
    """Lock the team row so membership changes of one team run one at a time."""
    locked = Team.objects.select_for_update().filter(pk=team.pk).first()
    if locked is None:
        raise NotFound(f"Team {team.pk} not found.")
    return locked


# --- Teams ----------------------------------------------------------------------------------


def team_create(*, user, name: str, description: str = "") -> Team:
    """Create a team whose creator becomes its owner."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("A team needs a name.", details={"name": name})
    with transaction.atomic(using=AUTH_DB):
        team = Team.objects.create(name=name, description=description or "", created_by=user)
        TeamMember.objects.create(team=team, user=user, role=TeamRole.OWNER)
        _audit(
            actor=user,
            action="team.created",
            resource_type="team",
            resource_id=team.pk,
            details={"name": name},
        )
        _audit(
            actor=user,
            action="team.member_added",
            resource_type="team_member",
            resource_id=team.pk,
            details={"team_id": team.pk, "user_id": user.pk, "role": TeamRole.OWNER},
        )
    return team


def team_update(
    *, actor, team: Team, name: str | None = None, description: str | None = None
) -> Team:
    """Rename a team or change its description (owners only)."""
    changes: dict = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationFailed("A team needs a name.", details={"name": name})
        changes["name"] = name
    if description is not None:
        changes["description"] = description
    with transaction.atomic(using=AUTH_DB):
        _lock_team(team)
        selectors.require_team_role(
            team=team, user=actor, roles={TeamRole.OWNER}, doing="change the team"
        )
        if not changes:
            return team
        for field, value in changes.items():
            setattr(team, field, value)
        team.save(update_fields=[*changes, "updated_at"])
        _audit(
            actor=actor,
            action="team.updated",
            resource_type="team",
            resource_id=team.pk,
            details=changes,
        )
    return team


def team_purge_shares(*, team_ids) -> int:
    """Delete every project share of the given teams (socrates_specs); return the count."""
    with transaction.atomic(using=SPECS_DB):
        deleted, _ = ProjectShare.objects.filter(team_id__in=list(team_ids)).delete()
    return deleted


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
        _lock_team(team)
        if enforce_role:
            selectors.require_team_role(
                team=team, user=actor, roles={TeamRole.OWNER}, doing="delete the team"
            )
        members = list(TeamMember.objects.filter(team_id=team_id).values_list("user_id", "role"))
        for share in shares:
            _audit(
                actor=actor,
                action="project.share_deleted",
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
            _audit(
                actor=actor,
                action="team.member_removed",
                resource_type="team_member",
                resource_id=team_id,
                details={
                    "team_id": team_id,
                    "user_id": user_id,
                    "role": role,
                    "reason": "team_deleted",
                },
            )
        Team.objects.filter(pk=team_id).delete()
        _audit(
            actor=actor,
            action="team.deleted",
            resource_type="team",
            resource_id=team_id,
            details={"name": team.name, "members": len(members), "shares": len(shares)},
        )
    # A share created while the team was being deleted would point at no team: sweep again.
    team_purge_shares(team_ids=[team_id])


# --- Members --------------------------------------------------------------------------------


def member_add(*, actor, team: Team, user, role: str = TeamRole.DEVELOPER) -> TeamMember:
    """Add a user to the team (owners and leads; only owners may add another owner)."""
    _validate_role(role)
    with transaction.atomic(using=AUTH_DB):
        _lock_team(team)
        actor_role = selectors.require_team_role(
            team=team, user=actor, roles=selectors.MANAGING_ROLES, doing="add members"
        )
        if role == TeamRole.OWNER and actor_role != TeamRole.OWNER:
            raise PermissionDenied("Only a team owner can add another owner.")
        if TeamMember.objects.filter(team=team, user=user).exists():
            raise Conflict(
                f"{user.username} is already a member of team {team.name!r}.",
                details={"user_id": str(user.pk)},
            )
        member = TeamMember.objects.create(team=team, user=user, role=role)
        _audit(
            actor=actor,
            action="team.member_added",
            resource_type="team_member",
            resource_id=team.pk,
            details={"team_id": team.pk, "user_id": user.pk, "role": role},
        )
    return member


def member_change_role(*, actor, team: Team, user_id, role: str) -> TeamMember:
    """Change a member's role (owners only); the last owner can never be demoted."""
    _validate_role(role)
    with transaction.atomic(using=AUTH_DB):
        _lock_team(team)
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
        _audit(
            actor=actor,
            action="team.member_role_changed",
            resource_type="team_member",
            resource_id=team.pk,
            details={"team_id": team.pk, "user_id": member.user_id, "from": old_role, "to": role},
        )
    return member


def member_remove(*, actor, team: Team, user_id) -> None:
    """Remove a member (owners only); the last owner can never be removed."""
    with transaction.atomic(using=AUTH_DB):
        _lock_team(team)
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
        _audit(
            actor=actor,
            action="team.member_removed",
            resource_type="team_member",
            resource_id=team.pk,
            details={"team_id": team.pk, "user_id": member.user_id, "role": member.role},
        )


# --- Invitations ----------------------------------------------------------------------------


def hash_invitation_token(token: str) -> str:
    """Return the stored form of an invitation token (sha256 hex, 64 characters).

    Only the hash is stored, so a leaked table does not leak usable invitations; the raw token
    is returned once, to the inviter, when the invitation is made.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, actor, team: Team, email: str, role: str = TeamRole.DEVELOPER
) -> tuple[TeamInvitation, str]:
    """Invite an email to the team (owners and leads); return the invitation and its token.

    The role can never be owner; an email that already belongs to a member, or that already has
    a pending invitation to the team, cannot be invited again.
    """
    email = (email or "").strip()
    if not email or "@" not in email:
        raise ValidationFailed(f"{email!r} is not an email address.", details={"email": email})
    if role == TeamRole.OWNER:
        raise ValidationFailed(
            "An invitation cannot make someone owner; invite them, then change their role.",
            details={"role": role},
        )
    _validate_role(role, allow_owner=False)
    token = secrets.token_urlsafe(INVITATION_TOKEN_BYTES)
    with transaction.atomic(using=AUTH_DB):
        _lock_team(team)
        selectors.require_team_role(
            team=team, user=actor, roles=selectors.MANAGING_ROLES, doing="invite people"
        )
        if TeamMember.objects.filter(team=team, user__email__iexact=email).exists():
            raise Conflict(
                f"{email} is already a member of team {team.name!r}.", code="already_member"
            )
        if selectors.pending_invitation_exists(team=team, email=email):
            raise Conflict(
                f"{email} already has a pending invitation to team {team.name!r}; revoke it "
                "first to send a new one.",
                code="already_invited",
            )
        invitation = TeamInvitation.objects.create(
            team=team,
            email=email,
            role=role,
            token=hash_invitation_token(token),
            invited_by=actor,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        _audit(
            actor=actor,
            action="team.invitation_created",
            resource_type="team_invitation",
            resource_id=invitation.pk,
            details={"team_id": team.pk, "email": email, "role": role},
        )
    return invitation, token


def _invitation_for_response(*, user, token: str) -> TeamInvitation:
    """Lock and return the pending invitation the token names, checking it may be answered."""
    if not token:
        raise ValidationFailed("An invitation token is required.", details={"token": ""})
    invitation = (
        TeamInvitation.objects.select_for_update()
        .select_related("team")
        .filter(token=hash_invitation_token(token))
        .first()
    )
    if invitation is None:
        raise NotFound("No invitation matches this token.")
    if invitation.email.lower() != (user.email or "").lower():
        raise PermissionDenied(
            "This invitation was sent to another email address; sign in with that account "
            "to answer it.",
            code="wrong_account",
        )
    if invitation.status == InvitationStatus.REVOKED:
        raise Gone("This invitation has been revoked.", code="invitation_revoked")
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(
            f"This invitation has already been {invitation.status}.",
            code=f"invitation_{invitation.status}",
        )
    if invitation.expires_at <= timezone.now():
        raise Gone(
            f"This invitation expired on {invitation.expires_at.isoformat()}; ask for a new one.",
            code="invitation_expired",
        )
    return invitation


def invitation_accept(*, user, token: str) -> TeamMember:
    """Accept an invitation: the signed-in user, whose email it was sent to, joins the team."""
    with transaction.atomic(using=AUTH_DB):
        invitation = _invitation_for_response(user=user, token=token)
        team = _lock_team(invitation.team)
        if TeamMember.objects.filter(team=team, user=user).exists():
            raise Conflict(
                f"You are already a member of team {team.name!r}.", code="already_member"
            )
        member = TeamMember.objects.create(team=team, user=user, role=invitation.role)
        invitation.status = InvitationStatus.ACCEPTED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at"])
        _audit(
            actor=user,
            action="team.invitation_accepted",
            resource_type="team_invitation",
            resource_id=invitation.pk,
            details={"team_id": team.pk, "email": invitation.email, "role": invitation.role},
        )
        _audit(
            actor=user,
            action="team.member_added",
            resource_type="team_member",
            resource_id=team.pk,
            details={
                "team_id": team.pk,
                "user_id": user.pk,
                "role": invitation.role,
                "invitation_id": invitation.pk,
            },
        )
    return member


def invitation_decline(*, user, token: str) -> TeamInvitation:
    """Decline an invitation sent to the signed-in user's email."""
    with transaction.atomic(using=AUTH_DB):
        invitation = _invitation_for_response(user=user, token=token)
        invitation.status = InvitationStatus.DECLINED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at"])
        _audit(
            actor=user,
            action="team.invitation_declined",
            resource_type="team_invitation",
            resource_id=invitation.pk,
            details={"team_id": invitation.team_id, "email": invitation.email},
        )
    return invitation


def invitation_revoke(*, actor, team: Team, invitation: TeamInvitation) -> TeamInvitation:
    """Revoke a pending invitation (its inviter while a member, or any owner or lead)."""
    with transaction.atomic(using=AUTH_DB):
        _lock_team(team)
        role = selectors.member_role(team=team, user=actor)
        if role is None:
            raise NotFound(f"Team {team.pk} not found.")
        if invitation.invited_by_id != actor.pk and role not in selectors.MANAGING_ROLES:
            raise PermissionDenied(
                "Only the inviter or a team owner or lead can revoke an invitation."
            )
        invitation = TeamInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != InvitationStatus.PENDING:
            raise Conflict(
                f"Only a pending invitation can be revoked; this one is {invitation.status}.",
                code=f"invitation_{invitation.status}",
            )
        invitation.status = InvitationStatus.REVOKED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at"])
        _audit(
            actor=actor,
            action="team.invitation_revoked",
            resource_type="team_invitation",
            resource_id=invitation.pk,
            details={"team_id": team.pk, "email": invitation.email},
        )
    return invitation


# --- Project shares -------------------------------------------------------------------------


def _validate_permission(permission: str) -> str:
    if permission not in SharePermission.values:
        raise ValidationFailed(
            f"Permission must be one of {', '.join(SharePermission.values)}; got {permission!r}.",
            details={"permission_level": permission},
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
    if not selectors.can_manage_shares(user=actor, project=project):
        raise PermissionDenied(
            "Only the project's owner or a holder of an admin share can manage its shares."
        )


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
        _audit(
            actor=actor,
            action="project.share_created",
            resource_type="project_share",
            resource_id=share.pk,
            details={"project_id": project.pk, "team_id": team.pk, "permission_level": permission},
        )
    return share


def share_update(*, actor, share: ProjectShare, permission: str) -> ProjectShare:
    """Change a share's permission (the project's owner or an admin-share holder)."""
    _validate_permission(permission)
    _require_share_manager(actor=actor, project=share.project)
    with _share_and_audit():
        share = ProjectShare.objects.select_for_update().select_related("project").get(pk=share.pk)
        old = share.permission_level
        if old == permission:
            return share
        share.permission_level = permission
        share.save(update_fields=["permission_level", "updated_at"])
        _audit(
            actor=actor,
            action="project.share_updated",
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


def share_delete(*, actor, share: ProjectShare) -> None:
    """Remove a share; the team loses access to the project at once."""
    _require_share_manager(actor=actor, project=share.project)
    with _share_and_audit():
        deleted, _ = ProjectShare.objects.filter(pk=share.pk).delete()
        if not deleted:
            raise NotFound(f"Share {share.pk} not found.")
        _audit(
            actor=actor,
            action="project.share_deleted",
            resource_type="project_share",
            resource_id=share.pk,
            details={
                "project_id": share.project_id,
                "team_id": share.team_id,
                "permission_level": share.permission_level,
            },
        )


# --- Deleting a user ------------------------------------------------------------------------


def _sweep_user_from_specs(*, user_id: uuid.UUID, team_ids: list) -> dict:
    """Remove or reassign what socrates_specs holds for a user; safe to run again."""
    owner_of_project = Subquery(
        Project.objects.filter(pk=OuterRef("project_id")).values("owner_id")[:1]
    )
    with transaction.atomic(using=SPECS_DB):
        shares_deleted, _ = ProjectShare.objects.filter(team_id__in=list(team_ids)).delete()
        # Other shares the user made stay (the access belongs to the team): the project's
        # owner becomes their sharer, as if they had made them.
        shares_reassigned = ProjectShare.objects.filter(shared_by=user_id).update(
            shared_by=owner_of_project
        )
        # What the user did inside other people's projects belongs to those projects.
        creators = Project.objects.filter(creator_id=user_id).update(creator_id=F("owner_id"))
        documents = KnowledgeBaseDocument.objects.filter(user_id=user_id).update(
            user_id=owner_of_project
        )
        resolutions = specs_models.Conflict.objects.filter(resolved_by_user=user_id).update(
            resolved_by_user=None
        )
        # The user's own records go with them.
        usage, _ = specs_models.LlmUsage.objects.filter(user_id=user_id).delete()
        effectiveness, _ = QuestionEffectiveness.objects.filter(user_id=user_id).delete()
        patterns, _ = UserBehaviorPattern.objects.filter(user_id=user_id).delete()
    return {
        "shares_reassigned": shares_reassigned,
        "shares_deleted": shares_deleted,
        "projects_creator_reassigned": creators,
        "documents_reassigned": documents,
        "conflict_resolutions_cleared": resolutions,
        "llm_usage_deleted": usage,
        "question_effectiveness_deleted": effectiveness,
        "behavior_patterns_deleted": patterns,
    }


def share_purge_orphans() -> int:
    """Delete shares whose team no longer exists (left by an interrupted delete); return count."""
    team_ids = set(ProjectShare.objects.values_list("team_id", flat=True).distinct())
    if not team_ids:
        return 0
    existing = set(Team.objects.filter(pk__in=team_ids).values_list("pk", flat=True))
    missing = team_ids - existing
    return team_purge_shares(team_ids=missing) if missing else 0


def user_delete(*, user_id, actor=None) -> dict:
    """Delete a user and everything that would dangle without them, across both databases.

    Refused (Conflict) while the user owns projects (a project is its owner's work: transfer
    or delete it first) or is the last owner of a team that has other members (promote
    someone first). Teams where the user is the only member are deleted with their shares.
    In socrates_specs, what the user did in other people's projects stays with the project:
    shares they made and documents they uploaded pass to the project's owner, projects they
    created take their owner as creator, conflicts they resolved keep the resolution without
    the resolver. Their own records go: LLM usage, question effectiveness, behaviour patterns.
    In socrates_auth, memberships, rules and API keys cascade; audit rows keep their history
    with the user set to null.

    Order: the user is deactivated (no new work can start), socrates_specs is swept, the user
    is deleted in socrates_auth, socrates_specs is swept again for anything made in between.
    A crash part-way leaves no dangling access; calling this again with the same id (even
    once the user is gone) finishes the job.
    """
    user_id = uuid.UUID(str(user_id))
    user_model = get_user_model()
    user = user_model.objects.filter(pk=user_id).first()
    solo_team_ids: list = []
    if user is not None:
        _refuse_if_owns_projects(user)
        for team_id, role in selectors.memberships_of(user_id=user_id).items():
            if role != TeamRole.OWNER:
                continue
            others = TeamMember.objects.filter(team_id=team_id).exclude(user_id=user_id)
            if not others.exists():
                solo_team_ids.append(team_id)
            elif not others.filter(role=TeamRole.OWNER).exists():
                raise Conflict(
                    f"{user.username} is the last owner of a team with other members; make "
                    "another member owner or delete the team first.",
                    code="last_owner",
                    details={"team_id": str(team_id)},
                )
        user_model.objects.filter(pk=user_id).update(is_active=False)
    summary = _sweep_user_from_specs(user_id=user_id, team_ids=solo_team_ids)
    if user is not None:
        # A project made while the checks ran would be left without an owner.
        _refuse_if_owns_projects(user)
        with transaction.atomic(using=AUTH_DB):
            memberships = list(
                TeamMember.objects.filter(user_id=user_id)
                .exclude(team_id__in=solo_team_ids)
                .values_list("team_id", "role")
            )
            Team.objects.filter(pk__in=solo_team_ids).delete()
            user_model.objects.filter(pk=user_id).delete()
            auditor = actor if getattr(actor, "pk", None) not in (None, user_id) else None
            for team_id, role in memberships:
                _audit(
                    actor=auditor,
                    action="team.member_removed",
                    resource_type="team_member",
                    resource_id=team_id,
                    details={
                        "team_id": team_id,
                        "user_id": user_id,
                        "role": role,
                        "reason": "user_deleted",
                    },
                )
            for team_id in solo_team_ids:
                _audit(
                    actor=auditor,
                    action="team.deleted",
                    resource_type="team",
                    resource_id=team_id,
                    details={"reason": "user_deleted", "user_id": user_id},
                )
            _audit(
                actor=auditor,
                action="user.deleted",
                resource_type="user",
                resource_id=user_id,
                details={"username": user.username, "teams_deleted": len(solo_team_ids)},
            )
    again = _sweep_user_from_specs(user_id=user_id, team_ids=solo_team_ids)
    orphans = share_purge_orphans()
    totals = {key: summary[key] + again[key] for key in summary}
    totals["shares_deleted"] += orphans
    return totals | {"user_deleted": user is not None, "teams_deleted": len(solo_team_ids)}


def _refuse_if_owns_projects(user) -> None:
    owned = Project.objects.filter(owner_id=user.pk).count()
    if owned:
        raise Conflict(
            f"{user.username} owns {owned} project(s); transfer or delete them before "
            "deleting the user.",
            code="user_owns_projects",
            details={"projects": owned},
        )
