"""`manage.py phase`: status, plans, moving both databases between phases without losing rows."""

import datetime
import io

import pytest
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

from auth_app.models import AuditLog
from socrates.management.commands.phase import Command as PhaseCommand
from specs_app import models as specs
from teams_app.models import ProjectShare, Team, TeamInvitation, TeamMember
from tests import factories

BOTH = ["default", "specs"]
pytestmark = pytest.mark.django_db(transaction=True, databases=BOTH)


@pytest.fixture(autouse=True)
def back_to_latest_phase():
    """Leave both test databases fully migrated, whatever the test did."""
    yield
    call_command("migrate", verbosity=0)


def phase(*args) -> str:
    out = io.StringIO()
    call_command("phase", *args, stdout=out, stderr=out)
    return out.getvalue()


def tables(alias: str) -> set[str]:
    with connections[alias].cursor() as cursor:
        return set(connections[alias].introspection.table_names(cursor)) - {"django_migrations"}


def snapshot(alias: str, names) -> dict[str, list[dict]]:
    """Every row of each table, as dicts, in primary-key order."""
    rows = {}
    with connections[alias].cursor() as cursor:
        for table in sorted(names):
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            columns = [column.name for column in cursor.description]
            rows[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return rows


def restricted(rows: dict[str, list[dict]], keep: dict[str, list[dict]]) -> dict:
    """`rows` cut down to the tables and columns present in `keep`."""
    cut = {}
    for table, after in keep.items():
        columns = set(after[0]) if after else None
        cut[table] = [
            {k: v for k, v in row.items() if columns is None or k in columns}
            for row in rows.get(table, [])
        ]
    return cut


def populate_phase_0():
    users = factories.UserFactory.create_batch(2)
    factories.AuditLogFactory(user=users[0])
    question = factories.QuestionFactory()
    factories.SpecificationFactory(project=question.project)
    factories.ConversationFactory(session=question.session)
    factories.ConflictFactory(project=question.project)
    factories.QualityMetricFactory(project=question.project)


def populate_phase_6():
    user = factories.UserFactory()
    project = factories.ProjectFactory(owner_id=user.id)
    team = Team.objects.create(name="Core", description="The core team", created_by=user)
    TeamMember.objects.create(team=team, user=user, role="owner")
    TeamInvitation.objects.create(
        team=team,
        email="bob@example.com",
        token="t0k3n",
        invited_by=user,
        expires_at=timezone.now() + datetime.timedelta(days=7, microseconds=123457),
    )
    ProjectShare.objects.create(
        project=project, team_id=team.id, shared_by=user.id, permission_level="write"
    )


def serialized(model) -> list[dict]:
    return serializers.serialize("python", model.objects.order_by("pk"))


def test_status_shows_phase_6_on_both_databases_when_fully_migrated():
    output = phase()

    assert "Database 'default' (test_socrates_auth): phase 6" in output
    assert "Database 'specs' (test_socrates_specs): phase 6" in output
    assert output.count("nothing pending") == 2


def test_status_names_a_half_done_phase_and_what_is_pending():
    call_command("migrate", "knowledge_app", "0002_learning_tables", database="specs", verbosity=0)

    output = phase()

    assert "Database 'specs' (test_socrates_specs): phase 4, part of a later phase applied: " in (
        output
    )
    assert "knowledge_app.0001_vector_extension, knowledge_app.0002_learning_tables" in output
    assert (
        "pending for phase 5: knowledge_app.0003_document_embedding, "
        "knowledge_app.0004_document_embedding_hnsw_index, knowledge_app.0005_knowledge_passages, "
        "knowledge_app.0006_passage_embedding_hnsw_index, knowledge_app.0007_passage_vectors_inline"
    ) in output
    assert "pending for phase 6: teams_app.0002_project_shares" in output
    assert "Database 'default' (test_socrates_auth): phase 6" in output


def test_plan_prints_steps_in_dependency_safe_order_and_runs_nothing():
    output = phase("--to", "5", "--plan")

    commands = [line.strip() for line in output.splitlines() if "manage.py migrate" in line]
    assert commands[0] == "manage.py migrate teams_app zero --database specs"
    # specs goes back before auth: teams_app 0002 (specs) depends on teams_app 0001 (auth).
    assert commands.index("manage.py migrate teams_app zero --database specs") < commands.index(
        "manage.py migrate teams_app zero --database default"
    )
    assert "unapply teams_app.0002_project_shares\n" in output
    assert "unapply teams_app.0001_teams (record only: no-op on this database)" in output
    assert {"teams", "team_members", "team_invitations"} <= tables("default")
    assert "project_shares" in tables("specs")


@pytest.mark.slow  # every migration down and up again
def test_going_to_phase_0_keeps_every_phase_0_row_and_phase_6_brings_later_tables_back_empty():
    populate_phase_0()
    before = {alias: snapshot(alias, tables(alias)) for alias in BOTH}

    phase("--to", "0")

    # The shared cache is not data (it holds the phase the rollback announced).
    phase_0_tables = {alias: tables(alias) - {"socrates_cache"} for alias in BOTH}
    assert "user_rules" not in phase_0_tables["default"]
    assert "test_results" not in phase_0_tables["specs"]
    for alias in BOTH:
        at_phase_0 = snapshot(alias, phase_0_tables[alias])
        assert restricted(before[alias], at_phase_0) == at_phase_0
        if alias == "specs":
            assert len(at_phase_0["questions"]) == 1
    status = phase()
    assert "Database 'default' (test_socrates_auth): phase 0\n" in status
    assert "Database 'specs' (test_socrates_specs): phase 1 (phases 0-1 have the same" in status

    output = phase("--to", "6")

    assert "Database 'default' (test_socrates_auth): phase 6" in output
    assert "Database 'specs' (test_socrates_specs): phase 6" in output
    for alias in BOTH:
        later = tables(alias) - phase_0_tables[alias]
        assert later, f"no later-phase tables came back on {alias}"
        assert all(not rows for rows in snapshot(alias, later).values())
        # The project's phase-0 rows (Django's own tables may gain content types) are intact.
        project_tables = {
            t for t in phase_0_tables[alias] if not t.startswith(("django_", "auth_"))
        }
        assert snapshot(alias, project_tables) == {t: before[alias][t] for t in project_tables}
    assert AuditLog.objects.count() == 1


@pytest.mark.slow  # migrations down and up again
def test_dump_going_back_then_restore_after_going_forward_brings_back_identical_rows(tmp_path):
    populate_phase_6()
    models = [Team, TeamMember, TeamInvitation, ProjectShare]
    before = {model: serialized(model) for model in models}
    dump = tmp_path / "f"

    output = phase("--to", "5", "--dump", str(dump))

    assert f"manage.py phase --restore {tmp_path / 'f.json'}" in output
    assert not {"teams", "team_members", "team_invitations"} & tables("default")
    assert "project_shares" not in tables("specs")
    plan = phase("--to", "6", "--plan")
    commands = [line.strip() for line in plan.splitlines() if "manage.py migrate" in line]
    assert commands.index("manage.py migrate teams_app 0002_project_shares --database default") < (
        commands.index("manage.py migrate teams_app 0002_project_shares --database specs")
    )

    phase("--to", "6")
    assert all(not model.objects.exists() for model in models)
    phase("--restore", str(tmp_path / "f.json"))

    assert {model: serialized(model) for model in models} == before
    assert TeamInvitation.objects.get().expires_at.microsecond  # sub-millisecond precision kept


def test_going_back_refuses_while_later_tables_hold_rows_and_names_them():
    generation = specs.GeneratedProject.objects.create(
        project=factories.ProjectFactory(), generation_version=1
    )
    specs.GeneratedFile.objects.create(generated_project=generation, file_path="a.py")
    specs.GeneratedFile.objects.create(generated_project=generation, file_path="b.py")

    with pytest.raises(CommandError) as refused:
        phase("--to", "3")

    message = str(refused.value)
    assert message.startswith("Refusing to go back to phase 3: it would drop data:")
    assert "specs: table generated_projects (1 rows)" in message
    assert "specs: table generated_files (2 rows)" in message
    assert "project_shares" not in message  # empty tables are dropped without a word
    assert "--dump FILE" in message and "--force" in message
    assert {"generated_projects", "generated_files", "project_shares"} <= tables("specs")
    assert "phase 6" in phase()
    assert specs.GeneratedFile.objects.count() == 2


@pytest.mark.slow  # migrations down and up again
def test_force_goes_back_even_though_tables_hold_rows():
    specs.GeneratedProject.objects.create(project=factories.ProjectFactory(), generation_version=1)

    output = phase("--to", "3", "--force")

    assert "Dropping (--force): specs: table generated_projects (1 rows)" in output
    assert "generated_projects" not in tables("specs")
    assert "Database 'specs' (test_socrates_specs): phase 3" in output


def test_going_back_refuses_to_drop_a_column_that_holds_values():
    # A value left in users.default_llm_provider (0004) from before auth_app 0007 moved it.
    user = factories.UserFactory()
    factories.UserFactory()
    with connections["default"].cursor() as cursor:
        cursor.execute("UPDATE users SET default_llm_provider = 'claude' WHERE id = %s", [user.pk])

    with pytest.raises(CommandError, match=r"default: column users\.default_llm_provider \(1 rows"):
        phase("--to", "2")

    assert "phase 6" in phase()


def test_move_to_with_plan_only_returns_the_steps_without_running_them():
    steps = PhaseCommand(stdout=io.StringIO()).move_to(4, plan_only=True)

    # specs_app is complete at phase 4 (its 0005-0007 belong to phase 4): nothing to undo there.
    assert [(s.alias, s.app_label, s.target, s.backwards) for s in steps][:3] == [
        ("specs", "teams_app", None, True),
        ("specs", "knowledge_app", None, True),
        ("default", "teams_app", None, True),
    ]
    assert "knowledge_base_documents" in tables("specs")


def test_dump_needs_to_go_with_to():
    with pytest.raises(CommandError, match="--plan, --dump and --force go with --to N"):
        phase("--dump", "x")
