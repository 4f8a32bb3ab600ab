"""`/api/v1/`: the frozen phase-0 contract. Each app contributes its own URL module."""

from django.urls import include, path

urlpatterns = [
    path("", include("socrates.api.docs_urls")),
    path("", include("auth_app.api.urls")),
    path("", include("specs_app.api.urls_v1")),
]
