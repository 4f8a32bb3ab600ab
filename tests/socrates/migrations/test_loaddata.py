"""`loaddata` without --database loads each object into its router's database."""

import io
import json

import pytest
from django.core import serializers
from django.core.management import call_command

from teams_app.models import ProjectShare, Team
from tests import factories

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


@pytest.fixture
def fixture_spanning_both_databases(tmp_path):
    user = factories.UserFactory()
    team = Team.objects.create(name="Core", created_by=user)
    share = ProjectShare.objects.create(
        project=factories.ProjectFactory(), team_id=team.id, shared_by=user.id
    )
    path = tmp_path / "both.json"
    objects = serializers.serialize("python", [team]) + serializers.serialize("python", [share])
    path.write_text(json.dumps(objects, default=str))
    share.delete()
    team.delete()
    return path


def test_loaddata_without_database_restores_objects_of_both_databases(
    fixture_spanning_both_databases,
):
    out = io.StringIO()

    call_command("loaddata", str(fixture_spanning_both_databases), stdout=out)

    assert Team.objects.get().name == "Core"
    assert ProjectShare.objects.get().team_id == Team.objects.get().id
    assert out.getvalue().splitlines() == [
        "Database 'default':",
        "Installed 1 object(s) (of 2) from 1 fixture(s)",
        "Database 'specs':",
        "Installed 1 object(s) (of 2) from 1 fixture(s)",
    ]


def test_loaddata_with_database_keeps_djangos_meaning(fixture_spanning_both_databases):
    call_command("loaddata", str(fixture_spanning_both_databases), database="specs", verbosity=0)

    assert ProjectShare.objects.count() == 1
    assert not Team.objects.exists()
