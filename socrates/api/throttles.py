"""Throttles. The `auth` scope guards register, token and refresh against password guessing;
`ScopedThrottle` guards the endpoints that call an LLM, upload, search or generate."""

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class AuthRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that reads its rate when asked, so a settings override applies."""

    def get_rate(self):
        # DRF binds THROTTLE_RATES at import; api_settings is reloaded on setting_changed.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class ScopedThrottle(ScopedRateThrottle):
    """Per user (per address when anonymous) throttle of the expensive endpoints.

    A view names its scope for all methods (``throttle_scope``) or per method
    (``throttle_scopes = {"POST": "upload"}``; methods not named are not throttled). Counts
    live in the shared cache, so the limit holds across workers; a 429 carries Retry-After.
    """

    def allow_request(self, request, view):
        scopes = getattr(view, "throttle_scopes", None)
        if scopes is not None:
            if request.method not in scopes:
                return True
            view.throttle_scope = scopes[request.method]
        return super().allow_request(request, view)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
