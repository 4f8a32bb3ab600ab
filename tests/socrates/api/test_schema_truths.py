"""What the schema fuzzer found, pinned one by one: the server and the documents agree."""

import pytest

from socrates.api import schema_compat
from specs_app.models import Project
from teams_app.models import TeamInvitation
from tests.factories import TeamFactory, TeamMemberFactory
from tests.helpers import BOTH, assert_error, client_for

pytestmark = pytest.mark.django_db(databases=BOTH)


def _document(version: str) -> dict:
    return schema_compat.load(schema_compat.generate(version))


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_current_specification_answers_superseded_by_null_as_documented(owner, project, version):
    response = client_for(owner).post(
        f"/api/{version}/projects/{project.pk}/specifications/",
        {"category": "tech_stack", "key": "database", "value": "PostgreSQL"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["superseded_by"] is None
    schema = _document(version)["components"]["schemas"]["Specification"]
    assert schema["properties"]["superseded_by"]["nullable"] is True


def test_the_provider_list_is_a_bare_array_and_documented_so(owner):
    response = client_for(owner).get("/api/v2/llm/providers/")

    assert isinstance(response.json(), list)
    operation = _document("v2")["paths"]["/api/v2/llm/providers/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == (
        "array"
    )
    assert not operation.get("parameters")
    assert_error(client_for(owner).get("/api/v2/llm/providers/?page_size=5"), 400, "invalid")


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("path", ["auth/token/", "auth/token/refresh/"])
def test_bad_credentials_answer_a_documented_401(anon, version, path):
    body = {"username": "nobody", "password": "wrong-password"}
    response = anon.post(
        f"/api/{version}/{path}", body if "refresh" not in path else {"refresh": "x"}, format="json"
    )

    assert_error(response, 401, "authentication_failed")
    assert "401" in _document(version)["paths"][f"/api/{version}/{path}"]["post"]["responses"]


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_an_unknown_invitation_token_answers_a_documented_404(owner, action):
    response = client_for(owner).post(
        f"/api/v2/invitations/{action}/", {"token": "no-such-token"}, format="json"
    )

    assert_error(response, 404)
    assert "404" in _document("v2")["paths"][f"/api/v2/invitations/{action}/"]["post"]["responses"]


def test_the_invitation_role_enum_offers_only_what_the_server_accepts(owner):
    team = TeamFactory(created_by=owner)
    TeamMemberFactory(team=team, user=owner, role="owner")
    schemas = _document("v2")["components"]["schemas"]
    role = schemas["InvitationCreateRequest"]["properties"]["role"]["allOf"][0]["$ref"]
    offered = schemas[role.rsplit("/", 1)[1]]["enum"]

    response = client_for(owner).post(
        f"/api/v2/teams/{team.pk}/invitations/",
        {"email": "new@example.com", "role": "owner"},
        format="json",
    )

    assert "owner" not in offered
    assert set(offered) == {"lead", "developer", "viewer"}
    assert_error(response, 400, "invalid")
    assert not TeamInvitation.objects.exists()


def test_v2_refuses_an_empty_filter_and_v1_ignores_it(owner, project):
    client = client_for(owner)

    error = assert_error(client.get("/api/v2/projects/?status="), 400, "invalid")
    assert error["details"] == {"status": ["May not be blank."]}
    response = client.get("/api/v1/projects/?status=")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [str(project.pk)]


def test_v2_checks_a_name_length_before_trimming_it(owner):
    name = " " + "n" * 255

    error = assert_error(
        client_for(owner).post("/api/v2/projects/", {"name": name}, format="json"), 400, "invalid"
    )

    assert "name" in error["details"]
    assert not Project.objects.filter(owner_id=owner.pk).exists()
