"""Provider failures as domain errors, so the API answers them with clear statuses.

Each is also a ProviderError, so callers that must never fail (question rephrasing) can catch
every provider problem in one place.
"""

from socrates.errors import DomainError, RateLimited, UpstreamTimeout, ValidationFailed


class ProviderError(DomainError):
    """Base of every failure talking to an LLM provider."""

    status_code = 502
    code = "provider_error"

    def __init__(self, message: str, *, provider: str, **kwargs):
        details = kwargs.pop("details", None) or {}
        super().__init__(message, details={"provider": provider, **details}, **kwargs)
        self.provider = provider


class ProviderNotConfigured(ProviderError, ValidationFailed):
    status_code = 400
    code = "provider_not_configured"


class ProviderAuthFailed(ProviderError, ValidationFailed):
    """The provider rejected the key (401/403)."""

    status_code = 400
    code = "provider_auth_failed"


class ProviderBadRequest(ProviderError, ValidationFailed):
    """The provider rejected the request itself (unknown model, too many tokens...)."""

    status_code = 400
    code = "provider_bad_request"


class ProviderRateLimited(ProviderError, RateLimited):
    status_code = 429
    code = "provider_rate_limited"

    def __init__(self, message: str, *, provider: str, retry_after: int | None = None, **kwargs):
        super().__init__(message, provider=provider, **kwargs)
        self.retry_after = retry_after


class ProviderTimeout(ProviderError, UpstreamTimeout):
    status_code = 504
    code = "provider_timeout"


class ProviderUnavailable(ProviderError):
    """The provider kept failing (5xx, connection refused) or answered something unreadable."""

    status_code = 502
    code = "provider_unavailable"
