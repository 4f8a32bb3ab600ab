"""Invitations: create, accept, decline, revoke. Only a hash of the token is stored."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from auth_app.audit import AuditAction
from socrates.concurrency import retry_on_conflict
from socrates.db import AUTH_DB, SPECS_DB
from socrates.errors import Conflict, Gone, NotFound, PermissionDenied, ValidationFailed
from teams_app import selectors
from teams_app.models import (
    InvitationStatus,
    Team,
    TeamInvitation,
    TeamMember,
    TeamRole,
)
from teams_app.services.common import (
    INVITATION_LIFETIME,
    INVITATION_TOKEN_BYTES,
    audit,
    lock_team,
    validate_role,
)


def hash_invitation_token(token: str) -> str:
    """Return the stored form of an invitation token (sha256 hex, 64 characters).

    Only the hash is stored, so a leaked table does not leak usable invitations; the raw token
    is returned once, to the inviter, when the invitation is made.
    """
    return hashlib.sha256(token.encode()).hexdigest()


@retry_on_conflict(AUTH_DB, SPECS_DB)
def invitation_create(
    *, actor, team: Team, email: str, role: str = TeamRole.DEVELOPER
) -> tuple[TeamInvitation, str]:
    """Invite an email to the team (owners and leads); return the invitation and its token.

    The role can never be owner; an email that already belongs to a member, or that already has
    a pending invitation to the team, cannot be invited again.
    """
    email = (email or "").strip()
    if not email or "@" not in email:
        raise ValidationFailed(
            f"{email!r} is not an email address.", details={"email": ["not an email address"]}
        )
    if role == TeamRole.OWNER:
        raise ValidationFailed(
            "An invitation cannot make someone owner; invite them, then change their role.",
            details={"role": ["an invitation cannot make someone owner"]},
        )
    validate_role(role, allow_owner=False)
    token = secrets.token_urlsafe(INVITATION_TOKEN_BYTES)
    with transaction.atomic(using=AUTH_DB):
        lock_team(team)
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
        audit(
            actor=actor,
            action=AuditAction.INVITATION_CREATED,
            resource_type="team_invitation",
            resource_id=invitation.pk,
            details={"team_id": team.pk, "email": email, "role": role},
        )
    return invitation, token


def _invitation_for_response(*, user, token: str) -> TeamInvitation:
    """Lock the team, then the invitation the token names (the one lock order, see
    teams_app.services.common); return the invitation after checking it may be answered."""
    if not token:
        raise ValidationFailed("An invitation token is required.", details={"token": ["required"]})
    hashed = hash_invitation_token(token)
    team_id = TeamInvitation.objects.filter(token=hashed).values_list("team_id", flat=True).first()
    if team_id is None:
        raise NotFound("No invitation matches this token.")
    team = lock_team(Team(pk=team_id))
    invitation = TeamInvitation.objects.select_for_update(of=("self",)).filter(token=hashed).first()
    if invitation is None:
        raise NotFound("No invitation matches this token.")
    invitation.team = team
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


@retry_on_conflict(AUTH_DB, SPECS_DB)
def invitation_accept(*, user, token: str) -> TeamMember:
    """Accept an invitation: the signed-in user, whose email it was sent to, joins the team."""
    with transaction.atomic(using=AUTH_DB):
        invitation = _invitation_for_response(user=user, token=token)
        team = invitation.team
        if TeamMember.objects.filter(team=team, user=user).exists():
            raise Conflict(
                f"You are already a member of team {team.name!r}.", code="already_member"
            )
        member = TeamMember.objects.create(team=team, user=user, role=invitation.role)
        invitation.status = InvitationStatus.ACCEPTED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at"])
        audit(
            actor=user,
            action=AuditAction.INVITATION_ACCEPTED,
            resource_type="team_invitation",
            resource_id=invitation.pk,
            details={"team_id": team.pk, "email": invitation.email, "role": invitation.role},
        )
        audit(
            actor=user,
            action=AuditAction.TEAM_MEMBER_ADDED,
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


@retry_on_conflict(AUTH_DB, SPECS_DB)
def invitation_decline(*, user, token: str) -> TeamInvitation:
    """Decline an invitation sent to the signed-in user's email."""
    with transaction.atomic(using=AUTH_DB):
        invitation = _invitation_for_response(user=user, token=token)
        invitation.status = InvitationStatus.DECLINED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at"])
        audit(
            actor=user,
            action=AuditAction.INVITATION_DECLINED,
            resource_type="team_invitation",
            resource_id=invitation.pk,
            details={"team_id": invitation.team_id, "email": invitation.email},
        )
    return invitation


@retry_on_conflict(AUTH_DB, SPECS_DB)
def invitation_revoke(*, actor, team: Team, invitation: TeamInvitation) -> TeamInvitation:
    """Revoke a pending invitation (its inviter while a member, or any owner or lead)."""
    with transaction.atomic(using=AUTH_DB):
        lock_team(team)
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
        audit(
            actor=actor,
            action=AuditAction.INVITATION_REVOKED,
            resource_type="team_invitation",
            resource_id=invitation.pk,
            details={"team_id": team.pk, "email": invitation.email},
        )
    return invitation
