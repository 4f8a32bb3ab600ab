"""Throttles. The `auth` scope guards register, token and refresh against password guessing."""

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class AuthRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that reads its rate when asked, so a settings override applies."""

    def get_rate(self):
        # DRF binds THROTTLE_RATES at import; api_settings is reloaded on setting_changed.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
