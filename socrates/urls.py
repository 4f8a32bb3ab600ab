"""Root URLs: the admin and the versioned API (`/api/v1/`, `/api/v2/`)."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
