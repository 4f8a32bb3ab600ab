"""Deprecated endpoints: they keep working, and say so.

Decorate a view's handler method (or a whole view class) with
``@deprecated(since=..., sunset=..., successor=..., doc=...)``. Every answer of that handler
then carries

- ``Deprecation: @<unix seconds>`` (RFC 9745, a structured date, not ``true``),
- ``Sunset: <IMF-fixdate>`` (RFC 8594; the decorator refuses a sunset before the deprecation),
- ``Link: <absolute successor URL>; rel="successor-version", <doc URL>; rel="deprecation"``,

a warning goes to the ``socrates.deprecation`` logger with the user and the path, the call is
counted per endpoint, user and day (auth_app.DeprecatedEndpointCall), and the OpenAPI document
marks the operation ``deprecated: true``. ``manage.py deprecations`` reports the counts.

``successor`` is a URL name (``"v2:project-archive"``) reversed with the request's own URL
arguments, so successor routes must name their arguments as the deprecated route does.
Requests refused before the handler runs (401, throttled) are neither decorated nor counted.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.http import http_date
from drf_spectacular.utils import extend_schema

from socrates import phases

logger = logging.getLogger("socrates.deprecation")

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def _as_utc_datetime(value, name: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ImproperlyConfigured(
                f"deprecated({name}=...) is not an ISO date: {value!r}"
            ) from None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    raise ImproperlyConfigured(f"deprecated({name}=...) must be a date, got {value!r}")


@dataclass(frozen=True)
class Deprecation:
    since: dt.datetime
    sunset: dt.datetime
    successor: str
    successor_method: str
    doc: str

    @property
    def deprecation_header(self) -> str:
        return f"@{int(self.since.timestamp())}"

    @property
    def sunset_header(self) -> str:
        return http_date(self.sunset.timestamp())


def deprecated(*, since, sunset, successor: str, doc: str, successor_method: str = "GET"):
    """Mark a view handler (or every handler of a view class) as deprecated."""
    info = Deprecation(
        since=_as_utc_datetime(since, "since"),
        sunset=_as_utc_datetime(sunset, "sunset"),
        successor=successor,
        successor_method=successor_method.upper(),
        doc=doc,
    )
    if info.sunset < info.since:
        raise ImproperlyConfigured(
            f"deprecated(): sunset {info.sunset:%Y-%m-%d} is before since {info.since:%Y-%m-%d}"
        )

    def decorate(target):
        if isinstance(target, type):
            for method in HTTP_METHODS:
                handler = target.__dict__.get(method)
                if handler is not None:
                    setattr(target, method, decorate(handler))
            return target
        return extend_schema(deprecated=True)(_wrap(target, info))

    return decorate


def _wrap(handler, info: Deprecation):
    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        try:
            response = handler(self, request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the error answer gets the headers too
            response = self.handle_exception(exc)
        _announce(info, request, kwargs, response)
        return response

    wrapper.deprecation = info
    return wrapper


_ROUTE_ARGUMENT = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def endpoint_key(method: str, route: str) -> str:
    """Return ``"METHOD /path/{arg}/"`` for a Django route such as ``api/v1/x/<anyid:arg>/``."""
    path = _ROUTE_ARGUMENT.sub(r"{\1}", route)
    return f"{method.upper()} /{path}"


# Where calls are counted: a table of auth_app (a layer above), which registers its recorder
# in AuthAppConfig.ready(). Without one, calls are only logged.
_call_recorder: Callable[..., None] | None = None
_recorder_phase = 0


def register_call_recorder(recorder: Callable[..., None], *, phase: int) -> None:
    """Install ``recorder(endpoint=..., user_id=...)``, called once per deprecated call where
    the databases are at ``phase`` or later (its table's phase; below it, calls are not
    counted, only logged)."""
    global _call_recorder, _recorder_phase
    _call_recorder, _recorder_phase = recorder, phase


def _announce(info: Deprecation, request, url_kwargs: dict, response) -> None:
    response["Deprecation"] = info.deprecation_header
    response["Sunset"] = info.sunset_header
    successor_url = request.build_absolute_uri(reverse(info.successor, kwargs=url_kwargs))
    doc_url = request.build_absolute_uri(info.doc)
    links = [f'<{successor_url}>; rel="successor-version"', f'<{doc_url}>; rel="deprecation"']
    if response.has_header("Link"):
        links.insert(0, response["Link"])
    response["Link"] = ", ".join(links)

    route = request.resolver_match.route if request.resolver_match else request.path
    endpoint = endpoint_key(request.method, route)
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    logger.warning(
        "Deprecated endpoint %s called by user %s at %s (sunset %s, successor %s)",
        endpoint,
        user.username if user else "anonymous",
        request.path,
        info.sunset_header,
        successor_url,
    )
    if _call_recorder is None or not phases.phase_enabled(_recorder_phase):
        return
    try:
        _call_recorder(endpoint=endpoint, user_id=user.pk if user else None)
    except DatabaseError:
        # Counting must never break the endpoint it counts.
        logger.exception("Could not count a call to %s", endpoint)


# --- Discovery (for manage.py deprecations) ------------------------------------------------


@dataclass(frozen=True)
class DeprecatedEndpoint:
    endpoint: str
    info: Deprecation
    successor: str


def iter_routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    """Yield ``(route, url_pattern, full_name)`` for every URL pattern of the project."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from iter_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield prefix + str(pattern.pattern), pattern, name


def deprecated_endpoints() -> list[DeprecatedEndpoint]:
    """Return every deprecated handler reachable through the URLconf, in URL order."""
    routes = list(iter_routes())
    by_name = {name: route for route, _pattern, name in routes if name}
    found = []
    for route, pattern, _name in routes:
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None:
            continue
        for method in HTTP_METHODS:
            info = getattr(getattr(view_class, method, None), "deprecation", None)
            if info is None:
                continue
            successor_route = by_name.get(info.successor)
            successor = (
                endpoint_key(info.successor_method, successor_route)
                if successor_route is not None
                else f"{info.successor_method} {info.successor} (unresolved URL name)"
            )
            found.append(DeprecatedEndpoint(endpoint_key(method, route), info, successor))
    return found
