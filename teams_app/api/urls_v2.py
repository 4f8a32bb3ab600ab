"""What teams_app serves under /api/v2/ (teams are a phase-6 resource: not in v1)."""

from django.urls import include, path

urlpatterns = [path("", include("teams_app.api.teams_urls"))]
