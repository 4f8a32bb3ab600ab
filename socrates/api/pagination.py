"""Pagination per API version: v1 keeps the legacy skip/limit, v2 uses cursors."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response


class SkipLimitPagination(BasePagination):
    """The v1 contract: `?skip=&limit=` (default 100, at most 1000); the body is a plain list."""

    default_limit = 100
    max_limit = 1000

    def _int_param(self, request, name, default, low, high):
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({name: [f"must be an integer, got {raw!r}"]}) from None
        if not low <= value <= high:
            raise ValidationError({name: [f"must be between {low} and {high}"]})
        return value

    def paginate_queryset(self, queryset, request, view=None):
        skip = self._int_param(request, "skip", 0, 0, 10**9)
        limit = self._int_param(request, "limit", self.default_limit, 1, self.max_limit)
        return list(queryset[skip : skip + limit])

    def get_paginated_response(self, data):
        return Response(data)

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "skip",
                "required": False,
                "in": "query",
                "schema": {"type": "integer", "minimum": 0, "default": 0},
            },
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            },
        ]


class V2CursorPagination(CursorPagination):
    """The v2 contract: opaque `?cursor=`, `?page_size=` up to 200; newest first."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")
