"""What specs_app serves under /api/v2/: the phase-0 resources under their current names
(archiving is POST .../archive/, no DELETE), the engine, LLM choices and code generation."""

from django.urls import include, path

from specs_app.api import projects_views, questions_views
from specs_app.api.projects_urls import projects, resources

urlpatterns = [
    *projects,
    path(
        "projects/<anyid:project_id>/",
        projects_views.ProjectDetailView.as_view(),
        name="project-detail",
    ),
    *resources,
    path(
        "sessions/<anyid:session_id>/questions/",
        questions_views.SessionQuestionListView.as_view(),
        name="session-questions",
    ),
    path("", include("specs_app.api.engine_urls")),
    path("", include("specs_app.api.llm_urls")),
    path("", include("specs_app.api.generation_urls")),
]
