"""Fixtures shared by the whole suite. Tests run against the real embedded PostgreSQL
(test_socrates_* databases). Helpers that tests import live in tests/helpers.py."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import ProjectFactory, UserFactory
from tests.helpers import FAST_PASSWORD_HASHERS, build_world, client_for

# Fixtures that load the real embedding model (seconds per process): a test using one is slow.
MODEL_FIXTURES = frozenset({"embedder"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test that loads the real model ``slow``, so ``-m "not slow"`` stays fast."""
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher costs ~0.3 s per password on these machines; the tests create
    # hundreds of users and test access, not hashing strength.
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _clean_shared_cache(request):
    # Throttle counters and revoked tokens live in the shared cache (a table of socrates_auth):
    # each test that reaches the databases starts with none.
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "admin_client",
        "django_user_model",
    } & set(request.fixturenames)
    if uses_db:
        cache.clear()
    yield
    if uses_db:
        cache.clear()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        username="alice", email="alice@example.com", password="s3cret-Passw0rd"
    )


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def owner():
    return UserFactory(username="owner")


@pytest.fixture
def owner_client(owner):
    return client_for(owner)


@pytest.fixture
def project(owner):
    return ProjectFactory(owner_id=owner.pk, name="Owned")


@pytest.fixture
def world():
    return build_world()
