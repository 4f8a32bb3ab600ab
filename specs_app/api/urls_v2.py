"""/api/v2/ phase-0 resources: current names; archiving is POST .../archive/ (no DELETE)."""

from django.urls import path

from specs_app.api import views
from specs_app.api.urls_common import projects, resources

urlpatterns = [
    *projects,
    path(
        "projects/<anyid:project_id>/",
        views.ProjectDetailView.as_view(),
        name="project-detail",
    ),
    *resources,
]
