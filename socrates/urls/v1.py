"""`/api/v1/`: the frozen phase-0 contract. Each app contributes its own `api/urls_v1.py`."""

from django.urls import include, path

urlpatterns = [
    path("", include("socrates.urls.docs")),
    path("", include("auth_app.api.urls_v1")),
    path("", include("specs_app.api.urls_v1")),
]
