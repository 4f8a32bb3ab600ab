"""v2 endpoints for teams, members, invitations and project shares.

Views translate HTTP into calls of teams_app.services / selectors; every rule (who may do what,
the last owner, the invitation life cycle) lives in the services. A team the caller does not
belong to, and a project the caller cannot reach, answer 404 so their existence never leaks;
a malformed id in the path is a 400 naming it.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from socrates.api.pagination import cursor_pagination
from socrates.api.schema import ErrorSerializer
from socrates.api.views import ApiView
from specs_app import selectors as specs_selectors
from teams_app import selectors, services
from teams_app.api import teams_serializers as s


def _v2(serializer) -> dict:
    return {"v2": serializer}


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _team(request, team_id):
    """Return a team the caller belongs to (404 otherwise)."""
    return selectors.team_get_for_member(
        user=request.user, team_id=selectors.parse_id(team_id, "team_id")
    )


def _project(request, project_id, *, manage: bool = False):
    """Return a project the caller reaches (404 otherwise); with ``manage``, at admin (403)."""
    project, access = specs_selectors.project_get(user=request.user, project_id=project_id)
    if manage:
        specs_selectors.check_access(access, needed="admin", what="this project's shares")
    return project


GONE = OpenApiResponse(ErrorSerializer, description="The invitation expired or was revoked.")


# --- Teams ----------------------------------------------------------------------------------


class TeamListCreateView(ApiView):
    phase = 6  # teams
    serializer_classes = _v2(s.TeamSerializer)
    list_methods = ("GET",)
    created_methods = ("POST",)

    def get(self, request):
        """List the teams I belong to, with my role in each."""
        return self.paginated_response(selectors.team_list(user=request.user))

    @extend_schema(request=s.TeamCreateSerializer)
    def post(self, request):
        """Create a team; I become its owner."""
        team = services.team_create(user=request.user, **_valid(s.TeamCreateSerializer, request))
        team = selectors.team_get_for_member(user=request.user, team_id=team.pk)
        return Response(self.get_serializer(team).data, status=status.HTTP_201_CREATED)


class TeamDetailView(ApiView):
    phase = 6  # teams
    serializer_classes = _v2(s.TeamSerializer)

    def get(self, request, team_id):
        """Return a team I belong to."""
        return Response(self.get_serializer(_team(request, team_id)).data)

    @extend_schema(request=s.TeamUpdateSerializer)
    def patch(self, request, team_id):
        """Rename a team or change its description (owners)."""
        team = _team(request, team_id)
        services.team_update(
            actor=request.user, team=team, **_valid(s.TeamUpdateSerializer, request)
        )
        return Response(self.get_serializer(_team(request, team_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, team_id):
        """Delete a team with its members, invitations and project shares (owners)."""
        services.team_delete(actor=request.user, team=_team(request, team_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Members --------------------------------------------------------------------------------


class MemberListCreateView(ApiView):
    phase = 6  # teams
    serializer_classes = _v2(s.MemberSerializer)
    pagination_classes = {"v2": cursor_pagination("joined_at", "id")}
    list_methods = ("GET",)
    created_methods = ("POST",)
    conflict_methods = ("POST",)

    def get(self, request, team_id):
        """List a team's members, in the order they joined."""
        return self.paginated_response(selectors.member_list(team=_team(request, team_id)))

    @extend_schema(request=s.MemberAddSerializer)
    def post(self, request, team_id):
        """Add a user, by id or username, with a role (owners and leads)."""
        team = _team(request, team_id)
        data = _valid(s.MemberAddSerializer, request)
        user = selectors.user_find(user_id=data.get("user_id"), username=data.get("username"))
        member = services.member_add(actor=request.user, team=team, user=user, role=data["role"])
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)


class MemberDetailView(ApiView):
    phase = 6  # teams
    serializer_classes = _v2(s.MemberSerializer)
    conflict_methods = ("PATCH", "DELETE")

    @extend_schema(request=s.MemberRoleSerializer)
    def patch(self, request, team_id, user_id):
        """Change a member's role (owners; never the last owner's)."""
        member = services.member_change_role(
            actor=request.user,
            team=_team(request, team_id),
            user_id=selectors.parse_id(user_id, "user_id"),
            role=_valid(s.MemberRoleSerializer, request)["role"],
        )
        return Response(self.get_serializer(member).data)

    @extend_schema(responses={204: None})
    def delete(self, request, team_id, user_id):
        """Remove a member (owners; never the last owner)."""
        services.member_remove(
            actor=request.user,
            team=_team(request, team_id),
            user_id=selectors.parse_id(user_id, "user_id"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Invitations ----------------------------------------------------------------------------


class InvitationListCreateView(ApiView):
    phase = 6  # teams
    serializer_classes = _v2(s.InvitationSerializer)
    filter_serializer_class = s.InvitationFilterSerializer
    list_methods = ("GET",)
    created_methods = ("POST",)
    conflict_methods = ("POST",)

    def get(self, request, team_id):
        """List a team's invitations, newest first (owners and leads)."""
        team = _team(request, team_id)
        selectors.require_team_role(
            team=team, user=request.user, roles=selectors.MANAGING_ROLES, doing="see invitations"
        )
        filters = self.query_filters()
        return self.paginated_response(
            selectors.invitation_list(team=team, status=filters.get("status"))
        )

    @extend_schema(
        request=s.InvitationCreateSerializer, responses={201: s.InvitationCreatedSerializer}
    )
    def post(self, request, team_id):
        """Invite an email with a role (owners and leads); the token is shown only here."""
        team = _team(request, team_id)
        data = _valid(s.InvitationCreateSerializer, request)
        invitation, token = services.invitation_create(actor=request.user, team=team, **data)
        invitation.token = token  # the raw token, shown this once; only its hash is stored
        return Response(
            s.InvitationCreatedSerializer(invitation).data, status=status.HTTP_201_CREATED
        )


class InvitationRevokeView(ApiView):
    phase = 6  # teams
    serializer_classes = _v2(s.InvitationSerializer)
    conflict_methods = ("POST",)

    @extend_schema(request=None)
    def post(self, request, team_id, invitation_id):
        """Revoke a pending invitation (its inviter, owners and leads)."""
        team = _team(request, team_id)
        invitation = selectors.invitation_get(
            team=team, invitation_id=selectors.parse_id(invitation_id, "invitation_id")
        )
        invitation = services.invitation_revoke(
            actor=request.user, team=team, invitation=invitation
        )
        return Response(self.get_serializer(invitation).data)


class InvitationAcceptView(ApiView):
    phase = 6  # teams
    # The token is in the body, so the path does not say a 404 is possible.
    extra_error_codes = ("404",)
    serializer_classes = _v2(s.MemberSerializer)
    conflict_methods = ("POST",)

    @extend_schema(
        request=s.InvitationTokenSerializer, responses={200: s.MemberSerializer, 410: GONE}
    )
    def post(self, request):
        """Accept an invitation sent to my email: I join the team with its role."""
        token = _valid(s.InvitationTokenSerializer, request)["token"]
        member = services.invitation_accept(user=request.user, token=token)
        return Response(self.get_serializer(member).data)


class InvitationDeclineView(ApiView):
    phase = 6  # teams
    # The token is in the body, so the path does not say a 404 is possible.
    extra_error_codes = ("404",)
    serializer_classes = _v2(s.InvitationSerializer)
    conflict_methods = ("POST",)

    @extend_schema(
        request=s.InvitationTokenSerializer, responses={200: s.InvitationSerializer, 410: GONE}
    )
    def post(self, request):
        """Decline an invitation sent to my email."""
        token = _valid(s.InvitationTokenSerializer, request)["token"]
        invitation = services.invitation_decline(user=request.user, token=token)
        return Response(self.get_serializer(invitation).data)


# --- Project shares -------------------------------------------------------------------------


class ShareListCreateView(ApiView):
    phase = 6  # teams
    serializer_classes = _v2(s.ShareSerializer)
    list_methods = ("GET",)
    created_methods = ("POST",)
    conflict_methods = ("POST",)

    def get(self, request, project_id):
        """List a project's shares (its owner and admin-share holders)."""
        project = _project(request, project_id, manage=True)
        return self.paginated_response(selectors.share_list(project=project))

    @extend_schema(request=s.ShareCreateSerializer)
    def post(self, request, project_id):
        """Share a project with one of my teams (its owner, or an admin-share holder)."""
        # Access first: a caller who may not manage shares learns nothing from validation.
        project = _project(request, project_id, manage=True)
        data = _valid(s.ShareCreateSerializer, request)
        share = services.share_create(
            actor=request.user,
            project=project,
            team_id=data["team_id"],
            permission=data["permission_level"],
        )
        return Response(self.get_serializer(share).data, status=status.HTTP_201_CREATED)


class ShareDetailView(ApiView):
    phase = 6  # teams
    serializer_classes = _v2(s.ShareSerializer)

    def _share(self, request, project_id, share_id, *, manage: bool = False):
        project = _project(request, project_id, manage=manage)
        return selectors.share_get(
            project=project, share_id=selectors.parse_id(share_id, "share_id")
        )

    def get(self, request, project_id, share_id):
        """Return one share of a project (its owner and admin-share holders)."""
        return Response(
            self.get_serializer(self._share(request, project_id, share_id, manage=True)).data
        )

    @extend_schema(request=s.ShareUpdateSerializer)
    def patch(self, request, project_id, share_id):
        """Change a share's permission level (its owner, or an admin-share holder)."""
        share = services.share_update(
            actor=request.user,
            share=self._share(request, project_id, share_id, manage=True),
            permission=_valid(s.ShareUpdateSerializer, request)["permission_level"],
        )
        return Response(self.get_serializer(share).data)

    @extend_schema(responses={204: None})
    def delete(self, request, project_id, share_id):
        """Remove a share: the team loses access at once."""
        share = self._share(request, project_id, share_id, manage=True)
        services.share_delete(actor=request.user, share=share)
        return Response(status=status.HTTP_204_NO_CONTENT)
