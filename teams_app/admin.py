"""Admin for phase 6: teams, members, invitations (socrates_auth) and project shares (specs).

ProjectShare lives in socrates_specs while teams and users live in socrates_auth, so a share's
team and sharer are plain ids: shown as links, checked on save (CrossDatabaseAdminMixin).
"""

import secrets

from django.contrib import admin
from django.db.models import Count

from socrates.crossdb_admin import (
    CrossDatabaseAdminMixin,
    ServiceDeleteMixin,
    team_link,
    user_link,
)
from socrates.phase_admin import PhaseAdminMixin

from . import services
from .models import ProjectShare, Team, TeamInvitation, TeamMember


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "role", "joined_at")


class TeamInvitationInline(admin.TabularInline):
    """Invitations of the team; new ones are added on the invitation page (it makes the token)."""

    model = TeamInvitation
    fk_name = "team"
    extra = 0
    show_change_link = True
    fields = ("email", "role", "status", "expires_at", "invited_by", "created_at")
    readonly_fields = ("invited_by", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(PhaseAdminMixin, ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "member_count", "created_by", "created_at", "updated_at")
    search_fields = ("name", "=id", "created_by__email")
    list_select_related = ("created_by",)
    raw_id_fields = ("created_by",)
    readonly_fields = ("id", "created_at", "updated_at")
    inlines = (TeamMemberInline, TeamInvitationInline)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def delete_with_service(self, request, obj):
        services.team_delete(actor=request.user, team=obj, enforce_role=False)


@admin.register(TeamMember)
class TeamMemberAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = ("team", "user", "role", "joined_at")
    list_filter = ("role",)
    search_fields = ("team__name", "user__email", "user__username")
    list_select_related = ("team", "user")
    raw_id_fields = ("team", "user")
    readonly_fields = ("id",)


@admin.register(TeamInvitation)
class TeamInvitationAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = ("email", "team", "role", "status", "expires_at", "invited_by", "created_at")
    list_filter = ("status", "role")
    search_fields = ("email", "team__name")
    list_select_related = ("team", "invited_by")
    raw_id_fields = ("team", "invited_by")
    # The token is the invitee's secret: never shown, made here when the admin adds one.
    exclude = ("token",)
    readonly_fields = ("id", "created_at")

    def save_model(self, request, obj, form, change):
        if not obj.token:
            obj.token = secrets.token_urlsafe(32)
        super().save_model(request, obj, form, change)


@admin.register(ProjectShare)
class ProjectShareAdmin(PhaseAdminMixin, CrossDatabaseAdminMixin, admin.ModelAdmin):
    list_display = ("project", "team", "permission_level", "sharer", "created_at")
    list_filter = ("permission_level",)
    search_fields = ("project__name", "=project__id", "=team_id", "=shared_by")
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    readonly_fields = ("id", "created_at", "updated_at")

    @admin.display(description="team", ordering="team_id")
    def team(self, obj):
        return team_link(obj.team_id)

    @admin.display(description="shared by", ordering="shared_by")
    def sharer(self, obj):
        return user_link(obj.shared_by)
