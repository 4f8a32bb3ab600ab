"""Permission matrix: every phase-0 endpoint of both versions against every kind of caller.

Owner, team members with admin, write and read shares, a viewer whose team has an admin share
(viewers never exceed read), a stranger (404: existence does not leak) and anonymous (401).
"""

import pytest

from tests.helpers import BOTH, assert_error, build_world, client_for, error_of

RANK = {"read": 1, "write": 2, "admin": 3, "owner": 4}
LEVEL_OF = {
    "owner": "owner",
    "admin": "admin",
    "write": "write",
    "read": "read",
    "viewer_admin_share": "read",
}
CALLERS = ["owner", "admin", "write", "read", "viewer_admin_share", "stranger", "anonymous"]

ANSWER = {"answer": "A web shop"}
# (method, path under /api/<version>/, needed level, body, success status, versions)
ENDPOINTS = [
    ("get", "projects/{p}/", "read", None, 200, ("v1", "v2")),
    ("put", "projects/{p}/", "write", {"name": "Renamed"}, 200, ("v1", "v2")),
    ("patch", "projects/{p}/", "write", {"description": "new"}, 200, ("v1", "v2")),
    ("delete", "projects/{p}/", "admin", None, 204, ("v1",)),
    ("post", "projects/{p}/archive/", "admin", None, 200, ("v1", "v2")),
    ("post", "projects/{p}/restore/", "admin", None, 200, ("v1", "v2")),
    ("get", "projects/{p}/sessions/", "read", None, 200, ("v1", "v2")),
    ("post", "projects/{p}/sessions/", "write", {"mode": "socratic"}, 201, ("v1", "v2")),
    ("get", "projects/{p}/questions/", "read", None, 200, ("v1", "v2")),
    ("get", "projects/{p}/specifications/", "read", None, 200, ("v1", "v2")),
    (
        "post",
        "projects/{p}/specifications/",
        "write",
        {"category": "goals", "key": "purpose", "value": "sell"},
        201,
        ("v1", "v2"),
    ),
    ("get", "projects/{p}/conflicts/", "read", None, 200, ("v1", "v2")),
    ("get", "sessions/{s}/", "read", None, 200, ("v1", "v2")),
    ("post", "sessions/{s}/pause/", "write", None, 200, ("v1", "v2")),
    ("post", "sessions/{ps}/resume/", "write", None, 200, ("v1", "v2")),
    ("post", "sessions/{s}/end/", "write", None, 200, ("v1", "v2")),
    ("get", "sessions/{s}/history/", "read", None, 200, ("v1", "v2")),
    ("get", "sessions/{s}/questions/", "read", None, 200, ("v1", "v2")),
    (
        "post",
        "sessions/{s}/questions/",
        "write",
        {"text": "Who pays?", "category": "goals"},
        201,
        ("v1", "v2"),
    ),
    ("post", "sessions/{s}/answer/", "write", ANSWER, 201, ("v1",)),
    ("post", "sessions/{s}/submit-answer/", "write", ANSWER, 201, ("v1",)),
    ("get", "questions/{q}/", "read", None, 200, ("v1", "v2")),
    ("get", "specifications/{sp}/", "read", None, 200, ("v1", "v2")),
    ("put", "specifications/{sp}/", "write", {"value": "mysql"}, 200, ("v1", "v2")),
    ("patch", "specifications/{sp}/", "write", {"confidence": 0.5}, 200, ("v1", "v2")),
    ("delete", "specifications/{sp}/", "write", None, 204, ("v1", "v2")),
    ("get", "specifications/{sp}/versions/", "read", None, 200, ("v1", "v2")),
    ("get", "conflicts/{c}/", "read", None, 200, ("v1", "v2")),
    ("post", "conflicts/{c}/resolve/", "write", {"action": "ignore"}, 200, ("v1", "v2")),
]

CASES = [
    pytest.param(
        version, method, path, needed, body, ok, caller, id=f"{version}-{method}-{path}-{caller}"
    )
    for method, path, needed, body, ok, versions in ENDPOINTS
    for version in versions
    for caller in CALLERS
]


def expected_status(caller: str, needed: str, ok: int) -> int:
    if caller == "anonymous":
        return 401
    if caller == "stranger":
        return 404
    return ok if RANK[LEVEL_OF[caller]] >= RANK[needed] else 403


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(("version", "method", "path", "needed", "body", "ok", "caller"), CASES)
def test_endpoint_enforces_the_callers_access_level(
    version, method, path, needed, body, ok, caller
):
    world = build_world()
    client = client_for(world.users[caller])
    url = f"/api/{version}/" + path.format(**world.ids())

    response = getattr(client, method)(url, body, format="json")

    expected = expected_status(caller, needed, ok)
    assert response.status_code == expected, response.content
    if expected >= 400:
        error = error_of(response)
        expected_code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}
        assert error["code"] == expected_code[expected]
    if expected == 403:
        assert f"needs '{needed}'" in error["message"]


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("caller", CALLERS)
def test_project_list_shows_exactly_the_projects_the_caller_reaches(version, caller):
    world = build_world(caller)
    response = client_for(world.users[caller]).get(f"/api/{version}/projects/")

    if caller == "anonymous":
        assert_error(response, 401)
        return
    assert response.status_code == 200
    body = response.json()
    items = body if version == "v1" else body["results"]
    ids = {item["id"] for item in items}
    assert ids == (set() if caller == "stranger" else {str(world.project.pk)})


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("caller", CALLERS)
def test_any_signed_in_user_creates_own_projects_and_reads_own_profile(version, caller):
    world = build_world(caller)
    client = client_for(world.users[caller])

    created = client.post(f"/api/{version}/projects/", {"name": "Mine"}, format="json")
    me = client.get(f"/api/{version}/auth/me/")

    if caller == "anonymous":
        assert (created.status_code, me.status_code) == (401, 401)
        return
    assert created.status_code == 201
    assert created.json()["owner_id"] == str(world.users[caller].pk)
    assert me.json()["username"] == world.users[caller].username


@pytest.mark.django_db(databases=BOTH)
def test_removing_the_share_removes_access_at_once(world):
    from teams_app.models import ProjectShare

    client = client_for(world.users["write"])
    url = f"/api/v2/projects/{world.project.pk}/"
    assert client.get(url).status_code == 200

    ProjectShare.objects.filter(project=world.project).delete()

    assert_error(client.get(url), 404)


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("version", "path"),
    sorted({(v, path) for _m, path, _n, _b, _o, versions in ENDPOINTS for v in versions}),
)
def test_options_describes_every_endpoint(version, path):
    world = build_world("owner")

    response = client_for(world.owner).options(f"/api/{version}/" + path.format(**world.ids()))

    assert response.status_code == 200, response.content
    assert response.json()["name"]
