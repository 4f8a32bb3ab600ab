"""Pagination per API version: v1 keeps the legacy skip/limit, v2 uses cursors.

Both are strict: a malformed or out-of-range `skip`, `limit`, `page_size` or `cursor` is a 400
naming the parameter, never a silent default or a 404. Each runs exactly one query per page.
"""

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response


def int_param(request, name, default, low, high):
    """Return an integer query parameter in [low, high], or raise a 400 naming it."""
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


class SkipLimitPagination(BasePagination):
    """The v1 contract: `?skip=&limit=` (default 100, at most 1000); the body is a plain list."""

    default_limit = 100
    max_limit = 1000
    query_params = ("skip", "limit")

    def _int_param(self, request, name, default, low, high):
        return int_param(request, name, default, low, high)

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
    query_params = ("cursor", "page_size")

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        return int_param(request, self.page_size_query_param, self.page_size, 1, self.max_page_size)

    def decode_cursor(self, request):
        """Decode the cursor; a forged or stale one is a 400 naming `cursor`, not a 404."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from None
        if cursor is not None and cursor.position is not None:
            # The position goes into a WHERE clause: check it parses as the ordering field.
            name = self.ordering[0].lstrip("-")
            try:
                self._model._meta.get_field(name).to_python(cursor.position)
            except (DjangoValidationError, FieldDoesNotExist, ValueError, TypeError):
                raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from None
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters


def cursor_pagination(*ordering: str) -> type[V2CursorPagination]:
    """Return a V2CursorPagination ordered by ``ordering`` (first field: the cursor position)."""
    name = "CursorBy" + "".join(part.lstrip("-").title().replace("_", "") for part in ordering)
    return type(name, (V2CursorPagination,), {"ordering": tuple(ordering)})
