"""Fixtures of the engine tests: an owner with a project and an active session, API clients."""

import pytest
from rest_framework.test import APIClient

from specs_app import services
from tests.factories import ProjectFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash factory passwords with MD5: these tests never log in with a password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner():
    return UserFactory(username="olga")


@pytest.fixture
def project(owner):
    return ProjectFactory(owner_id=owner.pk, name="Clinic bookings")


@pytest.fixture
def session(project):
    return services.session_create(project=project)


@pytest.fixture
def api():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def client(api, owner):
    return api(owner)
