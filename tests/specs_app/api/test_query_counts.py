"""Every list endpoint runs a constant number of queries, whatever the page size.

The caller is a team member (not the owner), the path with the most access queries. Queries
are counted on both databases.
"""

from contextlib import ExitStack

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from socrates import phases
from teams_app.models import ProjectShare
from tests.factories import (
    ConflictFactory,
    ConversationFactory,
    ProjectFactory,
    QuestionFactory,
    SessionFactory,
    SpecificationFactory,
    UserFactory,
)
from tests.helpers import BOTH, client_for, share

ITEMS = 30
# auth user (JWT/force) + memberships + shares + project + page, with headroom for none.
MAX_QUERIES = 6

LISTS = [
    "projects/",
    "projects/{p}/sessions/",
    "projects/{p}/questions/",
    "projects/{p}/specifications/",
    "projects/{p}/conflicts/",
    "sessions/{s}/history/",
    "sessions/{s}/questions/",
    "specifications/{sp}/versions/",
]


def populate():
    owner = UserFactory(username="busy-owner")
    project = ProjectFactory(owner_id=owner.pk)
    member = share(project, level="read", username="busy-reader")
    session = SessionFactory(project=project)
    team_id = member.team_memberships.get().team_id
    for n in range(ITEMS):
        ProjectShare.objects.create(
            project=ProjectFactory(owner_id=owner.pk),
            team_id=team_id,
            shared_by=owner.pk,
            permission_level="read" if n % 2 else "write",
        )
        SessionFactory(project=project)
        QuestionFactory(session=session)
        ConversationFactory(session=session)
        ConflictFactory(project=project)
        SpecificationFactory(project=project, session=session, key=f"k{n}")
    spec = SpecificationFactory(project=project, key="versioned", is_current=False)
    for _ in range(ITEMS):
        SpecificationFactory(project=project, key="versioned", is_current=False)
    ids = {"p": project.pk, "s": session.pk, "sp": spec.pk}
    return client_for(member), ids


def count_queries(client, url) -> tuple[int, int]:
    with ExitStack() as stack:
        captured = [
            stack.enter_context(CaptureQueriesContext(connections[alias])) for alias in BOTH
        ]
        response = client.get(url)
    assert response.status_code == 200, response.content
    return sum(len(c) for c in captured), response


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("version", "small", "large"),
    [("v1", "limit=2", "limit=1000"), ("v2", "page_size=2", "page_size=200")],
)
def test_list_runs_a_constant_number_of_queries(
    path, version, small, large, django_assert_max_num_queries, monkeypatch
):
    # The databases' phase is read once per process every 2 s (socrates.phases), not per
    # request: read it now and keep it for the test, so both requests count alike.
    monkeypatch.setattr(phases, "PHASE_CACHE_SECONDS", 3600.0)
    phases.forget_effective_phase()
    phases.effective_phase()
    client, ids = populate()
    url = f"/api/{version}/" + path.format(**ids)

    few, few_response = count_queries(client, f"{url}?{small}")
    with django_assert_max_num_queries(MAX_QUERIES, connection=connections["specs"]):
        with django_assert_max_num_queries(MAX_QUERIES, connection=connections["default"]):
            many, many_response = count_queries(client, f"{url}?{large}")

    def size(response):
        body = response.json()
        return len(body if version == "v1" else body["results"])

    assert size(few_response) == 2 and size(many_response) > 2
    assert few == many <= MAX_QUERIES
