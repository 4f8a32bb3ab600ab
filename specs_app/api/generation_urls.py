"""`/api/v2/` routes of phase 4: code generations and their files."""

from django.urls import path

from socrates.api import converters  # noqa: F401 - registers <anyid:...>
from specs_app.api import generation_views as views

PREFIX = "projects/<anyid:project_id>/generations/"

urlpatterns = [
    path(PREFIX, views.GenerationListCreateView.as_view(), name="generation-list"),
    path(f"{PREFIX}<int:version>/", views.GenerationDetailView.as_view(), name="generation-detail"),
    path(
        f"{PREFIX}<int:version>/download/",
        views.GenerationDownloadView.as_view(),
        name="generation-download",
    ),
    path(
        f"{PREFIX}<int:version>/files/",
        views.GenerationFileListView.as_view(),
        name="generation-file-list",
    ),
    path(
        f"{PREFIX}<int:version>/files/<path:path>",
        views.GenerationFileDetailView.as_view(),
        name="generation-file-detail",
    ),
]
