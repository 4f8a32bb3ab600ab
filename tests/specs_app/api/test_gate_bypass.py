"""Phase and maturity change only through their rules, for every role and both versions.

Maturity is computed (v2: read-only; v1: a value sent is ignored); a phase change by PATCH/PUT
goes through the same gate and owner-only rule as advance-phase, and is audited.
"""

import pytest

from auth_app.models import AuditLog
from specs_app.models import Project
from tests.factories import ProjectFactory
from tests.helpers import BOTH, assert_error, client_for, share

pytestmark = pytest.mark.django_db(databases=BOTH)


def state(project):
    fresh = Project.objects.get(pk=project.pk)
    return fresh.current_phase, fresh.maturity_score


@pytest.mark.parametrize(
    ("version", "body"),
    [
        ("v2", {"current_phase": "implementation", "maturity_score": 100}),
        ("v1", {"phase": "implementation", "maturity_level": 100}),
    ],
)
def test_a_write_member_cannot_jump_phases_or_set_maturity(project, version, body):
    writer = share(project, level="write")

    response = client_for(writer).patch(f"/api/{version}/projects/{project.pk}/", body)

    assert_error(response, 409, "phase_not_next")
    assert state(project) == ("discovery", 0.0)


@pytest.mark.parametrize(("version", "field"), [("v2", "current_phase"), ("v1", "phase")])
def test_a_write_member_asking_for_the_next_phase_gets_the_owner_only_rule(project, version, field):
    writer = share(project, level="write")

    response = client_for(writer).patch(
        f"/api/{version}/projects/{project.pk}/", {field: "analysis"}
    )

    error = assert_error(response, 403)
    assert error["message"] == "Only the project's owner can move it to another phase."
    assert state(project) == ("discovery", 0.0)


@pytest.mark.parametrize(("version", "field"), [("v2", "current_phase"), ("v1", "phase")])
def test_the_owner_changing_phase_by_patch_meets_the_gate_and_it_is_audited(
    owner, owner_client, project, version, field
):
    response = owner_client.patch(f"/api/{version}/projects/{project.pk}/", {field: "analysis"})

    error = assert_error(response, 409, "phase_gate_failed")
    assert "Maturity is 0; analysis needs at least 60" in error["message"]
    assert state(project) == ("discovery", 0.0)
    assert AuditLog.objects.filter(
        action="project.phase_gate", user=owner, resource_id=str(project.pk)
    ).exists()


def test_v2_maturity_is_read_only_for_the_owner_too(owner_client, project):
    response = owner_client.patch(
        f"/api/v2/projects/{project.pk}/", {"maturity_score": 100, "description": "new"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["maturity_score"] == 0
    assert state(project) == ("discovery", 0.0)
    assert Project.objects.get(pk=project.pk).description == "new"


def test_v1_ignores_a_maturity_level_sent_by_the_owner(owner_client, project):
    response = owner_client.put(
        f"/api/v1/projects/{project.pk}/", {"name": "Renamed", "maturity_level": 100}
    )

    assert response.status_code == 200, response.content
    assert response.json()["maturity_level"] == 0
    assert state(project) == ("discovery", 0.0)


def test_v2_refuses_to_create_a_project_past_discovery(owner_client):
    response = owner_client.post(
        "/api/v2/projects/", {"name": "Shortcut", "current_phase": "implementation"}
    )

    error = assert_error(response, 400, "invalid")
    assert "starts in discovery" in error["message"]
    assert not Project.objects.filter(name="Shortcut").exists()


def test_v1_creates_in_discovery_at_maturity_0_whatever_is_sent(owner_client):
    response = owner_client.post(
        "/api/v1/projects/",
        {"name": "Old client", "phase": "design", "maturity_level": 100},
    )

    assert response.status_code == 201, response.content
    assert (response.json()["phase"], response.json()["maturity_level"]) == ("discovery", 0)


def test_a_phase_sent_unchanged_is_not_a_phase_change(owner_client, project):
    response = owner_client.put(
        f"/api/v2/projects/{project.pk}/", {"name": "Same phase", "current_phase": "discovery"}
    )

    assert response.status_code == 200, response.content
    assert not AuditLog.objects.filter(action="project.phase_gate").exists()


def test_generation_stays_locked_while_maturity_is_computed_low(owner, owner_client, settings):
    settings.GENERATION_MIN_MATURITY = 100
    project = ProjectFactory(owner_id=owner.pk)
    owner_client.patch(f"/api/v2/projects/{project.pk}/", {"maturity_score": 100})

    response = owner_client.post(f"/api/v2/projects/{project.pk}/generations/")

    assert_error(response, 409, "generation_gate_failed")
