"""Fixtures of the LLM tests: local protocol servers, fast retries, encryption keys, clients."""

import pytest
from cryptography.fernet import Fernet
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.llm.protocol_servers import ANTHROPIC, OPENAI, ProtocolServer

BOTH = ["default", "specs"]
CLAUDE_KEY = "sk-ant-test-0123456789abcdef-WXYZ"
OPENAI_KEY = "sk-test-openai-9876543210-LAST"


@pytest.fixture(autouse=True)
def llm_settings(settings):
    """Short timeouts and near-zero backoff, so retries and timeouts cost milliseconds."""
    settings.LLM_TIMEOUT_SECONDS = 5.0
    settings.LLM_MAX_RETRIES = 2
    settings.LLM_BACKOFF_SECONDS = 0.01
    settings.LLM_BACKOFF_MAX_SECONDS = 0.02
    settings.LLM_REPHRASE_TIMEOUT_SECONDS = 5.0
    settings.LLM_REPHRASE_MAX_RETRIES = 1
    settings.API_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


@pytest.fixture
def anthropic_server(settings):
    server = ProtocolServer(ANTHROPIC, api_key=CLAUDE_KEY).start()
    settings.ANTHROPIC_BASE_URL = server.base_url
    yield server
    server.stop()


@pytest.fixture
def openai_server(settings):
    server = ProtocolServer(OPENAI, api_key=OPENAI_KEY).start()
    settings.OPENAI_BASE_URL = server.base_url
    yield server
    server.stop()


@pytest.fixture
def ollama_server(settings):
    """An OpenAI-compatible server without authentication, as Ollama serves on /v1."""
    server = ProtocolServer(OPENAI, api_key=None).start()
    settings.OLLAMA_BASE_URL = server.base_url
    yield server
    server.stop()


@pytest.fixture
def alice():
    return UserFactory(username="alice-llm")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def alice_client(alice):
    return client_for(alice)


def share(project, *, level: str, username: str, role: str = "developer"):
    """Return a new user who reaches ``project`` through a team share at ``level``."""
    from teams_app.models import ProjectShare, Team, TeamMember

    user = UserFactory(username=username)
    team = Team.objects.create(name=f"team {username}", created_by=user)
    TeamMember.objects.create(team=team, user=user, role=role)
    ProjectShare.objects.create(
        project=project, team_id=team.pk, shared_by=project.owner_id, permission_level=level
    )
    return user
