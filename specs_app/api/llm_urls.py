"""`/api/v2/` routes of phase 3: LLM keys, provider choices, the registry and usage."""

from django.urls import path

from socrates.api import converters  # noqa: F401 - registers <anyid:...>
from specs_app.api import llm_views as views

urlpatterns = [
    path("llm/providers/", views.ProviderListView.as_view(), name="llm-provider-list"),
    path("llm/api-keys/", views.ApiKeyListCreateView.as_view(), name="llm-api-key-list"),
    path(
        "llm/api-keys/<str:provider>/",
        views.ApiKeyDetailView.as_view(),
        name="llm-api-key-detail",
    ),
    path(
        "llm/api-keys/<str:provider>/verify/",
        views.ApiKeyVerifyView.as_view(),
        name="llm-api-key-verify",
    ),
    path("llm/usage/", views.UsageView.as_view(), name="llm-usage"),
    path("me/llm/", views.MeLlmView.as_view(), name="me-llm"),
    path("projects/<anyid:project_id>/llm/", views.ProjectLlmView.as_view(), name="project-llm"),
]
