"""What knowledge_app serves under /api/v2/ (phase 5: not in v1)."""

from django.urls import include, path

urlpatterns = [
    path("", include("knowledge_app.api.learning_urls")),
    path("", include("knowledge_app.api.documents_urls")),
]
