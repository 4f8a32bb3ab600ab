"""Conflict detection runs on every specification write, whatever the entry point."""

import pytest

from auth_app.rules import rules_set
from specs_app import services
from specs_app.models import Conflict, TestResult

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def create(project, category, key, value, **extra):
    return services.specification_create(
        project=project, category=category, key=key, value=value, **extra
    )


def test_a_different_value_from_another_source_conflicts_and_waits(project):
    old = create(project, "performance", "response_time", "200 ms")

    new = services.specification_update(spec=old, value="800 ms", source="import")

    assert new.is_current is False
    old.refresh_from_db()
    assert (old.is_current, old.superseded_by_id, old.superseded_at) == (True, None, None)
    conflict = Conflict.objects.get(project=project)
    assert (conflict.conflict_type, conflict.severity, conflict.status) == (
        "requirement",
        "medium",
        "open",
    )
    assert conflict.spec_ids == [old.pk, new.pk]
    assert conflict.description == (
        "performance.response_time is '200 ms' (from user_input); the new value '800 ms' comes "
        "from import."
    )


def test_a_new_value_from_the_same_source_is_a_new_version(project):
    old = create(project, "performance", "response_time", "200 ms")

    new = services.specification_update(spec=old, value="300 ms")

    assert new.is_current is True
    assert not Conflict.objects.exists()


def test_a_second_member_of_an_exclusive_group_conflicts(project):
    database = create(project, "tech_stack", "database", "postgresql 16")

    second = create(project, "tech_stack", "primary_database", "mysql 8")

    assert second.is_current is False
    conflict = Conflict.objects.get(project=project)
    assert (conflict.conflict_type, conflict.severity) == ("technology", "high")
    assert conflict.spec_ids == [database.pk, second.pk]
    assert conflict.description == (
        "One primary database only: PostgreSQL is current (tech_stack.database = "
        "'postgresql 16'), and MySQL would be a second (tech_stack.primary_database = 'mysql 8')."
    )


def test_groups_compare_only_their_own_keys_and_versions_of_one_member_agree(project):
    create(project, "tech_stack", "language", "python 3.12")
    frontend = create(project, "tech_stack", "frontend_language", "typescript 5")
    cache = create(project, "tech_stack", "cache", "redis 7")
    database = create(project, "tech_stack", "database", "postgresql 15")

    upgraded = services.specification_update(spec=database, value="postgresql 16")

    assert all(s.is_current for s in (frontend, cache, upgraded))
    assert not Conflict.objects.exists()


def test_an_explicit_edit_of_a_choice_replaces_it_without_conflict(project):
    database = create(project, "tech_stack", "database", "postgresql 16")

    mysql = services.specification_update(spec=database, value="mysql 8")

    assert mysql.is_current is True
    assert not Conflict.objects.exists()


def test_a_rule_of_the_owner_flags_a_specification(project, owner):
    rules_set(user=owner, rules={"no_mongodb": True, "prefer_postgresql": True})

    spec = create(project, "tech_stack", "database", "mongodb 7")

    assert spec.is_current is False
    conflicts = Conflict.objects.filter(project=project).order_by("severity")
    assert [(c.severity, c.spec_ids) for c in conflicts] == [
        ("high", [spec.pk]),
        ("medium", [spec.pk]),
    ]
    assert conflicts[0].description == (
        "Rule no_mongodb: tech_stack.database = 'mongodb 7' chooses MongoDB, which the rule "
        "no_mongodb forbids."
    )
    assert conflicts[1].description.startswith("Rule prefer_postgresql: ")


def test_the_v2_specification_endpoint_runs_detection_too(client, owner, project):
    rules_set(user=owner, rules={"no_mongodb": True})

    response = client.post(
        f"/api/v2/projects/{project.pk}/specifications/",
        {"category": "tech_stack", "key": "database", "value": "MongoDB"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["is_current"] is False
    conflicts = client.get(f"/api/v2/projects/{project.pk}/conflicts/?status=open").json()
    assert [c["spec_ids"] for c in conflicts["results"]] == [[response.json()["id"]]]


def test_a_tech_stack_write_reruns_the_compatibility_matrix(project):
    create(project, "tech_stack", "framework", "django 5.2")
    database = create(project, "tech_stack", "database", "postgresql 13")

    latest = TestResult.objects.filter(project=project).order_by("-created_at", "-id").first()
    assert latest.test_status == "failed"
    assert latest.results["trigger"] == "specification_write"
    assert latest.results["incompatibilities"][0]["spec_ids"][1] == str(database.pk)

    services.specification_update(spec=database, value="postgresql 16")
    assert TestResult.objects.filter(project=project).latest("created_at").test_status == "passed"
    # Writes outside the tech stack do not run it.
    count = TestResult.objects.count()
    create(project, "goals", "problem_statement", "Clinics lose appointments")
    assert TestResult.objects.count() == count


def test_every_write_keeps_the_projects_maturity(project):
    create(project, "goals", "problem_statement", "Clinics lose appointments", confidence=1.0)

    project.refresh_from_db()
    assert project.maturity_score == round(100 * 1 / 26, 2)  # 3.85
