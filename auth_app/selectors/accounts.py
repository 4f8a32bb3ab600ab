"""Reads of the users table."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import Lower

from auth_app.models import User


def username_case_duplicates() -> list[list[User]]:
    """Return the groups of users whose usernames differ only in case, oldest first in each."""
    folded = (
        User.objects.annotate(folded=Lower("username"))
        .values("folded")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .order_by("folded")
        .values_list("folded", flat=True)
    )
    return [
        list(User.objects.filter(username__iexact=name).order_by("date_joined", "id"))
        for name in folded
    ]
