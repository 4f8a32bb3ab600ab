"""Domain errors raised by services and selectors.

One exception handler (socrates.api.errors) turns them into the API's single error shape
`{"error": {"code", "message", "details"}}`; management commands turn them into CommandError.
"""


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, details=None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details if details is not None else {}
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    status_code = 400
    code = "invalid"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The request clashes with the current state (a paused session, an open conflict...)."""

    status_code = 409
    code = "conflict"


class Gone(DomainError):
    status_code = 410
    code = "gone"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UpstreamTimeout(DomainError):
    status_code = 504
    code = "upstream_timeout"


class PhaseNotEnabled(DomainError):
    """The databases are at an earlier phase than the one this feature needs (phases.py)."""

    status_code = 404
    code = "phase_not_enabled"
