"""`/api/v2/`: current names and every phase. Each app contributes its own `api/urls_v2.py`."""

from django.urls import include, path

urlpatterns = [
    path("", include("socrates.urls.docs")),
    path("", include("auth_app.api.urls_v2")),
    path("", include("specs_app.api.urls_v2")),
    path("", include("teams_app.api.urls_v2")),
    path("", include("knowledge_app.api.urls_v2")),
]
