"""End-to-end flows of an old v1 client and of a v2 client, with real JWTs over HTTP."""

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest
from rest_framework.test import APIClient

from auth_app.models import AuditLog
from tests.factories import ConflictFactory, SpecificationFactory
from tests.helpers import BOTH, assert_error

PASSWORD = "a-Long-unusual-passphrase-42"


def sign_up(version: str, username: str) -> APIClient:
    """Register, take a token pair and return a client that sends the access token."""
    client = APIClient()
    registered = client.post(
        f"/api/{version}/auth/register/",
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        format="json",
    )
    assert registered.status_code == 201, registered.content
    tokens = client.post(
        f"/api/{version}/auth/token/",
        {"username": username, "password": PASSWORD},
        format="json",
    )
    assert tokens.status_code == 200, tokens.content
    assert set(tokens.json()) == {"access", "refresh"}
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    client.refresh_token = tokens.json()["refresh"]
    return client


@pytest.mark.django_db(databases=BOTH)
def test_old_v1_client_flow_end_to_end():
    client = sign_up("v1", "legacy")

    # Projects with the legacy field names.
    created = client.post(
        "/api/v1/projects/",
        {"name": "Shop", "description": "Sell things", "phase": "analysis", "maturity_level": 20},
        format="json",
    )
    assert created.status_code == 201, created.content
    project = created.json()
    # The frozen contract still takes both fields, but neither bypasses its rule: a project
    # starts in discovery and maturity is computed (tests/specs_app/api/test_gate_bypass.py).
    assert (project["phase"], project["maturity_level"]) == ("discovery", 0)
    assert "current_phase" not in project and "maturity_score" not in project
    pid = project["id"]

    read_back = client.get(f"/api/v1/projects/{pid}/").json()
    assert (read_back["phase"], read_back["maturity_level"]) == ("discovery", 0)
    patched = client.patch(f"/api/v1/projects/{pid}/", {"phase": "design"}, format="json")
    assert patched.status_code == 409
    assert patched.json()["error"]["code"] == "phase_not_next"
    renamed = client.patch(f"/api/v1/projects/{pid}/", {"description": "Sell more"})
    assert renamed.json()["description"] == "Sell more"
    listed = client.get("/api/v1/projects/", {"skip": 0, "limit": 10}).json()
    assert isinstance(listed, list) and [p["id"] for p in listed] == [pid]

    # A session, a question, an answer and the conversation.
    session = client.post(f"/api/v1/projects/{pid}/sessions/", {}, format="json").json()
    sid = session["id"]
    assert session["status"] == "active"
    question = client.post(
        f"/api/v1/sessions/{sid}/questions/",
        {"text": "Who are the users?", "category": "goals"},
        format="json",
    ).json()
    answer = client.post(
        f"/api/v1/sessions/{sid}/answer/",
        {"answer": "Small shops", "question_id": question["id"]},
        format="json",
    )
    assert answer.status_code == 201
    assert answer.json()["role"] == "user" and answer.json()["content"] == "Small shops"
    legacy = client.post(f"/api/v1/sessions/{sid}/submit-answer/", {"answer": "And"}, format="json")
    assert legacy.status_code == 201
    assert legacy["Deprecation"].startswith("@")
    history = client.get(f"/api/v1/sessions/{sid}/history/").json()
    assert [turn["content"] for turn in history] == ["Small shops", "And"]
    assert client.get(f"/api/v1/projects/{pid}/questions/").json()[0]["id"] == question["id"]
    assert client.post(f"/api/v1/sessions/{sid}/pause/").json()["status"] == "paused"
    assert client.post(f"/api/v1/sessions/{sid}/resume/").json()["status"] == "active"

    # Specifications with versions.
    spec = client.post(
        f"/api/v1/projects/{pid}/specifications/",
        {"category": "tech_stack", "key": "database", "value": "PostgreSQL", "session_id": sid},
        format="json",
    ).json()
    v2 = client.put(
        f"/api/v1/specifications/{spec['id']}/", {"value": "PostgreSQL 18"}, format="json"
    ).json()
    assert v2["is_current"] and v2["value"] == "PostgreSQL 18" and v2["id"] != spec["id"]
    old = client.get(f"/api/v1/specifications/{spec['id']}/").json()
    assert old["is_current"] is False and old["superseded_by"] == v2["id"]
    current = client.get(f"/api/v1/projects/{pid}/specifications/", {"is_current": "true"}).json()
    assert [s["value"] for s in current] == ["PostgreSQL 18"]
    history = client.get(f"/api/v1/projects/{pid}/specifications/", {"is_current": "false"})
    assert [s["value"] for s in history.json()] == ["PostgreSQL"]
    versions = client.get(f"/api/v1/specifications/{v2['id']}/versions/").json()
    assert [s["value"] for s in versions] == ["PostgreSQL", "PostgreSQL 18"]

    # Conflicts (detected by the engine elsewhere; here one exists) resolved by the client.
    rival = SpecificationFactory(project_id=pid, category="tech_stack", key="db", value="Mongo")
    conflict = ConflictFactory(project_id=pid, spec_ids=[v2["id"], rival.pk])
    open_ones = client.get(f"/api/v1/projects/{pid}/conflicts/", {"status": "open"}).json()
    assert [c["id"] for c in open_ones] == [str(conflict.pk)]
    resolved = client.post(
        f"/api/v1/conflicts/{conflict.pk}/resolve/",
        {"action": "keep_old", "notes": "We stay on PostgreSQL"},
        format="json",
    ).json()
    assert resolved["status"] == "resolved"
    assert resolved["resolution"] == "keep_old: We stay on PostgreSQL"

    # Archive through the legacy DELETE, and read the deprecation headers.
    deleted = client.delete(f"/api/v1/projects/{pid}/")
    assert deleted.status_code == 204
    deprecation = int(deleted["Deprecation"].removeprefix("@"))
    sunset = parsedate_to_datetime(deleted["Sunset"])
    assert sunset >= dt.datetime.fromtimestamp(deprecation, dt.UTC)
    assert (
        f'<http://testserver/api/v2/projects/{pid}/archive/>; rel="successor-version"'
        in (deleted["Link"])
    )
    assert 'rel="deprecation"' in deleted["Link"]
    archived = client.get(f"/api/v1/projects/{pid}/").json()
    assert archived["status"] == "archived" and archived["archived_at"] is not None
    assert client.post(f"/api/v1/projects/{pid}/restore/").json()["status"] == "active"

    # Logout blacklists the refresh token.
    out = client.post("/api/v1/auth/logout/", {"refresh": client.refresh_token}, format="json")
    assert out.status_code == 204
    refused = APIClient().post(
        "/api/v1/auth/token/refresh/", {"refresh": client.refresh_token}, format="json"
    )
    assert_error(refused, 401, "authentication_failed")
    actions = list(
        AuditLog.objects.filter(user__username="legacy").values_list("action", flat=True)
    )
    assert sorted(actions) == ["auth.login", "auth.logout", "auth.register"]


@pytest.mark.django_db(databases=BOTH)
def test_v2_client_flow_end_to_end():
    client = sign_up("v2", "modern")

    created = client.post(
        "/api/v2/projects/",
        {"name": "Shop", "current_phase": "discovery", "maturity_score": 35.5},
        format="json",
    )
    assert created.status_code == 201, created.content
    project = created.json()
    assert (project["current_phase"], project["maturity_score"]) == ("discovery", 0)
    assert "phase" not in project and "maturity_level" not in project
    pid = project["id"]
    for n in range(3):
        client.post("/api/v2/projects/", {"name": f"Other {n}"}, format="json")

    # Cursor pagination walks every project exactly once, newest first.
    seen, url = [], "/api/v2/projects/?page_size=2"
    while url:
        page = client.get(url).json()
        assert set(page) == {"next", "previous", "results"}
        seen += [p["name"] for p in page["results"]]
        url = page["next"]
    assert seen == ["Other 2", "Other 1", "Other 0", "Shop"]

    session = client.post(
        f"/api/v2/projects/{pid}/sessions/", {"mode": "direct_chat", "domain": "retail"}
    ).json()
    assert session["mode"] == "direct_chat"
    question = client.post(
        f"/api/v2/sessions/{session['id']}/questions/",
        {"text": "Which payment?", "category": "requirements"},
        format="json",
    ).json()
    assert question["template_id"] is None
    spec = client.post(
        f"/api/v2/projects/{pid}/specifications/",
        {"category": "requirements", "key": "payment", "value": "cards"},
        format="json",
    ).json()
    newer = client.patch(
        f"/api/v2/specifications/{spec['id']}/", {"value": "cards and wallets"}, format="json"
    ).json()
    listed = client.get(f"/api/v2/projects/{pid}/specifications/").json()["results"]
    assert [(s["value"], s["is_current"]) for s in listed] == [
        ("cards and wallets", True),
        ("cards", False),
    ]
    assert client.delete(f"/api/v2/specifications/{newer['id']}/").status_code == 204
    retired = client.get(f"/api/v2/specifications/{newer['id']}/").json()
    assert retired["is_current"] is False and retired["superseded_by"] is None

    # v2 archives with POST .../archive/; DELETE is not part of v2.
    assert client.delete(f"/api/v2/projects/{pid}/").status_code == 405
    archived = client.post(f"/api/v2/projects/{pid}/archive/")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert "Deprecation" not in archived
    blocked = client.post(f"/api/v2/projects/{pid}/sessions/", {}, format="json")
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "project_archived"
    restored = client.post(f"/api/v2/projects/{pid}/restore/").json()
    assert restored["status"] == "active" and restored["archived_at"] is None

    me = client.get("/api/v2/auth/me/").json()
    assert me["username"] == "modern" and "default_llm_provider" in me
    refreshed = APIClient().post(
        "/api/v2/auth/token/refresh/", {"refresh": client.refresh_token}, format="json"
    )
    assert refreshed.status_code == 200 and set(refreshed.json()) == {"access", "refresh"}
