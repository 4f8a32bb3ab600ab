"""Routes of the phase-0 resources that are the same in v1 and v2 (same names, same views)."""

from django.urls import path

from socrates.api import converters  # noqa: F401 - registers <anyid:...>
from specs_app.api import projects_views as views

projects = [
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path(
        "projects/<anyid:project_id>/archive/",
        views.ProjectArchiveView.as_view(),
        name="project-archive",
    ),
    path(
        "projects/<anyid:project_id>/restore/",
        views.ProjectRestoreView.as_view(),
        name="project-restore",
    ),
]

resources = [
    path(
        "projects/<anyid:project_id>/sessions/",
        views.ProjectSessionListView.as_view(),
        name="project-sessions",
    ),
    path(
        "projects/<anyid:project_id>/questions/",
        views.ProjectQuestionListView.as_view(),
        name="project-questions",
    ),
    path(
        "projects/<anyid:project_id>/specifications/",
        views.ProjectSpecificationListView.as_view(),
        name="project-specifications",
    ),
    path(
        "projects/<anyid:project_id>/conflicts/",
        views.ProjectConflictListView.as_view(),
        name="project-conflicts",
    ),
    path("sessions/<anyid:session_id>/", views.SessionDetailView.as_view(), name="session-detail"),
    path(
        "sessions/<anyid:session_id>/pause/", views.SessionPauseView.as_view(), name="session-pause"
    ),
    path(
        "sessions/<anyid:session_id>/resume/",
        views.SessionResumeView.as_view(),
        name="session-resume",
    ),
    path("sessions/<anyid:session_id>/end/", views.SessionEndView.as_view(), name="session-end"),
    path(
        "sessions/<anyid:session_id>/history/",
        views.SessionHistoryView.as_view(),
        name="session-history",
    ),
    path(
        "questions/<anyid:question_id>/",
        views.QuestionDetailView.as_view(),
        name="question-detail",
    ),
    path(
        "specifications/<anyid:spec_id>/",
        views.SpecificationDetailView.as_view(),
        name="specification-detail",
    ),
    path(
        "specifications/<anyid:spec_id>/versions/",
        views.SpecificationVersionsView.as_view(),
        name="specification-versions",
    ),
    path(
        "conflicts/<anyid:conflict_id>/",
        views.ConflictDetailView.as_view(),
        name="conflict-detail",
    ),
    path(
        "conflicts/<anyid:conflict_id>/resolve/",
        views.ConflictResolveView.as_view(),
        name="conflict-resolve",
    ),
]
