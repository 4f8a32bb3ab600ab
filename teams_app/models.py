"""Phase 6: teams, members and invitations (socrates_auth); project shares (socrates_specs).

The router places ProjectShare in socrates_specs (see socrates/routers.py); its team_id and
shared_by are plain UUIDs because teams and users live in the other database.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from socrates.crossdb import CrossDatabaseUUIDField, OnTargetDelete


class TeamRole(models.TextChoices):
    OWNER = "owner"
    LEAD = "lead"
    DEVELOPER = "developer"
    VIEWER = "viewer"


class InvitationStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"


class SharePermission(models.TextChoices):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_teams",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "teams"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    Role = TeamRole

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=20, choices=TeamRole, default=TeamRole.DEVELOPER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "team_members"
        ordering = ["team", "joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_members_team_user_unique"),
            models.CheckConstraint(
                condition=Q(role__in=TeamRole.values), name="team_members_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user.username} in {self.team.name} as {self.role}"


class TeamInvitation(models.Model):
    Status = InvitationStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=20, choices=TeamRole, default=TeamRole.DEVELOPER)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sent_invitations",
    )
    status = models.CharField(
        max_length=20, choices=InvitationStatus, default=InvitationStatus.PENDING
    )
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "team_invitations"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r for r in TeamRole.values if r != TeamRole.OWNER]),
                name="team_invitations_role_not_owner",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values),
                name="team_invitations_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status"], name="team_invitations_team_idx"),
            models.Index(fields=["email", "status"], name="team_invitations_email_idx"),
        ]

    def __str__(self):
        return f"{self.email} to {self.team.name} ({self.status})"


class ProjectShare(models.Model):
    Permission = SharePermission

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        "specs_app.Project", on_delete=models.CASCADE, related_name="shares"
    )
    team_id = CrossDatabaseUUIDField(to="teams_app.Team", on_target_delete=OnTargetDelete.CASCADE)
    # A share belongs to the team: when its sharer goes, the project's owner becomes the sharer.
    shared_by = CrossDatabaseUUIDField(
        to=settings.AUTH_USER_MODEL, on_target_delete=OnTargetDelete.TO_PROJECT_OWNER
    )
    permission_level = models.CharField(
        max_length=20, choices=SharePermission, default=SharePermission.READ
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "project_shares"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "team_id"], name="project_shares_project_team_unique"
            ),
            models.CheckConstraint(
                condition=Q(permission_level__in=SharePermission.values),
                name="project_shares_permission_valid",
            ),
        ]
        indexes = [models.Index(fields=["team_id"], name="project_shares_team_idx")]

    def __str__(self):
        team = Team._base_manager.filter(pk=self.team_id).values_list("name", flat=True).first()
        return (
            f"{self.project.name} shared with {team or 'a deleted team'} ({self.permission_level})"
        )
