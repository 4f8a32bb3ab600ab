"""`/api/v2/` routes of the knowledge base: a project's documents and semantic search."""

from django.urls import path

from knowledge_app.api import documents_views as views
from socrates.api import converters  # noqa: F401 - registers <anyid:...>

urlpatterns = [
    path(
        "projects/<anyid:project_id>/knowledge/documents/",
        views.DocumentListView.as_view(),
        name="knowledge-documents",
    ),
    path(
        "projects/<anyid:project_id>/knowledge/documents/<anyid:document_id>/",
        views.DocumentDetailView.as_view(),
        name="knowledge-document-detail",
    ),
    path(
        "projects/<anyid:project_id>/knowledge/search/",
        views.DocumentSearchView.as_view(),
        name="knowledge-search",
    ),
]
