"""`/api/v2/` routes of phase 6: teams, members, invitations and project shares."""

from django.urls import path

from socrates.api import converters  # noqa: F401 - registers <anyid:...>
from teams_app.api import teams_views as views

urlpatterns = [
    path("teams/", views.TeamListCreateView.as_view(), name="team-list"),
    path("teams/<anyid:team_id>/", views.TeamDetailView.as_view(), name="team-detail"),
    path(
        "teams/<anyid:team_id>/members/",
        views.MemberListCreateView.as_view(),
        name="team-member-list",
    ),
    path(
        "teams/<anyid:team_id>/members/<anyid:user_id>/",
        views.MemberDetailView.as_view(),
        name="team-member-detail",
    ),
    path(
        "teams/<anyid:team_id>/invitations/",
        views.InvitationListCreateView.as_view(),
        name="team-invitation-list",
    ),
    path(
        "teams/<anyid:team_id>/invitations/<anyid:invitation_id>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="team-invitation-revoke",
    ),
    path("invitations/accept/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("invitations/decline/", views.InvitationDeclineView.as_view(), name="invitation-decline"),
    path(
        "projects/<anyid:project_id>/shares/",
        views.ShareListCreateView.as_view(),
        name="project-share-list",
    ),
    path(
        "projects/<anyid:project_id>/shares/<anyid:share_id>/",
        views.ShareDetailView.as_view(),
        name="project-share-detail",
    ),
]
