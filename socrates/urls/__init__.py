"""Root URLs: the admin and the versioned API (`/api/v1/`, `/api/v2/`).

The version is the outermost URL namespace (DRF NamespaceVersioning). Any other path under
/api/ (an unknown version included) is a JSON 404 in the API's error shape, whatever DEBUG says.
`/api-auth/` holds the session login and logout pages of the browsable API.
"""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from socrates import health
from socrates.api import converters  # noqa: F401 - registers <anyid:...> before any include

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),
    path("api/v1/", include(("socrates.urls.v1", "v1"), namespace="v1")),
    path("api/v2/", include(("socrates.urls.v2", "v2"), namespace="v2")),
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


@csrf_exempt  # an unknown path is a 404 whatever the method, not a CSRF failure
def api_not_found(request, rest=""):
    from django.http import JsonResponse
    from django.urls import Resolver404, resolve

    from socrates.api.errors import error_body

    message = f"No resource at {request.path}."
    if not request.path.endswith("/"):
        try:
            if resolve(request.path + "/").func is not api_not_found:
                message += f" Did you mean {request.path}/ ?"
        except Resolver404:
            pass
    return JsonResponse(error_body("not_found", message), status=404)


# Last, so that it only catches what no versioned route matched.
# [\s\S], not ".": a path holding an encoded newline (%0A) is still the API's JSON 404.
urlpatterns.append(re_path(r"^api/(?P<rest>[\s\S]*)$", api_not_found))
