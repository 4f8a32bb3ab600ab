"""Request ids and log formats: every log line of a request names it, once.

``RequestIdMiddleware`` takes the id from ``X-Request-ID`` when the client (or a proxy) sends
a sane one, makes one otherwise, returns it in the response's ``X-Request-ID`` and keeps it in
a context variable that ``RequestIdFilter`` stamps on every log record. ``LOG_FORMAT=json``
writes one JSON object per line (``JsonFormatter``); the default is one plain line.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "HTTP_X_REQUEST_ID"
_SANE = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
_request_id: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.META.get(HEADER, "")
        request_id = sent if _SANE.match(sent) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
