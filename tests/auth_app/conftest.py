"""Fixtures of the auth_app tests: a fresh encryption key per test, an owner's client."""

import pytest
from cryptography.fernet import Fernet


@pytest.fixture(autouse=True)
def encryption_keys(settings):
    # Stored API keys are encrypted; each test starts from its own key.
    settings.API_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return settings.API_KEY_ENCRYPTION_KEYS


@pytest.fixture
def client(owner_client):
    return owner_client
