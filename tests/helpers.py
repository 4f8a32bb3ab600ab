"""Helpers the tests share: constants, API clients, the error shape, shared projects.

Fixtures live in conftest.py files; a test module imports only from here, tests.factories
and the code under test (never from a conftest).
"""

from dataclasses import dataclass

from rest_framework.test import APIClient

from tests.factories import (
    ConflictFactory,
    ConversationFactory,
    ProjectFactory,
    QuestionFactory,
    SessionFactory,
    SpecificationFactory,
    UserFactory,
)

BOTH = ["default", "specs"]
PASSWORD = "s3cret-Passw0rd"
CLAUDE_KEY = "sk-ant-test-0123456789abcdef-WXYZ"
OPENAI_KEY = "sk-test-openai-9876543210-LAST"
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> APIClient:
    """Return an API client authenticated as ``user`` (anonymous for None)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def error_of(response) -> dict:
    """Return the ``error`` object of a response in the API's single error shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


def share(project, *, level: str, role: str = "developer", username: str | None = None):
    """Return a new user reaching ``project`` through a team share at ``level`` with ``role``."""
    from teams_app.models import ProjectShare, Team, TeamMember

    user = UserFactory(username=username or f"{role}-{level}")
    team = Team.objects.create(name=f"team {user.username}", created_by=user)
    TeamMember.objects.create(team=team, user=user, role=role)
    ProjectShare.objects.create(
        project=project, team_id=team.pk, shared_by=project.owner_id, permission_level=level
    )
    return user


@dataclass
class World:
    """One project with one of everything under it, and a user per access level."""

    owner: object
    project: object
    session: object
    paused_session: object
    question: object
    spec: object
    conflict: object
    users: dict

    def ids(self) -> dict:
        return {
            "p": self.project.pk,
            "s": self.session.pk,
            "ps": self.paused_session.pk,
            "q": self.question.pk,
            "sp": self.spec.pk,
            "c": self.conflict.pk,
        }


def build_world(*callers: str) -> World:
    """Build the world with users for ``callers`` only (all of them when none is named)."""
    wanted = set(callers) or set(CALLER_BUILDERS)
    owner = UserFactory(username="world-owner")
    project = ProjectFactory(owner_id=owner.pk, name="World")
    session = SessionFactory(project=project)
    paused = SessionFactory(project=project, status="paused")
    question = QuestionFactory(session=session)
    ConversationFactory(session=session, role="assistant", content="What is it for?")
    spec = SpecificationFactory(project=project, session=session, key="database", value="pg")
    rival = SpecificationFactory(project=project, key="db", value="mongo")
    conflict = ConflictFactory(project=project, spec_ids=[spec.pk, rival.pk])
    users = {"owner": owner, "anonymous": None}
    for caller in wanted - set(users):
        users[caller] = CALLER_BUILDERS[caller](project)
    return World(owner, project, session, paused, question, spec, conflict, users)


CALLER_BUILDERS = {
    "owner": None,
    "admin": lambda p: share(p, level="admin", role="developer", username="sh-admin"),
    "write": lambda p: share(p, level="write", role="developer", username="sh-write"),
    "read": lambda p: share(p, level="read", role="lead", username="sh-read"),
    "viewer_admin_share": lambda p: share(p, level="admin", role="viewer", username="sh-viewer"),
    "stranger": lambda p: UserFactory(username="stranger"),
    "anonymous": None,
}


ERROR_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Assert the status and the error code (by default the status's usual one); return it."""
    assert response.status_code == status, response.content
    error = error_of(response)
    assert error["code"] == (code or ERROR_CODES[status]), error
    return error
