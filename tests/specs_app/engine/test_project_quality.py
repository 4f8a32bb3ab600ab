"""Readiness, phase gates and compatibility tests through /api/v2/projects/{id}/..."""

import pytest

from auth_app.models import AuditLog
from specs_app import services
from specs_app.models import Project, QualityMetric, TestResult
from tests.factories import ProjectFactory, SpecificationFactory, UserFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def fill(project, counts: dict, confidence=1.0):
    for category, count in counts.items():
        for _ in range(count):
            SpecificationFactory(project=project, category=category, confidence=confidence)


def share(project, level):
    from teams_app.models import ProjectShare, Team, TeamMember

    user = UserFactory(username=f"member-{level}")
    team = Team.objects.create(name=f"team {level}", created_by=user)
    TeamMember.objects.create(team=team, user=user, role="lead")
    ProjectShare.objects.create(
        project=project, team_id=team.pk, shared_by=project.owner_id, permission_level=level
    )
    return user


# --- readiness ---------------------------------------------------------------------------------


def test_readiness_of_a_small_project_with_exact_numbers(client, project):
    SpecificationFactory(project=project, category="goals", confidence=0.8)
    SpecificationFactory(project=project, category="goals", confidence=0.6)
    SpecificationFactory(project=project, category="tech_stack", confidence=1.0)

    response = client.post(f"/api/v2/projects/{project.pk}/readiness/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["coverage"] == 0.131  # (2/3 + 1/4) / 7 required categories
    assert body["average_confidence"] == 0.8  # (0.8 + 0.6 + 1.0) / 3
    assert body["maturity"] == 9.23  # 100 * 2.4 / 26
    assert body["score"] == 0.3411  # (0.131 + 0.8 + 0.0923) / 3
    assert (body["ready"], body["threshold"]) == (False, 0.7)
    assert {
        "kind": "category",
        "category": "security",
        "required": True,
        "have": 0,
        "target": 3,
        "missing": 3,
    } in body["missing"]
    metric = QualityMetric.objects.get(project=project, metric_type="readiness")
    assert (metric.metric_value, metric.threshold, metric.passed) == (0.3411, 0.7, False)
    assert set(QualityMetric.objects.values_list("metric_type", flat=True)) == {
        "readiness",
        "coverage",
        "maturity",
    }
    project.refresh_from_db()
    assert project.maturity_score == 9.23


def test_readiness_needs_read_access(api, project):
    outsider = UserFactory(username="outsider")
    reader = share(project, "read")

    assert_error(api(outsider).post(f"/api/v2/projects/{project.pk}/readiness/"), 404)
    assert api(reader).post(f"/api/v2/projects/{project.pk}/readiness/").status_code == 200


# --- phase gates -------------------------------------------------------------------------------

ENOUGH = {"goals": 3, "requirements": 4, "tech_stack": 4, "scalability": 2, "security": 3}


def advance(client, project, **body):
    return client.post(f"/api/v2/projects/{project.pk}/advance-phase/", body, format="json")


def test_discovery_to_analysis_needs_maturity_60(client, owner, project):
    fill(project, {"goals": 3})

    response = advance(client, project)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "phase_gate_failed"
    assert error["message"].startswith(
        "The gate from discovery to analysis failed: Maturity is 11.54; analysis needs at least 60."
    )
    assert [c["name"] for c in error["details"]["checks"] if not c["passed"]] == ["maturity"]
    project.refresh_from_db()
    assert project.current_phase == "discovery"
    audit = AuditLog.objects.get(action="project.phase_gate")
    assert (audit.user, audit.resource_id) == (owner, str(project.pk))
    assert (audit.details["passed"], audit.details["advanced"]) == (False, False)


def test_a_mature_project_without_open_conflicts_moves_to_analysis(client, project):
    fill(project, ENOUGH)  # 16 of 26 at confidence 1: maturity 61.54

    response = advance(client, project)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["project"]["current_phase"] == "analysis"
    assert body["project"]["maturity_score"] == 61.54
    assert (body["verdict"]["passed"], body["overridden"]) == (True, False)
    assert AuditLog.objects.get(action="project.phase_gate").details["advanced"] is True
    assert not AuditLog.objects.filter(action="project.phase_gate_override").exists()


def test_an_open_conflict_blocks_the_gate(client, project):
    fill(project, ENOUGH)
    services.specification_create(
        project=project, category="tech_stack", key="database", value="postgresql 16"
    )
    services.specification_create(
        project=project, category="tech_stack", key="primary_database", value="mysql 8"
    )

    response = advance(client, project)

    assert response.status_code == 409
    failed = [c for c in response.json()["error"]["details"]["checks"] if not c["passed"]]
    assert [(c["name"], c["value"]) for c in failed] == [("open_conflicts", 1)]


def test_the_owner_can_override_a_failed_gate_and_it_is_audited(client, owner, project):
    response = advance(client, project, override=True, reason="Demo for the investors")

    assert response.status_code == 200, response.content
    assert response.json()["overridden"] is True
    assert Project.objects.get(pk=project.pk).current_phase == "analysis"
    gate = AuditLog.objects.get(action="project.phase_gate")
    assert (gate.details["passed"], gate.details["override_requested"]) == (False, True)
    override = AuditLog.objects.get(action="project.phase_gate_override")
    assert override.user == owner
    assert override.details["reason"] == "Demo for the investors"
    assert [c["name"] for c in override.details["failed_checks"]] == ["maturity"]


def test_only_the_owner_moves_a_project(api, project):
    admin = share(project, "admin")

    response = advance(api(admin), project, override=True)

    assert_error(response, 403)
    assert Project.objects.get(pk=project.pk).current_phase == "discovery"
    assert not AuditLog.objects.filter(action__startswith="project.phase").exists()


def test_later_phases_have_no_checks_and_the_last_phase_is_final(client, owner):
    project = ProjectFactory(owner_id=owner.pk, current_phase="analysis")

    assert advance(client, project).json()["project"]["current_phase"] == "design"
    assert advance(client, project).json()["project"]["current_phase"] == "implementation"
    response = advance(client, project)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_phase"


# --- compatibility tests -----------------------------------------------------------------------


def test_an_incompatible_stack_produces_a_failed_test_result_naming_both_specs(client, project):
    django = services.specification_create(
        project=project, category="tech_stack", key="framework", value="django 5.2"
    )
    python = services.specification_create(
        project=project, category="tech_stack", key="language", value="python 3.9"
    )

    response = client.post(f"/api/v2/projects/{project.pk}/compatibility-tests/")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["test_type"], body["test_status"]) == ("compatibility", "failed")
    [problem] = body["results"]["incompatibilities"]
    assert problem["spec_ids"] == [str(django.pk), str(python.pk)]
    assert problem["rule"] == "django-5.2-python"
    assert problem["fix"].startswith("Use Python 3.12")
    assert body["technology_stack"]["tech_stack.framework"]["version"] == "5.2"
    assert body["error_message"] == (
        f"Django 5.2 needs Python 3.10 to 3.14. (tech_stack.framework = 'django 5.2' "
        f"[{django.pk}], tech_stack.language = 'python 3.9' [{python.pk}])"
    )


def test_test_results_are_listed_newest_first_and_readable_one_by_one(client, project):
    services.specification_create(
        project=project, category="tech_stack", key="language", value="python 3.12"
    )
    manual = client.post(f"/api/v2/projects/{project.pk}/compatibility-tests/").json()

    listing = client.get(f"/api/v2/projects/{project.pk}/test-results/")
    assert listing.status_code == 200
    results = listing.json()["results"]
    assert [r["results"]["trigger"] for r in results] == ["manual", "specification_write"]
    assert all(r["test_status"] == "passed" for r in results)
    failed = client.get(f"/api/v2/projects/{project.pk}/test-results/?test_status=failed")
    assert failed.json()["results"] == []

    detail = client.get(f"/api/v2/projects/{project.pk}/test-results/{manual['id']}/")
    assert detail.json() == manual
    other = ProjectFactory(owner_id=project.owner_id)
    assert client.get(f"/api/v2/projects/{other.pk}/test-results/{manual['id']}/").status_code == (
        404
    )
    bad = client.get(f"/api/v2/projects/{project.pk}/test-results/nope/")
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "result_id: 'nope' is not a valid UUID."
    assert TestResult.objects.count() == 2
