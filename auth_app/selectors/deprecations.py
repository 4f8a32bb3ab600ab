"""Reads of socrates_auth: deprecated-endpoint call counts (API keys: selectors/api_keys.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.utils import timezone

from auth_app.models import DeprecatedEndpointCall


def deprecated_call_stats(*, days: int = 30, today: dt.date | None = None) -> dict[str, dict]:
    """Return ``{endpoint: {"calls": n, "callers": distinct users}}`` over the last ``days``."""
    today = today or timezone.localdate(timezone.now(), dt.UTC)
    since = today - dt.timedelta(days=days - 1)
    rows = (
        DeprecatedEndpointCall.objects.filter(day__gte=since, day__lte=today)
        .values("endpoint")
        .annotate(calls=Sum("calls"), callers=Count("user", distinct=True))
    )
    return {row["endpoint"]: {"calls": row["calls"], "callers": row["callers"]} for row in rows}
