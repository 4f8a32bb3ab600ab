"""Routes of the phase-0 resources that are the same in v1 and v2 (same names, same views):
projects, sessions, questions, specifications, conflicts."""

from django.urls import path

from socrates.api import converters  # noqa: F401 - registers <anyid:...>
from specs_app.api import (
    conflicts_views,
    projects_views,
    questions_views,
    sessions_views,
    specifications_views,
)

projects = [
    path("projects/", projects_views.ProjectListView.as_view(), name="project-list"),
    path(
        "projects/<anyid:project_id>/archive/",
        projects_views.ProjectArchiveView.as_view(),
        name="project-archive",
    ),
    path(
        "projects/<anyid:project_id>/restore/",
        projects_views.ProjectRestoreView.as_view(),
        name="project-restore",
    ),
]

resources = [
    path(
        "projects/<anyid:project_id>/sessions/",
        sessions_views.ProjectSessionListView.as_view(),
        name="project-sessions",
    ),
    path(
        "projects/<anyid:project_id>/questions/",
        questions_views.ProjectQuestionListView.as_view(),
        name="project-questions",
    ),
    path(
        "projects/<anyid:project_id>/specifications/",
        specifications_views.ProjectSpecificationListView.as_view(),
        name="project-specifications",
    ),
    path(
        "projects/<anyid:project_id>/conflicts/",
        conflicts_views.ProjectConflictListView.as_view(),
        name="project-conflicts",
    ),
    path(
        "sessions/<anyid:session_id>/",
        sessions_views.SessionDetailView.as_view(),
        name="session-detail",
    ),
    path(
        "sessions/<anyid:session_id>/pause/",
        sessions_views.SessionPauseView.as_view(),
        name="session-pause",
    ),
    path(
        "sessions/<anyid:session_id>/resume/",
        sessions_views.SessionResumeView.as_view(),
        name="session-resume",
    ),
    path(
        "sessions/<anyid:session_id>/end/",
        sessions_views.SessionEndView.as_view(),
        name="session-end",
    ),
    path(
        "sessions/<anyid:session_id>/history/",
        sessions_views.SessionHistoryView.as_view(),
        name="session-history",
    ),
    path(
        "questions/<anyid:question_id>/",
        questions_views.QuestionDetailView.as_view(),
        name="question-detail",
    ),
    path(
        "specifications/<anyid:spec_id>/",
        specifications_views.SpecificationDetailView.as_view(),
        name="specification-detail",
    ),
    path(
        "specifications/<anyid:spec_id>/versions/",
        specifications_views.SpecificationVersionsView.as_view(),
        name="specification-versions",
    ),
    path(
        "conflicts/<anyid:conflict_id>/",
        conflicts_views.ConflictDetailView.as_view(),
        name="conflict-detail",
    ),
    path(
        "conflicts/<anyid:conflict_id>/resolve/",
        conflicts_views.ConflictResolveView.as_view(),
        name="conflict-resolve",
    ),
]
