"""Path converters. ``<anyid:name>`` takes any path segment; the view checks it is a UUID.

A malformed id in a path is then a 400 naming the argument (``project_id: 'x' is not a valid
UUID.``) instead of a bare 404, as for any other bad input.
"""

from django.urls import register_converter


class AnyIdConverter:
    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(AnyIdConverter, "anyid")
