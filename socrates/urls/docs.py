"""OpenAPI schema and Swagger UI per version (assets from drf-spectacular-sidecar, offline).

The split view serves Swagger UI's start-up script as a file (``?script=``) instead of inline,
so the page works under the Content-Security-Policy (script-src 'self').
"""

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SwaggerUIView(SpectacularSwaggerSplitView):
    def options(self, request, *args, **kwargs):
        # The page renders only through its template; OPTIONS has nothing to render there.
        return HttpResponse(status=200, headers={"Allow": "GET, HEAD, OPTIONS"})


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerUIView.as_view(url_name="schema"), name="docs"),
]
