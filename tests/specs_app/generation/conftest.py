"""Fixtures of the generation tests: a project that passes every gate, API clients."""

import pytest
from rest_framework.test import APIClient

from tests.factories import ProjectFactory, SpecificationFactory, UserFactory

# (category, key, value); the hand count of traceability in test_generation_api relies on it.
READY_SPECS = [
    ("goals", "problem_statement", "Clinics lose bookings on the phone."),  # README
    ("goals", "timeline", "Launch in March"),  # planning: no file implements it
    ("tech_stack", "language", "python 3.12"),  # dependency files
    ("tech_stack", "framework", "django"),  # dependency files
    ("tech_stack", "database", "postgresql 16"),  # settings, CI
    ("tech_stack", "hosting", "AWS"),  # no file implements it
    ("requirements", "core_features", "Book, move and cancel appointments"),  # stub + test
    ("security", "authentication", "Staff sign in with SSO"),  # stub + test
    ("testing", "min_coverage", "80%"),  # CI
]


@pytest.fixture(autouse=True)
def generation_settings(settings):
    settings.GENERATION_RUN_INLINE = True
    settings.GENERATION_MIN_MATURITY = 100


@pytest.fixture
def owner():
    return UserFactory(username="gen-owner")


@pytest.fixture
def client(owner):
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def ready_project(owner):
    """A mature project without open conflicts: 9 current specifications, 1 superseded."""
    project = ProjectFactory(owner_id=owner.pk, name="Clinic Bookings", maturity_score=100)
    for category, key, value in READY_SPECS:
        SpecificationFactory(project=project, category=category, key=key, value=value)
    SpecificationFactory(
        project=project,
        category="requirements",
        key="fax_support",
        value="Send bookings by fax",
        is_current=False,
    )
    return project
