"""One error shape for every status, strict query parameters and pagination, two versions."""

import base64

import pytest
from rest_framework.test import APIClient

from specs_app import selectors
from tests.factories import ProjectFactory, SessionFactory
from tests.helpers import BOTH, assert_error, client_for, error_of, share

VERSIONS = ["v1", "v2"]


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("path", ["/api/v3/projects/", "/api/projects/", "/api/v1/nothing-here/"])
def test_unknown_version_or_path_is_a_json_404(owner_client, path):
    response = owner_client.get(path)

    assert_error(response, 404)
    assert response["Content-Type"] == "application/json"
    assert error_of(response) == {
        "code": "not_found",
        "message": f"No resource at {path}.",
        "details": {},
    }


@pytest.mark.django_db(databases=BOTH)
def test_a_missing_trailing_slash_answers_as_the_slashed_route(owner_client, project):
    without = owner_client.get("/api/v1/projects")
    with_slash = owner_client.get("/api/v1/projects/")

    assert without.status_code == 200
    assert without.json() == with_slash.json()


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("version", VERSIONS)
def test_versions_differ_only_in_field_names(owner_client, project, version):
    body = owner_client.get(f"/api/{version}/projects/{project.pk}/").json()

    legacy = {"phase", "maturity_level"}
    current = {"current_phase", "maturity_score"}
    assert legacy <= set(body) if version == "v1" else current <= set(body)
    assert not (current if version == "v1" else legacy) & set(body)


@pytest.mark.django_db(databases=BOTH)
def test_method_not_allowed_is_a_405_in_the_error_shape(owner_client):
    response = owner_client.put("/api/v1/projects/", {}, format="json")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert error_of(response)["message"] == 'Method "PUT" not allowed.'


@pytest.mark.django_db(databases=BOTH)
def test_unsupported_media_type_is_a_415(owner_client):
    response = owner_client.post("/api/v1/projects/", "name=x", content_type="text/plain")

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


@pytest.mark.django_db(databases=BOTH)
def test_too_large_body_is_a_413(owner_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = owner_client.post("/api/v2/projects/", {"name": "x" * 2000}, format="json")

    assert response.status_code == 413
    assert error_of(response) == {
        "code": "request_too_large",
        "message": "The request body is larger than 1000 bytes.",
        "details": {},
    }


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    "raw",
    [b'{"name": ', b"not json", b'{"name": NaN}', b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe"],
)
def test_malformed_json_is_a_400(owner_client, raw):
    response = owner_client.post("/api/v1/projects/", raw, content_type="application/json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "malformed_request"
    assert error["message"].startswith("JSON parse error")


@pytest.mark.django_db(databases=BOTH)
def test_json_that_is_not_an_object_is_a_400(owner_client):
    response = owner_client.post("/api/v1/projects/", [1, 2], format="json")

    assert response.status_code == 400
    assert "Expected a dictionary" in error_of(response)["message"]


@pytest.mark.django_db(databases=BOTH)
def test_nul_characters_are_refused_naming_the_field(owner_client, project):
    response = owner_client.post(
        f"/api/v1/projects/{project.pk}/specifications/",
        {"category": "c", "key": "k", "metadata": {"notes": ["ok", "bad\x00"]}},
        format="json",
    )

    assert response.status_code == 400
    assert error_of(response)["message"] == "metadata.notes.1: NUL characters are not allowed."


@pytest.mark.django_db(databases=BOTH)
def test_unexpected_error_is_a_500_without_leaking_anything(owner_client, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("password=hunter2 in /srv/app/secret.py")

    monkeypatch.setattr(selectors, "project_list", explode)

    response = owner_client.get("/api/v1/projects/", HTTP_X_REQUEST_ID="req-42")

    assert response.status_code == 500
    assert error_of(response) == {
        "code": "server_error",
        "message": "An unexpected error occurred.",
        "details": {"request_id": "req-42"},
    }
    assert b"hunter2" not in response.content and b"Traceback" not in response.content


@pytest.mark.django_db(databases=BOTH)
def test_conflicting_state_is_a_409(owner_client, project):
    session = SessionFactory(project=project, status="completed")

    response = owner_client.post(f"/api/v2/sessions/{session.pk}/pause/")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "invalid_session_state",
        "message": f"Cannot pause session {session.pk}: it is completed.",
        "details": {"status": "completed", "allowed_from": ["active"]},
    }


@pytest.mark.django_db(databases=BOTH)
def test_too_low_access_is_a_403_naming_levels(project):
    reader = share(project, level="read")

    response = client_for(reader).patch(
        f"/api/v1/projects/{project.pk}/", {"name": "x"}, format="json"
    )

    assert_error(response, 403)
    assert error_of(response)["details"] == {"access": "read", "needed": "write"}


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("version", VERSIONS)
def test_anonymous_is_a_401_with_a_challenge(version):
    response = APIClient().get(f"/api/{version}/projects/")

    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["message"] == "Authentication credentials were not provided."


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    "path",
    [
        "projects/{bad}/",
        "projects/{bad}/specifications/",
        "sessions/{bad}/",
        "specifications/{bad}/",
        "conflicts/{bad}/",
        "questions/{bad}/",
    ],
)
def test_a_malformed_id_in_the_path_is_a_400_naming_it(owner_client, path):
    response = owner_client.get("/api/v2/" + path.format(bad="not-a-uuid"))

    assert response.status_code == 400
    error = error_of(response)
    field = error["message"].split(":")[0]
    assert field.endswith("_id")
    assert error["details"] == {field: ["'not-a-uuid' is not a valid UUID."]}


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("version", "query", "field", "message"),
    [
        ("v1", "colour=red", "colour", "Unknown query parameter; accepted: limit, phase, skip"),
        ("v2", "skip=0", "skip", "accepted: current_phase, cursor, page_size, status"),
        ("v1", "status=deleted", "status", '"deleted" is not a valid choice.'),
        ("v2", "current_phase=1", "current_phase", '"1" is not a valid choice.'),
        ("v1", "limit=0", "limit", "must be between 1 and 1000"),
        ("v1", "limit=1001", "limit", "must be between 1 and 1000"),
        ("v1", "limit=ten", "limit", "must be an integer, got 'ten'"),
        ("v1", "skip=-1", "skip", "must be between 0 and 1000000000"),
        ("v1", "skip=99999999999999999999", "skip", "must be between"),
        ("v2", "page_size=201", "page_size", "must be between 1 and 200"),
        ("v2", "page_size=x", "page_size", "must be an integer"),
        ("v2", "cursor=bz1hYmM=", "cursor", "Invalid cursor."),
    ],
)
def test_bad_query_parameters_are_a_400_naming_them(owner_client, version, query, field, message):
    response = owner_client.get(f"/api/{version}/projects/?{query}")

    assert response.status_code == 400
    error = error_of(response)
    assert error["message"].startswith(f"{field}: ")
    assert message in error["message"]


@pytest.mark.django_db(databases=BOTH)
def test_a_forged_cursor_position_is_a_400_not_a_500(owner_client):
    forged = base64.b64encode(b"p=not-a-date").decode()

    response = owner_client.get("/api/v2/projects/", {"cursor": forged})

    assert response.status_code == 400
    assert error_of(response)["message"] == "cursor: Invalid cursor."


@pytest.mark.django_db(databases=BOTH)
def test_bad_boolean_filter_is_a_400(owner_client, project):
    response = owner_client.get(
        f"/api/v1/projects/{project.pk}/specifications/", {"is_current": "maybe"}
    )

    assert response.status_code == 400
    assert error_of(response)["message"] == "is_current: Must be a valid boolean."


@pytest.mark.django_db(databases=BOTH)
def test_v1_lists_take_skip_and_limit_and_answer_a_plain_list(owner, owner_client):
    projects = [ProjectFactory(owner_id=owner.pk, name=f"P{n}") for n in range(5)]

    page = owner_client.get("/api/v1/projects/", {"skip": 1, "limit": 2}).json()
    default = owner_client.get("/api/v1/projects/").json()

    newest_first = [p.name for p in reversed(projects)]
    assert [p["name"] for p in page] == newest_first[1:3]
    assert [p["name"] for p in default] == newest_first


@pytest.mark.django_db(databases=BOTH)
def test_v2_history_pages_oldest_first_with_cursors(owner_client, project):
    from tests.factories import ConversationFactory

    session = SessionFactory(project=project)
    for n in range(5):
        ConversationFactory(session=session, content=f"turn {n}")

    first = owner_client.get(f"/api/v2/sessions/{session.pk}/history/", {"page_size": 3}).json()
    second = owner_client.get(first["next"]).json()

    assert [t["content"] for t in first["results"] + second["results"]] == [
        f"turn {n}" for n in range(5)
    ]
    assert second["next"] is None


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        ("IntegrityError", 409, "conflict"),
        ("DataError", 400, "invalid"),
    ],
)
def test_database_refusals_that_slip_past_validation_are_not_500s(
    owner_client, monkeypatch, error, status, code
):
    from django import db

    def refuse(**kwargs):
        raise getattr(db, error)("duplicate key value violates unique constraint")

    monkeypatch.setattr(selectors, "project_list", refuse)

    response = owner_client.get("/api/v2/projects/")

    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert b"duplicate key" not in response.content
