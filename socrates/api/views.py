"""The base of every view of this API: versioned serializers and pagination, strict queries.

A view names its serializer per version (``serializer_classes = {"v1": A, "v2": B}``), the
serializer of its answer where that differs from its input (``response_serializer_classes``),
and its query filters as a serializer (``filter_serializer_class``, or a dict of them per version).
Any query parameter that is neither a filter nor the version's pagination parameter is a 400
naming it, as is a filter value of the wrong type or outside its choices.
"""

from django.http import Http404
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView

from socrates import phases
from socrates.api.pagination import SkipLimitPagination, V2CursorPagination
from socrates.api.serializers import strict_body_begin, strict_body_end


class NoBodySerializer(serializers.Serializer):
    """The serializer of a view that takes no body and names none."""


# Query parameters DRF itself understands (format suffix override for the browsable API).
ALWAYS_ALLOWED_QUERY_PARAMS = frozenset({"format"})


class ApiView(GenericAPIView):
    serializer_classes: dict[str, type] = {}
    response_serializer_classes: dict[str, type] = {}
    filter_serializer_class = None
    pagination_classes: dict[str, type] = {"v1": SkipLimitPagination, "v2": V2CursorPagination}
    list_methods: tuple[str, ...] = ()
    created_methods: tuple[str, ...] = ()
    conflict_methods: tuple[str, ...] = ()
    # The product phase whose schema this endpoint needs (socrates.phases). Below it, the
    # endpoint answers 404 `phase_not_enabled` naming both phases, before anything else.
    phase: int = 0

    @property
    def version(self) -> str:
        return getattr(getattr(self, "request", None), "version", None) or "v2"

    def get_queryset(self):
        # Views read through selectors. The browsable API asks for a queryset only to build
        # filter forms, and there are no filter backends to build them from.
        return None

    def get_object(self):
        # Objects come from selectors, which check access. DRF's OPTIONS metadata still calls
        # this for PUT; a 404 there makes it describe the serializer without an instance.
        raise Http404

    def get_serializer_class(self):
        if self.serializer_classes:
            # A view with nothing to describe in a version (OPTIONS, the browsable API's form)
            # gets an empty serializer, never an AssertionError.
            return self.serializer_classes.get(self.version, NoBodySerializer)
        if self.serializer_class is None:
            return NoBodySerializer
        return super().get_serializer_class()

    def get_response_serializer(self, *args, **kwargs):
        """Return the version's answer serializer (the input one when none is named)."""
        classes = self.response_serializer_classes or self.serializer_classes
        return classes[self.version](*args, **kwargs)

    def get_filter_serializer_class(self):
        filters = self.filter_serializer_class
        return filters.get(self.version) if isinstance(filters, dict) else filters

    @property
    def pagination_class(self):
        return self.pagination_classes.get(self.version)

    def initial(self, request, *args, **kwargs):
        if self.phase:
            phases.require_phase(self.phase, "This endpoint")
        super().initial(request, *args, **kwargs)
        self._check_query_params(request)
        # v2 refuses body fields it does not know (socrates.api.serializers); v1 ignores them.
        if self.version == "v2" and request.method in ("POST", "PUT", "PATCH"):
            self._strict_token = strict_body_begin(request.data)

    def finalize_response(self, request, response, *args, **kwargs):
        # Runs after the handler or its exception, so the mark never outlives the request.
        token = getattr(self, "_strict_token", None)
        if token is not None:
            self._strict_token = None
            strict_body_end(token)
        return super().finalize_response(request, response, *args, **kwargs)

    def _check_query_params(self, request) -> None:
        allowed = set(ALWAYS_ALLOWED_QUERY_PARAMS)
        filters = self.get_filter_serializer_class()
        if request.method == "GET" and filters is not None:
            allowed |= set(filters().fields)
        if request.method in self.list_methods and self.pagination_class is not None:
            allowed |= set(getattr(self.pagination_class, "query_params", ()))
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            accepted = ", ".join(sorted(allowed - ALWAYS_ALLOWED_QUERY_PARAMS)) or "none"
            raise ValidationError(
                {name: [f"Unknown query parameter; accepted: {accepted}."] for name in unknown}
            )

    def query_filters(self) -> dict:
        """Return the validated query filters (only those given)."""
        filters = self.get_filter_serializer_class()
        if filters is None:
            return {}
        if self.version != "v1":
            # DRF reads a blank query value as "not given"; the schema says a filter, when
            # sent, is not empty (v1, frozen, keeps ignoring blank filters, as its schema says).
            blank = [n for n in filters().fields if self.request.query_params.get(n, None) == ""]
            if blank:
                raise ValidationError({name: ["May not be blank."] for name in blank})
        serializer = filters(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def paginated_response(self, queryset):
        """Serialize one page of ``queryset`` in the version's list shape."""
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)
