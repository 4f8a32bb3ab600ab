"""What the views of every resource share: one serializer for both versions, pagination per
version (v1 skip/limit, v2 cursor)."""

from socrates.api.pagination import SkipLimitPagination, cursor_pagination


def both(serializer) -> dict:
    return {"v1": serializer, "v2": serializer}


def paginations(*ordering: str) -> dict:
    return {"v1": SkipLimitPagination, "v2": cursor_pagination(*ordering)}
