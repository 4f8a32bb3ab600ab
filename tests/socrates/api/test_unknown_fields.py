"""One rule for unknown body fields: v2 answers 400 naming them, v1 (frozen) ignores them."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from teams_app.models import ProjectShare
from tests.factories import SessionFactory, TeamFactory, TeamMemberFactory
from tests.helpers import BOTH, assert_error, client_for

pytestmark = pytest.mark.django_db(databases=BOTH)


def test_a_misspelt_share_permission_is_refused_not_made_a_read_share(owner, project):
    team = TeamFactory(created_by=owner)
    TeamMemberFactory(team=team, user=owner, role="owner")

    response = client_for(owner).post(
        f"/api/v2/projects/{project.pk}/shares/",
        {"team_id": str(team.pk), "permission": "admin"},
        format="json",
    )

    error = assert_error(response, 400, "invalid")
    assert error["details"]["permission"][0].startswith("Unknown field; accepted:")
    assert not ProjectShare.objects.exists()


def test_v2_names_every_unknown_field_and_changes_nothing(owner, project):
    response = client_for(owner).patch(
        f"/api/v2/projects/{project.pk}/", {"nmae": "typo", "colour": "red"}, format="json"
    )

    error = assert_error(response, 400, "invalid")
    assert set(error["details"]) == {"colour", "nmae"}
    project.refresh_from_db()
    assert project.name == "Owned"


def test_v2_accepts_read_only_fields_sent_back_from_a_get(owner, project):
    client = client_for(owner)
    body = client.get(f"/api/v2/projects/{project.pk}/").json()

    response = client.put(
        f"/api/v2/projects/{project.pk}/", body | {"name": "Renamed"}, format="json"
    )

    assert response.status_code == 200, response.content


def test_v1_keeps_ignoring_unknown_fields(owner, project):
    response = client_for(owner).patch(
        f"/api/v1/projects/{project.pk}/", {"description": "new", "colour": "red"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["description"] == "new"


FILLED = ("{project_id}", "{session_id}", "{provider}")


def v2_writes():
    """JSON writes of v2 whose path the owner's project and session fill (objects of other
    kinds are walked by test_permission_matrix.py)."""
    schema = yaml.safe_load(Path(settings.BASE_DIR, "openapi", "v2.yaml").read_text())
    for path, item in schema["paths"].items():
        rest = path
        for name in FILLED:
            rest = rest.replace(name, "")
        for method in ("post", "put", "patch"):
            body = item.get(method, {}).get("requestBody", {}).get("content", {})
            if "application/json" in body and "{" not in rest:
                yield method, path


@pytest.mark.parametrize(("method", "path"), sorted(v2_writes()))
def test_no_v2_write_succeeds_with_an_unknown_field(owner, project, method, path):
    ids = {
        "{project_id}": project.pk,
        "{session_id}": SessionFactory(project=project).pk,
        "{provider}": "claude",
    }
    for name, value in ids.items():
        path = path.replace(name, str(value))

    response = getattr(client_for(owner), method)(
        path, {"surely_not_a_field_of_this": 1}, format="json"
    )

    assert response.status_code >= 400, (path, response.content)
    assert response.status_code < 500, (path, response.content)
