"""/api/v1/ phase-0 resources: the frozen contract (DELETE archives, answers stored here)."""

from django.urls import path

from specs_app.api import views
from specs_app.api.urls_common import projects, resources

urlpatterns = [
    *projects,
    path(
        "projects/<anyid:project_id>/",
        views.ProjectDetailV1View.as_view(),
        name="project-detail",
    ),
    *resources,
    path(
        "sessions/<anyid:session_id>/answer/",
        views.SessionAnswerView.as_view(),
        name="session-answer",
    ),
    path(
        "sessions/<anyid:session_id>/submit-answer/",
        views.SessionSubmitAnswerView.as_view(),
        name="session-submit-answer",
    ),
]
