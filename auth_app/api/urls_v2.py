"""What auth_app serves under /api/v2/."""

from django.urls import include, path

urlpatterns = [path("", include("auth_app.api.auth_urls"))]
