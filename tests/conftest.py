"""Shared fixtures. Tests run against the real embedded PostgreSQL (test_socrates_* databases)."""

import pytest

BOTH_DATABASES = ["default", "specs"]


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        username="alice", email="alice@example.com", password="s3cret-Passw0rd"
    )
