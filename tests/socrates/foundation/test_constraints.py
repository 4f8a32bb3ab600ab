"""The database itself rejects rows that break the schema's rules (raw SQL cannot slip by)."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from knowledge_app.models import UserBehaviorPattern
from specs_app.models import Project, Specification

BOTH = ["default", "specs"]


def project(**fields):
    owner = uuid.uuid4()
    return Project.objects.create(owner_id=owner, creator_id=owner, name="p", **fields)


@pytest.mark.django_db(databases=BOTH)
def test_maturity_score_above_100_is_rejected():
    with pytest.raises(IntegrityError, match="projects_maturity_score_range"):
        with transaction.atomic(using="specs"):
            project(maturity_score=101)

    assert project(maturity_score=100).maturity_score == 100


@pytest.mark.django_db(databases=BOTH)
def test_unknown_project_status_is_rejected():
    with pytest.raises(IntegrityError, match="projects_status_valid"):
        with transaction.atomic(using="specs"):
            project(status="deleted")


@pytest.mark.django_db(databases=BOTH)
def test_second_current_specification_for_the_same_key_is_rejected():
    owner = project()
    Specification.objects.create(project=owner, category="tech", key="db", value="pg")

    with pytest.raises(IntegrityError, match="specifications_one_current_per_key"):
        with transaction.atomic(using="specs"):
            Specification.objects.create(project=owner, category="tech", key="db", value="mysql")

    # A superseded version of the same key is allowed next to the current one.
    Specification.objects.create(
        project=owner, category="tech", key="db", value="sqlite", is_current=False
    )


@pytest.mark.django_db(databases=BOTH)
def test_specification_confidence_above_1_is_rejected():
    with pytest.raises(IntegrityError, match="specifications_confidence_range"):
        with transaction.atomic(using="specs"):
            Specification.objects.create(
                project=project(), category="tech", key="db", value="pg", confidence=1.5
            )


@pytest.mark.django_db(databases=BOTH)
def test_behavior_pattern_confidence_above_1_is_rejected():
    with pytest.raises(IntegrityError, match="behavior_patterns_confidence_range"):
        with transaction.atomic(using="specs"):
            UserBehaviorPattern.objects.create(
                user_id=uuid.uuid4(), pattern_type="pace", confidence=1.5
            )


@pytest.mark.django_db(databases=BOTH)
def test_email_differing_only_in_case_is_rejected():
    User = get_user_model()
    User.objects.create_user(username="alice", email="alice@example.com")

    with pytest.raises(IntegrityError, match="users_email_ci_unique"):
        with transaction.atomic(using="default"):
            User.objects.create_user(username="alice2", email="Alice@EXAMPLE.com")
