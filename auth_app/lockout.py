"""How django-axes names an account and answers a locked-out login (see AXES_* settings)."""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpResponse, JsonResponse


def username_of(request, credentials) -> str | None:
    """The account a login names, folded like usernames are (``ada`` and ``ADA`` are one)."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        data = getattr(request, "POST", {}) or {}
        username = data.get("username")
    return str(username).strip().casefold() if username else None


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """429 with Retry-After: the API's error shape under /api/, plain text elsewhere (admin)."""
    wait = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())
    message = (
        "Too many failed logins for this account; try again in "
        f"{math.ceil(wait / 60)} minutes, or ask an administrator to unlock it."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": {"code": "account_locked", "message": message, "details": {}}}, status=429
        )
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response
