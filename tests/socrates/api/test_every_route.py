"""No route of either version answers 5xx to OPTIONS or to the browsable API (Accept: text/html),
enumerated from the URL patterns themselves, as an authenticated user."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import ProjectFactory, SessionFactory
from tests.helpers import BOTH, client_for

pytestmark = pytest.mark.django_db(databases=BOTH)
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def routes(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


API_ROUTES = sorted({r for r in routes() if r.startswith(("api/v1/", "api/v2/")) and "(?" not in r})


def concrete(route, ids):
    return "/" + PARAM.sub(lambda m: str(ids.get(m.group("name"), uuid.uuid4())), route)


def test_the_enumeration_finds_both_versions():
    assert any(r.startswith("api/v1/") for r in API_ROUTES)
    assert len([r for r in API_ROUTES if r.startswith("api/v2/")]) > 40


@pytest.mark.parametrize("route", API_ROUTES)
def test_options_and_the_browsable_api_never_answer_5xx(owner, route):
    project = ProjectFactory(owner_id=owner.pk)
    ids = {
        "project_id": project.pk,
        "session_id": SessionFactory(project=project).pk,
        "provider": "claude",
        "version": 1,
        "path": "README.md",
    }
    client = client_for(owner)
    url = concrete(route, ids)

    options = client.options(url)
    page = client.get(url, HTTP_ACCEPT="text/html")

    assert options.status_code < 500, (url, options.content[:300])
    assert page.status_code < 500, (url, page.content[:300])
