"""What specs_app serves under /api/v1/: the frozen phase-0 contract (DELETE archives, answers
stored here)."""

from django.urls import path

from specs_app.api import projects_views, questions_views, sessions_views
from specs_app.api.projects_urls import projects, resources

urlpatterns = [
    *projects,
    path(
        "projects/<anyid:project_id>/",
        projects_views.ProjectDetailV1View.as_view(),
        name="project-detail",
    ),
    *resources,
    path(
        "sessions/<anyid:session_id>/questions/",
        questions_views.SessionQuestionListV1View.as_view(),
        name="session-questions",
    ),
    path(
        "sessions/<anyid:session_id>/answer/",
        sessions_views.SessionAnswerView.as_view(),
        name="session-answer",
    ),
    path(
        "sessions/<anyid:session_id>/submit-answer/",
        sessions_views.SessionSubmitAnswerView.as_view(),
        name="session-submit-answer",
    ),
]
