"""What auth_app serves under /api/v1/."""

from django.urls import include, path

urlpatterns = [path("", include("auth_app.api.auth_urls"))]
