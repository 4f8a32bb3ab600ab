"""`phase --to N --dump FILE` then `phase --restore FILE`, as an operator meets them: writes made
after going forward survive the restore, a row deleted meanwhile stays deleted, a second restore
is a no-op, the file is private, and a bad file is refused before anything is written."""

import io
import json
import os
import re
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from rest_framework.test import APIClient

from specs_app.models import Project
from teams_app.models import Team, TeamMember
from tests import factories
from tests.helpers import BOTH

pytestmark = [pytest.mark.django_db(transaction=True, databases=BOTH), pytest.mark.slow]


@pytest.fixture(autouse=True)
def back_to_latest_phase():
    yield
    call_command("migrate", verbosity=0)


def phase(*args) -> str:
    out = io.StringIO()
    call_command("phase", *args, stdout=out, stderr=out)
    return out.getvalue()


def legacy_llm_column(project, provider: str) -> None:
    """A value in projects.llm_provider, as a database migrated before specs_app 0007 holds."""
    with connections["specs"].cursor() as cursor:
        cursor.execute(
            "UPDATE projects SET llm_provider = %s WHERE id = %s", [provider, project.pk]
        )


def column_value(project_id) -> str | None:
    with connections["specs"].cursor() as cursor:
        cursor.execute("SELECT llm_provider FROM projects WHERE id = %s", [project_id])
        row = cursor.fetchone()
        return row[0] if row else None


def world():
    owner = factories.UserFactory(username="restorer")
    kept, edited, deleted = (
        factories.ProjectFactory(owner_id=owner.pk, name=name)
        for name in ("Kept", "Edited", "Gone")
    )
    for project in (kept, edited, deleted):
        legacy_llm_column(project, "openai")
    team = Team.objects.create(name="Core", created_by=owner)
    TeamMember.objects.create(team=team, user=owner, role="owner")
    return owner, kept, edited, deleted


def test_a_restore_after_going_forward_keeps_every_write_made_since(tmp_path):
    owner, kept, edited, deleted = world()
    dump = tmp_path / "before-phase-2.json"

    output = phase("--to", "2", "--dump", str(dump))

    assert f"manage.py phase --restore {dump}" in output
    assert stat.S_IMODE(os.stat(dump).st_mode) == 0o600
    document = json.loads(dump.read_text())
    dropped_column = next(c for c in document["columns"] if c["column"] == "llm_provider")
    # Only the key, the dropped column's value and the row's updated_at: never whole rows.
    assert sorted(row[0] for row in dropped_column["rows"]) == sorted(
        str(p.pk) for p in (kept, edited, deleted)
    )
    assert all(len(row) == 3 for row in dropped_column["rows"])
    assert "projects" not in {table["table"] for table in document["tables"]}
    assert '"Edited"' not in dump.read_text()  # no project's other columns

    # While at phase 2, and after going forward, people keep working.
    client = APIClient()
    client.force_authenticate(owner)
    for _ in range(5):
        response = client.patch(
            f"/api/v2/projects/{edited.pk}/", {"description": "changed at phase 2"}, format="json"
        )
        assert response.status_code == 200, response.content
    phase("--to", "6")
    Project.objects.filter(pk=deleted.pk).delete()
    response = client.patch(
        f"/api/v2/projects/{edited.pk}/", {"description": "changed at phase 6"}, format="json"
    )
    assert response.status_code == 200
    edited_after = Project.objects.get(pk=edited.pk)

    report = phase("--restore", str(dump))

    assert "restored 1 into specs: projects.llm_provider" in report
    assert "skipped 1 of specs: projects.llm_provider: the row was changed since" in report
    assert "skipped 1 of specs: projects.llm_provider: the row was deleted since" in report
    assert "restored 1 into default: teams" in report
    assert column_value(kept.pk) == "openai"
    assert column_value(edited.pk) is None
    assert not Project.objects.filter(pk=deleted.pk).exists()
    after = Project.objects.get(pk=edited.pk)
    assert (after.description, after.updated_at) == (
        "changed at phase 6",
        edited_after.updated_at,
    )
    assert Team.objects.get().name == "Core"

    again = phase("--restore", str(dump))

    assert "restored " not in again.replace("already restored", "")
    assert "skipped 1 of default: teams: already present" in again
    assert "skipped 1 of specs: projects.llm_provider: already restored" in again
    assert Team.objects.count() == 1


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text[: len(text) // 2], "is not a phase dump (not JSON, or cut short"),
        (lambda text: '{"hello": "world"}', "is not a phase dump (written by"),
        (lambda text: text.replace('"Core"', '"Evil"'), "is damaged"),
        (lambda text: _other_databases(text), "comes from databases"),
    ],
    ids=["truncated", "not-a-dump", "edited", "other-databases"],
)
def test_a_bad_file_is_refused_before_anything_is_written(tmp_path, damage, message):
    world()
    dump = tmp_path / "d.json"
    phase("--to", "5", "--dump", str(dump))
    phase("--to", "6")
    bad = tmp_path / "bad.json"
    bad.write_text(damage(dump.read_text()))

    with pytest.raises(CommandError, match=re.escape(message)):
        phase("--restore", str(bad))

    assert not Team.objects.exists()


def test_a_restore_before_going_forward_names_the_phase_to_go_to(tmp_path):
    world()
    dump = tmp_path / "d.json"
    phase("--to", "5", "--dump", str(dump))

    with pytest.raises(CommandError, match="go forward to phase 6 first"):
        phase("--restore", str(dump))


def test_a_phase_change_is_refused_while_another_one_holds_the_lock():
    other = connections.create_connection("specs")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [0x50484153])
        with pytest.raises(CommandError, match="Another `manage.py phase` or `migrate`"):
            phase("--to", "5")
        with pytest.raises(CommandError, match="Another `manage.py phase` or `migrate`"):
            call_command("migrate", verbosity=0)
    finally:
        other.close()
    assert "phase 6" in phase()


def _other_databases(text: str) -> str:
    from socrates.migration_checks.phase_dump import _checksum

    document = json.loads(text)
    document.pop("checksum")
    document["databases"] = {
        alias: f"{name}_elsewhere" for alias, name in document["databases"].items()
    }
    document["checksum"] = _checksum(document)
    return json.dumps(document)
