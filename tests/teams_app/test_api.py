"""The v2 endpoints of teams, members, invitations and shares: status codes and error shape."""

import pytest

from specs_app import access
from teams_app import selectors, services
from teams_app.models import ProjectShare, TeamInvitation
from tests.factories import ProjectFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def answerable(user, project):
    return access.answerable_categories(access.access_to(user, project))


def can_answer(user, project, category):
    found = access.access_to(user, project)
    return found is not None and found.can_answer(category)


def manages_shares(user, project):
    found = access.access_to(user, project)
    return found is not None and found.allows("admin")


def error(response) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def test_anonymous_requests_are_refused(client):
    response = client.get("/api/v2/teams/")

    assert_error(response, 401)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_create_list_get_rename_and_delete_a_team(people, api):
    olivia = api(people["olivia"])

    created = olivia.post("/api/v2/teams/", {"name": "Core", "description": "d"}, format="json")
    assert created.status_code == 201
    team_id = created.json()["id"]
    assert created.json()["my_role"] == "owner"
    assert created.json()["created_by"] == str(people["olivia"].pk)

    listed = olivia.get("/api/v2/teams/")
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json()["results"]] == ["Core"]
    assert set(listed.json()) >= {"next", "previous", "results"}

    renamed = olivia.patch(f"/api/v2/teams/{team_id}/", {"name": "Core 2"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Core 2"
    assert olivia.get(f"/api/v2/teams/{team_id}/").json()["name"] == "Core 2"

    assert olivia.delete(f"/api/v2/teams/{team_id}/").status_code == 204
    assert_error(olivia.get(f"/api/v2/teams/{team_id}/"), 404)


def test_a_team_name_is_required(people, api):
    response = api(people["olivia"]).post("/api/v2/teams/", {}, format="json")

    assert error(response) == (400, "invalid", "name: This field is required.")


def test_outsiders_get_404_for_a_team_and_members_get_403_where_they_lack_the_role(
    people, team, api
):
    url = f"/api/v2/teams/{team.pk}/"

    assert error(api(people["stranger"]).get(url))[:2] == (404, "not_found")
    assert api(people["vera"]).get(url).json()["my_role"] == "viewer"
    assert error(api(people["lena"]).delete(url)) == (
        403,
        "permission_denied",
        "Only a team owner can delete the team; you are a lead.",
    )


def test_members_endpoints(people, team, api):
    base = f"/api/v2/teams/{team.pk}/members/"
    lena, olivia = api(people["lena"]), api(people["olivia"])

    listed = api(people["vera"]).get(base)
    assert [(m["username"], m["role"]) for m in listed.json()["results"]] == [
        ("olivia", "owner"),
        ("lena", "lead"),
        ("dev", "developer"),
        ("vera", "viewer"),
    ]

    by_name = lena.post(base, {"username": "OSCAR", "role": "viewer"}, format="json")
    assert by_name.status_code == 201
    assert by_name.json()["user_id"] == str(people["oscar"].pk)
    by_id = lena.post(base, {"user_id": str(people["pat"].pk)}, format="json")
    assert (by_id.status_code, by_id.json()["role"]) == (201, "developer")
    assert error(lena.post(base, {"username": "nobody"}, format="json")) == (
        404,
        "not_found",
        "No user with username 'nobody'.",
    )
    assert error(lena.post(base, {"role": "viewer"}, format="json"))[:2] == (400, "invalid")
    assert error(api(people["dev"]).post(base, {"username": "stranger"}, format="json"))[0] == 403
    assert error(lena.post(base, {"username": "dev"}, format="json"))[:2] == (409, "conflict")

    member = f"{base}{people['oscar'].pk}/"
    assert error(lena.patch(member, {"role": "lead"}, format="json"))[0] == 403
    patched = olivia.patch(member, {"role": "lead"}, format="json")
    assert (patched.status_code, patched.json()["role"]) == (200, "lead")
    assert error(lena.delete(member))[0] == 403
    assert olivia.delete(member).status_code == 204
    assert error(olivia.delete(member))[:2] == (404, "not_found")


def test_the_last_owner_rule_answers_409(people, team, api):
    url = f"/api/v2/teams/{team.pk}/members/{people['olivia'].pk}/"

    demoted = api(people["olivia"]).patch(url, {"role": "viewer"}, format="json")
    removed = api(people["olivia"]).delete(url)

    assert error(demoted)[:2] == (409, "last_owner")
    assert error(removed)[:2] == (409, "last_owner")


def test_invitation_endpoints_through_the_whole_life_cycle(people, team, api):
    base = f"/api/v2/teams/{team.pk}/invitations/"
    lena, oscar = api(people["lena"]), api(people["oscar"])

    created = lena.post(base, {"email": "oscar@example.com", "role": "lead"}, format="json")
    assert created.status_code == 201
    token = created.json()["token"]
    listed = lena.get(base).json()["results"]
    assert [(i["email"], i["status"]) for i in listed] == [("oscar@example.com", "pending")]
    assert "token" not in listed[0]
    assert error(api(people["dev"]).get(base))[0] == 403

    wrong = api(people["stranger"]).post("/api/v2/invitations/accept/", {"token": token})
    assert error(wrong)[:2] == (403, "wrong_account")

    accepted = oscar.post("/api/v2/invitations/accept/", {"token": token}, format="json")
    assert accepted.status_code == 200
    assert (accepted.json()["role"], accepted.json()["team_id"]) == ("lead", str(team.pk))
    again = oscar.post("/api/v2/invitations/accept/", {"token": token}, format="json")
    assert error(again) == (
        409,
        "invitation_accepted",
        "This invitation has already been accepted.",
    )


def test_invitation_refusals_over_http(people, team, api):
    base = f"/api/v2/teams/{team.pk}/invitations/"
    olivia, oscar = api(people["olivia"]), api(people["oscar"])

    as_owner = olivia.post(base, {"email": "x@example.com", "role": "owner"}, format="json")
    assert error(as_owner)[:2] == (400, "invalid")
    member = olivia.post(base, {"email": "dev@example.com"}, format="json")
    assert error(member)[:2] == (409, "already_member")
    assert error(olivia.post(base, {"email": "not-an-email"}, format="json"))[:2] == (
        400,
        "invalid",
    )

    created = olivia.post(base, {"email": "oscar@example.com"}, format="json").json()
    revoke = f"{base}{created['id']}/revoke/"
    assert error(api(people["vera"]).post(revoke))[0] == 403
    revoked = olivia.post(revoke)
    assert (revoked.status_code, revoked.json()["status"]) == (200, "revoked")
    assert error(olivia.post(revoke))[:2] == (409, "invitation_revoked")
    gone = oscar.post("/api/v2/invitations/accept/", {"token": created["token"]}, format="json")
    assert error(gone)[:2] == (410, "invitation_revoked")

    fresh = olivia.post(base, {"email": "oscar@example.com"}, format="json").json()
    TeamInvitation.objects.filter(pk=fresh["id"]).update(expires_at="2000-01-01T00:00:00Z")
    assert fresh["expired"] is False
    listed = olivia.get(f"{base}?status=pending").json()["results"]
    assert [(i["email"], i["expired"]) for i in listed] == [("oscar@example.com", True)]
    expired = oscar.post("/api/v2/invitations/accept/", {"token": fresh["token"]}, format="json")
    assert error(expired)[:2] == (410, "invitation_expired")
    missing = oscar.post("/api/v2/invitations/accept/", {}, format="json")
    assert error(missing) == (400, "invalid", "token: This field is required.")


def test_declining_over_http(people, team, api):
    _invitation, token = services.invitation_create(
        actor=people["olivia"], team=team, email="oscar@example.com"
    )

    declined = api(people["oscar"]).post("/api/v2/invitations/decline/", {"token": token})

    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    assert selectors.member_role(team=team, user=people["oscar"]) is None


def test_share_endpoints_and_their_permissions(people, team, api):
    project = ProjectFactory(owner_id=people["olivia"].pk)
    base = f"/api/v2/projects/{project.pk}/shares/"
    olivia, lena = api(people["olivia"]), api(people["lena"])

    assert error(lena.get(base))[:2] == (404, "not_found")  # not shared yet: invisible
    created = olivia.post(
        base, {"team_id": str(team.pk), "permission_level": "write"}, format="json"
    )
    assert created.status_code == 201
    share_url = f"{base}{created.json()['id']}/"
    assert created.json()["shared_by"] == str(people["olivia"].pk)

    assert error(lena.get(base)) == (
        403,
        "permission_denied",
        "Your access to this project's shares is 'write'; this needs 'admin'.",
    )
    assert error(lena.patch(share_url, {"permission_level": "admin"}, format="json"))[0] == 403
    assert olivia.patch(share_url, {"permission_level": "admin"}, format="json").status_code == 200
    assert [s["permission_level"] for s in lena.get(base).json()["results"]] == ["admin"]
    bad = olivia.patch(share_url, {"permission_level": "owner"}, format="json")
    assert error(bad)[:2] == (400, "invalid")
    duplicate = olivia.post(base, {"team_id": str(team.pk)}, format="json")
    assert error(duplicate)[:2] == (409, "already_shared")

    assert error(api(people["vera"]).delete(share_url))[0] == 403  # viewer: read at most
    assert lena.delete(share_url).status_code == 204
    assert not ProjectShare.objects.exists()
    assert error(lena.get(base))[:2] == (404, "not_found")  # access gone at once


def test_a_user_in_no_team_sees_exactly_what_they_saw_before_teams(people, team, api):

    mine = [ProjectFactory(owner_id=people["pat"].pk) for _ in range(2)]
    theirs = ProjectFactory(owner_id=people["olivia"].pk)
    before = set(access.projects_for(people["pat"]).values_list("id", flat=True))
    assert before == {p.pk for p in mine}

    # Phase 6 happens around pat: teams, shares, invitations to other people.
    services.share_create(
        actor=people["olivia"], project=theirs, team_id=team.pk, permission="admin"
    )
    services.invitation_create(actor=people["olivia"], team=team, email="new@example.com")

    after = set(access.projects_for(people["pat"]).values_list("id", flat=True))
    assert after == before
    assert access.access_to(people["pat"], theirs) is None
    assert all(access.access_to(people["pat"], p).level == "owner" for p in mine)
    assert all(answerable(people["pat"], p) is None for p in mine)
    pat = api(people["pat"])
    assert pat.get("/api/v2/teams/").json()["results"] == []
    assert pat.get(f"/api/v2/projects/{mine[0].pk}/shares/").json()["results"] == []
    assert error(pat.get(f"/api/v2/projects/{theirs.pk}/shares/"))[:2] == (404, "not_found")


def test_malformed_ids_and_unknown_query_parameters_are_400s(people, team, api):
    olivia = api(people["olivia"])

    assert error(olivia.get("/api/v2/teams/not-a-uuid/")) == (
        400,
        "invalid",
        "team_id: 'not-a-uuid' is not a valid UUID.",
    )
    assert error(olivia.delete(f"/api/v2/teams/{team.pk}/members/42/")) == (
        400,
        "invalid",
        "user_id: '42' is not a valid UUID.",
    )
    assert error(olivia.get("/api/v2/projects/x/shares/"))[:2] == (400, "invalid")
    assert error(olivia.get("/api/v2/teams/?colour=red"))[:2] == (400, "invalid")


def test_invitations_filter_by_status(people, team, api):
    olivia = api(people["olivia"])
    base = f"/api/v2/teams/{team.pk}/invitations/"
    first = olivia.post(base, {"email": "a@example.com"}, format="json").json()
    olivia.post(base, {"email": "b@example.com"}, format="json")
    olivia.post(f"{base}{first['id']}/revoke/")

    pending = olivia.get(f"{base}?status=pending").json()["results"]
    revoked = olivia.get(f"{base}?status=revoked").json()["results"]

    assert [i["email"] for i in pending] == ["b@example.com"]
    assert [i["email"] for i in revoked] == ["a@example.com"]
    assert error(olivia.get(f"{base}?status=lost"))[:2] == (400, "invalid")
