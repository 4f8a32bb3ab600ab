"""Reads of LLM usage: a user's calls and their totals per provider and model."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from socrates.errors import ValidationFailed
from specs_app.models import LlmUsage

# Rolling windows ending now.
PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}
DEFAULT_PERIOD = "month"


@dataclass(frozen=True)
class UsageFilter:
    since: datetime
    period: str
    project_id: uuid.UUID | None


def usage_filter(*, period: str | None, project: str | None, now: datetime | None = None):
    """Validate ?period= and ?project= into a UsageFilter."""
    period = period or DEFAULT_PERIOD
    if period not in PERIODS:
        raise ValidationFailed(
            f"period must be one of {', '.join(PERIODS)}; got {period!r}.",
            details={"period": [f"must be one of {', '.join(PERIODS)}"]},
        )
    project_id = None
    if project:
        try:
            project_id = uuid.UUID(str(project))
        except ValueError:
            raise ValidationFailed(
                f"project must be a project id (UUID); got {project!r}.",
                details={"project": ["must be a UUID"]},
            ) from None
    return UsageFilter(
        since=(now or timezone.now()) - PERIODS[period], period=period, project_id=project_id
    )


def usage_list(*, user_id: uuid.UUID, filters: UsageFilter) -> QuerySet[LlmUsage]:
    """Return the user's calls in the window, newest first."""
    rows = LlmUsage.objects.filter(user_id=user_id, timestamp__gte=filters.since)
    if filters.project_id is not None:
        rows = rows.filter(project_id=filters.project_id)
    return rows.order_by("-timestamp", "-id")


def _totals(rows) -> dict:
    return {
        "calls": rows.get("calls") or 0,
        "tokens_input": rows.get("tokens_input") or 0,
        "tokens_output": rows.get("tokens_output") or 0,
        "tokens_total": rows.get("tokens_total") or 0,
        "cost_usd": rows.get("cost_usd") or Decimal("0"),
    }


def usage_totals(*, user_id: uuid.UUID, filters: UsageFilter) -> dict:
    """Return overall totals and totals per (provider, model) for the window."""
    rows = usage_list(user_id=user_id, filters=filters).order_by()
    sums = {
        "calls": Count("id"),
        "tokens_input": Sum("tokens_input"),
        "tokens_output": Sum("tokens_output"),
        "tokens_total": Sum("tokens_total"),
        "cost_usd": Sum("cost_usd"),
    }
    groups = rows.values("provider", "model").annotate(**sums).order_by("provider", "model")
    return {
        "totals": _totals(rows.aggregate(**sums)),
        "by_provider_model": [
            {"provider": group["provider"], "model": group["model"], **_totals(group)}
            for group in groups
        ],
    }
