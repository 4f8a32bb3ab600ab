"""Routes under /api/ answer the same with or without their trailing slash, for every method.

Many HTTP clients (and the original Socrates API) call ``/api/v1/projects``. Redirecting would
drop a POST's body, so the path is rewritten in place when only the slashed form resolves; the
schemas keep the one canonical form (with the slash).
"""

from django.urls import Resolver404, get_resolver


class ApiSlashMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/") and not path.endswith("/"):
            resolver = get_resolver()
            try:
                match = resolver.resolve(path)
            except Resolver404:
                match = None
            # The catch-all JSON 404 matches anything: only rewrite when it is what answered.
            if match is None or match.func.__name__ == "api_not_found":
                try:
                    slashed = resolver.resolve(path + "/")
                except Resolver404:
                    slashed = None
                if slashed is not None and slashed.func.__name__ != "api_not_found":
                    request.path_info = path + "/"
                    request.path = request.path + "/"
        return self.get_response(request)
