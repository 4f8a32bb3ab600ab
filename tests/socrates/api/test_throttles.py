"""Per-user throttles on the expensive endpoints, counted in the shared cache, with Retry-After."""

import pytest
from django.db import connections

from tests.factories import SessionFactory, UserFactory
from tests.helpers import BOTH, assert_error, client_for

pytestmark = pytest.mark.django_db(databases=BOTH)


@pytest.fixture
def tight_rates(settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rates.update({"llm": "2/minute", "generation": "1/minute"})
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_the_llm_scope_throttles_per_user_with_retry_after(owner, project, tight_rates):
    session = SessionFactory(project=project)
    client = client_for(owner)
    url = f"/api/v2/sessions/{session.pk}/next-question/"

    answers = [client.post(url) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert_error(answers[2], 429, "throttled")
    assert int(answers[2]["Retry-After"]) > 0
    # Another user has a budget of their own.
    other = UserFactory(username="other-llm")
    theirs = SessionFactory(project__owner_id=other.pk)
    assert client_for(other).post(f"/api/v2/sessions/{theirs.pk}/next-question/").status_code == 201


def test_throttle_counts_live_in_the_shared_database_cache(owner, project, tight_rates):
    client_for(owner).post(f"/api/v2/projects/{project.pk}/generations/")

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT cache_key FROM socrates_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("throttle_generation" in key for key in keys), keys


def test_only_the_named_method_is_throttled(owner, project, tight_rates):
    client = client_for(owner)
    url = f"/api/v2/projects/{project.pk}/generations/"
    client.post(url)

    assert_error(client.post(url), 429, "throttled")
    assert client.get(url).status_code == 200  # listing is not the generation scope
