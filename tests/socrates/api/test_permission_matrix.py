"""The access policy on every path and method of the committed schemas (v1 and v2).

Generated from openapi/v1.yaml and openapi/v2.yaml, so an endpoint added to either schema is
covered without anyone remembering to: its path parameters must be named below (the test
fails on an unknown one) and every caller gets what the policy says:

- anonymous: 401 everywhere but the public auth endpoints;
- a stranger holding someone else's ids: 404 on every path that names one (existence never
  leaks), whatever the method;
- a read member: reads answer, writes are 403, but for the few that only need read;
- a write member: writes reach the endpoint (never 401/403/404), but for the admin- and
  owner-only ones (403).
"""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.factories import (
    ConflictFactory,
    GeneratedFileFactory,
    GeneratedProjectFactory,
    KnowledgeBaseDocumentFactory,
    ProjectFactory,
    ProjectShareFactory,
    QuestionFactory,
    SessionFactory,
    SpecificationFactory,
    TeamFactory,
    TeamInvitationFactory,
    TeamMemberFactory,
    UserFactory,
)
from tests.factories import TestResultFactory as ResultFactory
from tests.helpers import BOTH, client_for

pytestmark = pytest.mark.django_db(databases=BOTH)

METHODS = ("get", "post", "put", "patch", "delete")
PUBLIC = {"/auth/register/", "/auth/token/", "/auth/token/refresh/"}
# Writes (non-GET) that need no more than read access: they compute, they change nothing.
READ_LEVEL_WRITES = {("post", "/projects/{project_id}/readiness/")}
# Writes a write member may not do: admin level (archive, restore, shares, the v1 DELETE) or
# the owner's alone (the phase gate).
ABOVE_WRITE = {
    ("delete", "/projects/{project_id}/"),
    ("post", "/projects/{project_id}/archive/"),
    ("post", "/projects/{project_id}/restore/"),
    ("post", "/projects/{project_id}/advance-phase/"),
    ("post", "/projects/{project_id}/shares/"),
    ("patch", "/projects/{project_id}/shares/{share_id}/"),
    ("delete", "/projects/{project_id}/shares/{share_id}/"),
    ("get", "/projects/{project_id}/shares/"),
    ("get", "/projects/{project_id}/shares/{share_id}/"),
}
# Paths that act on the caller's own rows (no id of anyone else's): only the anonymous rule.
OWN = ("/auth/", "/me/", "/llm/", "/invitations/", "/teams/")


def operations():
    found = []
    for version in ("v1", "v2"):
        schema = yaml.safe_load(Path(settings.BASE_DIR, "openapi", f"{version}.yaml").read_text())
        for path, item in schema["paths"].items():
            route = path.removeprefix(f"/api/{version}")
            for method in METHODS:
                if method in item and not route.endswith(("/schema/", "/docs/")):
                    found.append((version, method, route))
    return found


OPERATIONS = operations()


@pytest.fixture
def world():
    owner = UserFactory(username="mx-owner")
    reader, writer, stranger = (UserFactory(username=n) for n in ("mx-read", "mx-write", "mx-x"))
    project = ProjectFactory(owner_id=owner.pk)
    session = SessionFactory(project=project)
    spec = SpecificationFactory(project=project, session=session)
    generation = GeneratedProjectFactory(project=project, generation_version=1)
    GeneratedFileFactory(generated_project=generation, file_path="README.md")
    read_team, write_team = TeamFactory(created_by=owner), TeamFactory(created_by=owner)
    TeamMemberFactory(team=read_team, user=owner, role="owner")
    TeamMemberFactory(team=read_team, user=reader, role="developer")
    TeamMemberFactory(team=write_team, user=writer, role="developer")
    share = ProjectShareFactory(project=project, team=read_team, permission_level="read")
    ProjectShareFactory(project=project, team=write_team, permission_level="write")
    ids = {
        "project_id": project.pk,
        "session_id": session.pk,
        "question_id": QuestionFactory(session=session).pk,
        "spec_id": spec.pk,
        "conflict_id": ConflictFactory(project=project, spec_ids=[spec.pk]).pk,
        "document_id": KnowledgeBaseDocumentFactory(project=project).pk,
        "result_id": ResultFactory(project=project).pk,
        "share_id": share.pk,
        "team_id": read_team.pk,
        "invitation_id": TeamInvitationFactory(team=read_team).pk,
        "user_id": owner.pk,
        "version": 1,
        "path": "README.md",
        "provider": "claude",
    }
    return {"ids": ids, "reader": reader, "writer": writer, "stranger": stranger}


def url(version, route, ids):
    for name, value in ids.items():
        route = route.replace("{" + name + "}", str(value))
    assert "{" not in route, f"unknown path parameter in {route}: name it in world()"
    return f"/api/{version}{route}"


def call(client, method, target):
    return getattr(client, method)(target, {}, format="json")


def ids_of_others(route):
    return "{" in route and not route.startswith(OWN)


def test_every_operation_of_both_schemas_is_walked():
    assert len(OPERATIONS) > 80
    assert {v for v, _m, _r in OPERATIONS} == {"v1", "v2"}


@pytest.mark.parametrize(("version", "method", "route"), OPERATIONS)
def test_the_policy_holds_on_every_operation(world, version, method, route):
    target = url(version, route, world["ids"])

    anonymous = call(client_for(None), method, target)
    if route in PUBLIC:
        assert anonymous.status_code != 401
    else:
        assert anonymous.status_code == 401, (target, anonymous.content)
        assert anonymous.json()["error"]["code"] == "not_authenticated"

    if route.startswith("/teams/{team_id}/"):
        # Teams: anyone outside the team gets 404; the members' roles are teams_app's tests.
        stranger = call(client_for(world["stranger"]), method, target)
        assert stranger.status_code == 404, (target, stranger.content)
        return
    if not ids_of_others(route):
        return

    stranger = call(client_for(world["stranger"]), method, target)
    assert stranger.status_code == 404, (target, stranger.content)
    assert stranger.json()["error"]["code"] == "not_found"

    reader = call(client_for(world["reader"]), method, target)
    if method == "get" and (method, route) not in ABOVE_WRITE:
        # Reached (a 400 for the missing query of a search, a 409 for a pending download).
        assert reader.status_code not in (401, 403, 404), (target, reader.content)
        assert reader.status_code < 500, (target, reader.content)
    elif (method, route) in READ_LEVEL_WRITES:
        assert reader.status_code not in (401, 403, 404), (target, reader.content)
    else:
        assert reader.status_code == 403, (target, reader.content)
        assert reader.json()["error"]["code"] == "permission_denied"

    writer = call(client_for(world["writer"]), method, target)
    if (method, route) in ABOVE_WRITE:
        assert writer.status_code == 403, (target, writer.content)
    else:
        assert writer.status_code not in (401, 403, 404), (target, writer.content)
