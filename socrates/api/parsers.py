"""Request parsers: JSON with a size limit, strict constants and no NUL characters.

DRF reads a JSON body as a stream, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE never applies to it;
this parser enforces it (413), turns deep nesting into a 400 instead of a RecursionError, and
rejects NUL characters (PostgreSQL cannot store them in text or jsonb) naming the field.
"""

import codecs

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils import json

from socrates.api.exceptions import RequestTooLarge


def _nul_path(value, path: str = "") -> str | None:
    """Return the dotted path of the first string (or key) holding a NUL character."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            # The path goes into the error message: show a NUL in a key as its JSON escape.
            shown = str(key).replace("\x00", "\\u0000")
            here = f"{path}.{shown}" if path else shown
            if "\x00" in str(key):
                return here
            found = _nul_path(item, here)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        path = _nul_path(data)
        if path:
            raise ValidationError({path: ["NUL characters are not allowed."]})
        return data
