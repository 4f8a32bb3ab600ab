"""Fixtures of the LLM tests: local protocol servers, fast retries, encryption keys, clients."""

import pytest
from cryptography.fernet import Fernet

from tests.factories import UserFactory
from tests.helpers import CLAUDE_KEY, OPENAI_KEY, client_for
from tests.specs_app.llm.protocol_servers import ANTHROPIC, OPENAI, ProtocolServer


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


@pytest.fixture
def alice_client(alice):
    return client_for(alice)
