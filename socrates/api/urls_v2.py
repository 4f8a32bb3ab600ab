"""`/api/v2/`: current names and every phase. Each app contributes its own URL module."""

from django.urls import include, path

urlpatterns = [
    path("", include("socrates.api.docs_urls")),
    path("", include("auth_app.api.urls")),
    path("", include("specs_app.api.urls_v2")),
    path("", include("specs_app.api.engine_urls")),
    path("", include("teams_app.api.urls_v2")),
    path("", include("knowledge_app.api.learning_urls_v2")),
    path("", include("knowledge_app.api.documents_urls_v2")),
    path("", include("specs_app.api.llm_urls")),
    path("", include("specs_app.api.generation_urls")),
]
