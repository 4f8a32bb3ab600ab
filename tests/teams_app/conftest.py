"""Fixtures of the teams tests: a team with one member per role, and a project to share."""

import pytest
from rest_framework.test import APIClient

from teams_app import services
from tests.factories import ProjectFactory, UserFactory


@pytest.fixture
def people():
    """Users named after the role they get in `team`; oscar, stranger and pat are in no team."""
    return {
        name: UserFactory(username=name)
        for name in ("olivia", "oscar", "lena", "dev", "vera", "stranger", "pat")
    }


@pytest.fixture
def team(people):
    """Team "Core": olivia owner, lena lead, dev developer, vera viewer."""
    team = services.team_create(user=people["olivia"], name="Core")
    for name, role in (("lena", "lead"), ("dev", "developer"), ("vera", "viewer")):
        services.member_add(actor=people["olivia"], team=team, user=people[name], role=role)
    return team


@pytest.fixture
def project(people):
    """A project owned by olivia (owner of `team`), not shared yet."""
    return ProjectFactory(owner_id=people["olivia"].pk, name="Olivia's shop")


@pytest.fixture
def api():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for
