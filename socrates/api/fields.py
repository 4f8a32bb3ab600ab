"""Serializer fields shared by every API version."""

import math

from rest_framework import serializers

# Caps on free text that the database would take unbounded: they keep one request from
# storing megabytes in a single row, and the OpenAPI documents announce them.
SHORT_TEXT_MAX = 10_000
LONG_TEXT_MAX = 100_000


class FiniteFloatField(serializers.FloatField):
    """A float that refuses NaN and infinities (which would pass min/max checks)."""

    default_error_messages = {"not_finite": "A finite number is required."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


class JSONObjectField(serializers.DictField):
    """A JSON object (not a list or a scalar), stored in a jsonb column."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.JSONField())
        super().__init__(**kwargs)
