"""What the views of the phase-0 resources share: one serializer for both versions, pagination
per version (v1 skip/limit, v2 cursor).

Each view translates HTTP into one selector (access check included) and one service call; the
version only picks the serializer and the pagination (socrates.api.views.ApiView). Access levels
are specs_app.access's.
"""

from socrates.api.pagination import SkipLimitPagination, cursor_pagination


def both(serializer) -> dict:
    return {"v1": serializer, "v2": serializer}


def paginations(*ordering: str) -> dict:
    return {"v1": SkipLimitPagination, "v2": cursor_pagination(*ordering)}
