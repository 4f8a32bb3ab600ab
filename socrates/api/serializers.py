"""The serializer bases of this API: v2 refuses body fields it does not know.

v2 answers a body field that the operation's serializer does not declare with a 400 naming it
(a typo such as ``{"permission": "admin"}`` must not quietly create a read share). v1 is the
frozen contract: it keeps accepting and ignoring unknown fields (said in its schema's
description). Read-only fields are known: sending back what a GET returned is fine.

``ApiView`` marks the body of a v2 write (``strict_body``); only the serializer given that very
body checks it, so query-filter serializers and nested objects are not affected.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

_strict_body: ContextVar[object | None] = ContextVar("strict_body", default=None)


def strict_body_begin(data) -> Token:
    """Refuse unknown fields of ``data`` (a v2 request body) until ``strict_body_end``."""
    return _strict_body.set(data)


def strict_body_end(token: Token) -> None:
    _strict_body.reset(token)


class StrictFieldsMixin:
    def to_internal_value(self, data):
        if data is _strict_body.get() and hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                accepted = ", ".join(sorted(self.fields)) or "none"
                raise ValidationError(
                    {name: [f"Unknown field; accepted: {accepted}."] for name in unknown}
                )
            _refuse_overlong(self.fields, data)
        return super().to_internal_value(data)


def _refuse_overlong(fields, data) -> None:
    """The schema's ``maxLength`` holds for the text as sent, before surrounding spaces are
    trimmed: DRF checks the length after trimming, so 256 characters with a leading space would
    pass a 255 limit."""
    errors = {}
    for name, field in fields.items():
        limit = getattr(field, "max_length", None)
        value = data.get(name)
        if (
            isinstance(field, serializers.CharField)
            and not field.read_only
            and limit is not None
            and isinstance(value, str)
            and len(value) > limit
        ):
            errors[name] = [f"Ensure this field has no more than {limit} characters."]
    if errors:
        raise ValidationError(errors)


class Serializer(StrictFieldsMixin, serializers.Serializer):
    pass


class ModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    pass
