"""/api/v2/ routes of the Socratic engine, quality control, rules and compatibility tests."""

from django.urls import path

from socrates.api import converters  # noqa: F401 - registers <anyid:...>
from specs_app.api import engine_views as views

urlpatterns = [
    path(
        "sessions/<anyid:session_id>/next-question/",
        views.NextQuestionView.as_view(),
        name="session-next-question",
    ),
    path(
        "sessions/<anyid:session_id>/answers/",
        views.AnswerView.as_view(),
        name="session-answers",
    ),
    path("me/rules/", views.MyRulesView.as_view(), name="my-rules"),
    path(
        "projects/<anyid:project_id>/readiness/",
        views.ReadinessView.as_view(),
        name="project-readiness",
    ),
    path(
        "projects/<anyid:project_id>/advance-phase/",
        views.AdvancePhaseView.as_view(),
        name="project-advance-phase",
    ),
    path(
        "projects/<anyid:project_id>/compatibility-tests/",
        views.CompatibilityTestView.as_view(),
        name="project-compatibility-tests",
    ),
    path(
        "projects/<anyid:project_id>/test-results/",
        views.TestResultListView.as_view(),
        name="project-test-results",
    ),
    path(
        "projects/<anyid:project_id>/test-results/<anyid:result_id>/",
        views.TestResultDetailView.as_view(),
        name="project-test-result-detail",
    ),
]
