"""`/api/v2/`: current names and every phase. Each app contributes its own URL module."""

from django.urls import include, path

urlpatterns = [
    path("", include("socrates.api.docs_urls")),
]
