"""Reads of socrates_auth: users, the audit log and deprecated-endpoint call counts."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from auth_app.models import AuditLog, DeprecatedEndpointCall
from socrates.errors import NotFound

User = get_user_model()


def user_get(*, user_id: uuid.UUID) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user


def audit_log_list(*, user=None, action: str | None = None) -> QuerySet[AuditLog]:
    """Return audit rows, newest first, narrowed to one user and/or one action."""
    queryset = AuditLog.objects.all()
    if user is not None:
        queryset = queryset.filter(user=user)
    if action:
        queryset = queryset.filter(action=action)
    return queryset.order_by("-timestamp", "-id")


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
