"""Root URLs: the admin and the versioned API (`/api/v1/`, `/api/v2/`).

The version is the outermost URL namespace (DRF NamespaceVersioning); any other version prefix
falls through to the JSON 404 handler.
"""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(("socrates.api.urls_v1", "v1"), namespace="v1")),
    path("api/v2/", include(("socrates.api.urls_v2", "v2"), namespace="v2")),
]

handler404 = "socrates.urls.not_found"
handler500 = "socrates.api.errors.json_server_error"


def not_found(request, exception=None):
    """JSON 404 under /api/ (unknown versions included); Django's HTML page elsewhere."""
    from django.views.defaults import page_not_found

    from socrates.api.errors import json_not_found

    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return page_not_found(request, exception)
