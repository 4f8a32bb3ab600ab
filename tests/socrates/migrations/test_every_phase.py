"""The app serves at every phase: both databases moved to phase P (0 to 6) with `phase --to P`,
then, without a restart, the flows of phase P work, every route of both versions answers
without a 5xx, a later phase's endpoints answer 404 `phase_not_enabled` naming both phases, the
admin leaves out later phases' models, and later phases' commands stop with one line."""

import re
import uuid
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import resolve
from rest_framework.test import APIClient

from socrates import phases
from socrates.checks import check_phase
from tests.helpers import BOTH
from tests.socrates.api.test_every_route import API_ROUTES, concrete

pytestmark = [pytest.mark.django_db(databases=BOTH, transaction=True), pytest.mark.slow]

PASSWORD = "Phase-passw0rd-42"
LATER_COMMANDS = {
    "backfill_embeddings": (5, {"dry_run": True}),
    "index_large_projects": (5, {"dry_run": True}),
    "rotate_api_keys": (3, {}),
    "deprecations": (3, {}),
}


@pytest.fixture(autouse=True)
def back_to_latest_phase(settings):
    # Dozens of logins from one address in a minute: the auth throttle is not under test here.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}
    yield
    call_command("phase", to=phases.LATEST_PHASE, verbosity=0, stdout=StringIO())
    phases.forget_effective_phase()


def route_phase(url: str) -> int:
    view = getattr(resolve(url).func, "view_class", None)
    return getattr(view, "phase", 0)


def auth_flow(version: str, username: str) -> tuple[APIClient, dict]:
    """Register, log in, refresh, read me and log out over HTTP; return a logged-in client."""
    client = APIClient()
    base = f"/api/{version}/auth"
    registered = client.post(
        f"{base}/register/",
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        format="json",
    )
    assert registered.status_code == 201, registered.content
    tokens = client.post(
        f"{base}/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert tokens.status_code == 200, tokens.content
    refreshed = client.post(f"{base}/token/refresh/", {"refresh": tokens.json()["refresh"]})
    assert refreshed.status_code == 200, refreshed.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    me = client.get(f"/api/{version}/auth/me/")
    assert me.status_code == 200, me.content
    logout = client.post(f"{base}/logout/", {"refresh": refreshed.json().get("refresh")})
    assert logout.status_code < 500, logout.content
    fresh = client.post(
        f"{base}/token/", {"username": username, "password": PASSWORD}, format="json"
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh['access']}")
    return client, me.json()


def session_flow(client: APIClient) -> dict[str, str]:
    """Project, session, next question and an answer through v2; return the ids made."""
    project = client.post("/api/v2/projects/", {"name": "Clinic"}, format="json")
    assert project.status_code == 201, project.content
    project_id = project.json()["id"]
    session = client.post(f"/api/v2/projects/{project_id}/sessions/", {}, format="json")
    assert session.status_code == 201, session.content
    session_id = session.json()["id"]
    question = client.post(f"/api/v2/sessions/{session_id}/next-question/")
    assert question.status_code == 201, question.content
    answer = client.post(
        f"/api/v2/sessions/{session_id}/answers/",
        {"question_id": question.json()["id"], "answer": "We use Django 5.2 and PostgreSQL 16."},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    specs = answer.json()["specifications"]
    v1_project = client.post("/api/v1/projects/", {"name": "Old client"}, format="json")
    assert v1_project.status_code == 201, v1_project.content
    return {
        "project_id": project_id,
        "session_id": session_id,
        "question_id": question.json()["id"],
        "spec_id": specs[0]["id"] if specs else str(uuid.uuid4()),
        "provider": "claude",
        "version": "1",
        "path": "README.md",
    }


def sweep_routes(client: APIClient, ids: dict, phase: int) -> list[str]:
    """GET, then POST an empty body to, every route of both versions; return what broke the
    promise (a 5xx, or a later phase's endpoint answering anything but phase_not_enabled)."""
    problems = []
    calls = [("GET", route) for route in API_ROUTES] + [("POST", route) for route in API_ROUTES]
    for method, route in calls:
        url = concrete(route, ids)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, {}, format="json")
        needed = route_phase(url)
        if response.status_code == 405:
            continue
        if response.status_code >= 500:
            problems.append(f"{method} {url}: {response.status_code}")
        elif needed > phase:
            body = response.json()
            if response.status_code != 404 or body["error"]["code"] != "phase_not_enabled":
                problems.append(
                    f"{method} {url}: {response.status_code} instead of phase_not_enabled"
                )
            elif f"needs phase {needed}" not in body["error"]["message"] or (
                f"at phase {phase}" not in body["error"]["message"]
            ):
                problems.append(f"{method} {url}: {body['error']['message']}")
    return problems


def admin_check(phase: int) -> list[str]:
    from django.contrib import admin
    from django.test import Client

    User = get_user_model()
    name = f"admin{phase}"
    User.objects.create_superuser(name, f"{name}@example.com", PASSWORD)
    browser = Client()
    assert browser.post(
        "/admin/login/", {"username": name, "password": PASSWORD, "next": "/admin/"}
    ).status_code in (200, 302)
    index = browser.get("/admin/")
    assert index.status_code == 200
    html = index.content.decode()
    problems = []
    for model in admin.site._registry:
        if model._meta.app_label not in ("auth_app", "specs_app", "knowledge_app", "teams_app"):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        listed = f'href="{url}"' in html
        enabled = phases.model_phase(model) <= phase
        if listed != enabled:
            problems.append(f"admin index: {model._meta.label} listed={listed}")
        page = browser.get(url)
        if page.status_code >= 500 or (enabled and page.status_code != 200):
            problems.append(f"{url}: {page.status_code}")
        first = model._default_manager.first() if enabled else None
        if first is not None:
            # The delete confirmation visits every row that refers to this one.
            delete = browser.get(f"{url}{first.pk}/delete/")
            if delete.status_code >= 500:
                problems.append(f"{url}{first.pk}/delete/: {delete.status_code}")
    return problems


def test_the_app_serves_every_phase_from_0_to_6():
    call_command("phase", to=0, verbosity=0, stdout=StringIO())
    for phase in phases.PHASES:
        if phase:
            call_command("phase", to=phase, verbosity=0, stdout=StringIO())
        assert phases.effective_phase() == phase
        warnings = [w.id for w in check_phase(databases=["default"])]
        assert warnings == ([] if phase == phases.LATEST_PHASE else ["socrates.W010"])
        problems = []
        for version in ("v1", "v2"):
            client, me = auth_flow(version, f"{version}-user-{phase}")
            if version == "v2":
                assert me["default_llm_provider"] is None
        ids = session_flow(client)
        problems += sweep_routes(client, ids, phase)
        problems += admin_check(phase)
        call_command(
            "createsuperuser",
            username=f"root{phase}",
            email=f"root{phase}@example.com",
            interactive=False,
            stdout=StringIO(),
        )
        for command, (needed, options) in LATER_COMMANDS.items():
            if needed > phase:
                with pytest.raises(CommandError, match=re.escape(f"needs phase {needed}")):
                    call_command(command, stdout=StringIO(), stderr=StringIO(), **options)
        assert problems == [], f"phase {phase}: {problems}"
