"""v2 serializers for teams, members, invitations and project shares (shape only, no rules)."""

from django.utils import timezone
from rest_framework import serializers

from socrates.api import serializers as api_serializers
from teams_app.models import (
    InvitationStatus,
    ProjectShare,
    SharePermission,
    Team,
    TeamInvitation,
    TeamMember,
    TeamRole,
)


class TeamSerializer(api_serializers.ModelSerializer):
    created_by = serializers.UUIDField(source="created_by_id", read_only=True, allow_null=True)
    my_role = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Team
        fields = ["id", "name", "description", "created_by", "my_role", "created_at", "updated_at"]
        read_only_fields = fields


class TeamCreateSerializer(api_serializers.Serializer):
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class TeamUpdateSerializer(api_serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class MemberSerializer(api_serializers.ModelSerializer):
    user_id = serializers.UUIDField(read_only=True)
    team_id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = TeamMember
        fields = ["team_id", "user_id", "username", "email", "role", "joined_at"]
        read_only_fields = fields


class MemberAddSerializer(api_serializers.Serializer):
    user_id = serializers.UUIDField(required=False)
    username = serializers.CharField(required=False, max_length=150)
    role = serializers.ChoiceField(choices=TeamRole.choices, default=TeamRole.DEVELOPER)

    def validate(self, attrs):
        if ("user_id" in attrs) == ("username" in attrs):
            raise serializers.ValidationError("Give exactly one of user_id or username.")
        return attrs


class MemberRoleSerializer(api_serializers.Serializer):
    role = serializers.ChoiceField(choices=TeamRole.choices)


class InvitationSerializer(api_serializers.ModelSerializer):
    team_id = serializers.UUIDField(read_only=True)
    invited_by = serializers.UUIDField(source="invited_by_id", read_only=True, allow_null=True)
    expired = serializers.SerializerMethodField(
        help_text="A pending invitation past expires_at can no longer be accepted (410)."
    )

    class Meta:
        model = TeamInvitation
        fields = [
            "id",
            "team_id",
            "email",
            "role",
            "status",
            "invited_by",
            "expires_at",
            "expired",
            "responded_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_expired(self, invitation) -> bool:
        return invitation.expires_at <= timezone.now()


class InvitationCreatedSerializer(InvitationSerializer):
    """The invitation as its creator sees it once: with the token to pass to the invitee."""

    token = serializers.CharField(read_only=True)

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "token"]
        read_only_fields = fields


# An invitation never makes an owner (the server refuses it): the schema offers the others only.
INVITABLE_ROLES = [(value, label) for value, label in TeamRole.choices if value != TeamRole.OWNER]


class InvitationCreateSerializer(api_serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=INVITABLE_ROLES, default=TeamRole.DEVELOPER)


class InvitationTokenSerializer(api_serializers.Serializer):
    token = serializers.CharField(max_length=200, trim_whitespace=True)


class ShareSerializer(api_serializers.ModelSerializer):
    project_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = ProjectShare
        fields = [
            "id",
            "project_id",
            "team_id",
            "shared_by",
            "permission_level",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ShareCreateSerializer(api_serializers.Serializer):
    team_id = serializers.UUIDField()
    permission_level = serializers.ChoiceField(
        choices=SharePermission.choices, default=SharePermission.READ
    )


class ShareUpdateSerializer(api_serializers.Serializer):
    permission_level = serializers.ChoiceField(choices=SharePermission.choices)


class InvitationFilterSerializer(api_serializers.Serializer):
    status = serializers.ChoiceField(choices=InvitationStatus.choices, required=False)
