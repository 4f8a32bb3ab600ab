"""Deprecated endpoints: exact headers, a warning, counted calls, the deprecations command."""

import datetime as dt
import io
import json
import logging
from email.utils import parsedate_to_datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from auth_app.models import DeprecatedEndpointCall
from auth_app.selectors import deprecated_call_stats
from auth_app.services import deprecated_call_record
from socrates.api.deprecation import deprecated, endpoint_key
from socrates.management.commands.deprecations import Command
from tests.factories import ProjectFactory, SessionFactory, UserFactory
from tests.helpers import BOTH, assert_error, client_for

DELETE_PROJECT = "DELETE /api/v1/projects/{project_id}/"
SUBMIT_ANSWER = "POST /api/v1/sessions/{session_id}/submit-answer/"
SINCE = int(dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp())


@pytest.mark.django_db(databases=BOTH)
def test_v1_delete_answers_with_exactly_the_deprecation_headers(owner_client, project):
    response = owner_client.delete(f"/api/v1/projects/{project.pk}/")

    assert response.status_code == 204
    assert response["Deprecation"] == f"@{SINCE}"
    assert response["Sunset"] == "Mon, 01 Nov 2027 00:00:00 GMT"
    assert parsedate_to_datetime(response["Sunset"]).timestamp() >= SINCE
    assert response["Link"] == (
        f'<http://testserver/api/v2/projects/{project.pk}/archive/>; rel="successor-version", '
        '<http://testserver/api/v2/docs/>; rel="deprecation"'
    )


@pytest.mark.django_db(databases=BOTH)
def test_submit_answer_alias_keeps_working_and_points_at_answer(owner_client, project):
    session = SessionFactory(project=project)

    response = owner_client.post(
        f"/api/v1/sessions/{session.pk}/submit-answer/", {"answer": "yes"}, format="json"
    )

    assert response.status_code == 201 and response.json()["content"] == "yes"
    assert response["Deprecation"] == f"@{SINCE}"
    assert response["Link"].startswith(
        f'<http://testserver/api/v1/sessions/{session.pk}/answer/>; rel="successor-version"'
    )


@pytest.mark.django_db(databases=BOTH)
def test_error_answers_of_a_deprecated_endpoint_carry_the_headers_too(owner_client):
    stranger_project = ProjectFactory()

    response = owner_client.delete(f"/api/v1/projects/{stranger_project.pk}/")

    assert_error(response, 404, "not_found")
    assert response["Deprecation"] == f"@{SINCE}"


@pytest.mark.django_db(databases=BOTH)
def test_current_endpoints_carry_no_deprecation_headers(owner_client, project):
    response = owner_client.post(f"/api/v2/projects/{project.pk}/archive/")

    assert response.status_code == 200
    assert not response.has_header("Deprecation") and not response.has_header("Sunset")


@pytest.mark.django_db(databases=BOTH)
def test_a_deprecated_call_logs_a_warning_with_user_and_path(owner_client, project, caplog):
    with caplog.at_level(logging.WARNING, logger="socrates.deprecation"):
        owner_client.delete(f"/api/v1/projects/{project.pk}/")

    (record,) = [r for r in caplog.records if r.name == "socrates.deprecation"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert DELETE_PROJECT in message
    assert "by user owner" in message
    assert f"/api/v1/projects/{project.pk}/" in message


@pytest.mark.django_db(databases=BOTH)
def test_calls_are_counted_per_endpoint_and_user():
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    for user, times in ((ann, 2), (bob, 1)):
        for _ in range(times):
            project = ProjectFactory(owner_id=user.pk)
            client_for(user).delete(f"/api/v1/projects/{project.pk}/")

    rows = DeprecatedEndpointCall.objects.filter(endpoint=DELETE_PROJECT)
    assert sorted((row.user_id, row.calls) for row in rows) == sorted([(ann.pk, 2), (bob.pk, 1)])
    assert deprecated_call_stats()[DELETE_PROJECT] == {"calls": 3, "callers": 2}


@pytest.mark.django_db(databases=BOTH)
def test_usage_counts_only_the_window():
    today = dt.date(2026, 11, 24)
    old = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    recent = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    user = UserFactory()
    deprecated_call_record(endpoint=SUBMIT_ANSWER, user_id=user.pk, at=old)
    deprecated_call_record(endpoint=SUBMIT_ANSWER, user_id=user.pk, at=recent)
    deprecated_call_record(endpoint=SUBMIT_ANSWER, user_id=None, at=recent)
    deprecated_call_record(endpoint=SUBMIT_ANSWER, user_id=None, at=recent)

    stats = deprecated_call_stats(days=30, today=today)

    assert stats == {SUBMIT_ANSWER: {"calls": 3, "callers": 1}}
    assert DeprecatedEndpointCall.objects.filter(user=None).get().calls == 2


@pytest.mark.django_db(databases=BOTH)
def test_deprecations_command_lists_each_endpoint_with_its_use(owner_client, project):
    owner_client.delete(f"/api/v1/projects/{project.pk}/")

    rows = {row.endpoint: row for row in Command().collect(days=30)}
    out = io.StringIO()
    call_command("deprecations", stdout=out)
    as_json = io.StringIO()
    call_command("deprecations", "--format", "json", stdout=as_json)

    assert set(rows) == {DELETE_PROJECT, SUBMIT_ANSWER}
    delete = rows[DELETE_PROJECT]
    assert (delete.since, delete.sunset) == ("2026-11-01", "2027-11-01")
    assert delete.successor == "POST /api/v2/projects/{project_id}/archive/"
    assert (delete.calls, delete.callers) == (1, 1)
    assert rows[SUBMIT_ANSWER].successor == "POST /api/v1/sessions/{session_id}/answer/"
    assert (rows[SUBMIT_ANSWER].calls, rows[SUBMIT_ANSWER].callers) == (0, 0)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["endpoint", "since", "sunset", "successor", "calls/30d", "callers"]
    assert any(
        line.startswith(DELETE_PROJECT) and line.split()[-2:] == ["1", "1"] for line in lines
    )
    assert {row["endpoint"] for row in json.loads(as_json.getvalue())} == set(rows)


def test_deprecations_command_refuses_an_empty_window():
    with pytest.raises(Exception, match="--days must be at least 1"):
        call_command("deprecations", "--days", "0")


def test_sunset_before_deprecation_is_refused():
    with pytest.raises(ImproperlyConfigured, match="sunset 2026-01-01 is before since 2026-06-01"):
        deprecated(since="2026-06-01", sunset="2026-01-01", successor="v2:project-list", doc="/")


def test_endpoint_key_turns_a_route_into_a_path_template():
    assert endpoint_key("delete", "api/v1/projects/<anyid:project_id>/") == DELETE_PROJECT
    assert endpoint_key("get", "api/v1/x/<pk>/") == "GET /api/v1/x/{pk}/"
