"""check_integrity finds ids in socrates_specs that name no user or team in socrates_auth."""

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from knowledge_app.models import KnowledgeBaseDocument
from socrates import crossdb, integrity
from specs_app.models import Conflict, LlmUsage, Project
from teams_app.models import ProjectShare, Team
from tests.factories import UserFactory

BOTH = ["default", "specs"]


def run_check(*args):
    out = io.StringIO()
    call_command("check_integrity", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def report_for(reports, label):
    return next(report for report in reports if report.reference.label == label)


@pytest.fixture
def clean_data(db):
    """One user, team, project, share, conflict, usage row and document that all resolve."""
    user = UserFactory()
    team = Team.objects.create(name="Core", created_by=user)
    project = Project.objects.create(owner_id=user.pk, creator_id=user.pk, name="Atlas")
    ProjectShare.objects.create(project=project, team_id=team.pk, shared_by=user.pk)
    Conflict.objects.create(
        project=project, conflict_type="technology", description="x", resolved_by_user=user.pk
    )
    LlmUsage.objects.create(user_id=user.pk, project=project, provider="claude", model="m")
    KnowledgeBaseDocument.objects.create(project=project, user_id=user.pk, filename="a.txt")
    return user, team, project


@pytest.mark.django_db(databases=BOTH)
def test_check_integrity_passes_on_clean_data(clean_data):
    output = run_check()

    assert "projects.owner_id -> users: OK (1 ids checked)" in output
    assert "project_shares.team_id -> teams: OK (1 ids checked)" in output
    assert "No orphans." in output


@pytest.mark.django_db(databases=BOTH)
def test_check_integrity_names_a_planted_orphan_owner_and_exits_1(clean_data):
    user, _team, _project = clean_data
    ghost = uuid.uuid4()
    orphan = Project.objects.create(owner_id=ghost, creator_id=user.pk, name="Orphan")
    out = io.StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("check_integrity", stdout=out, stderr=io.StringIO())

    assert excinfo.value.returncode == 1
    assert "projects.owner_id -> users" in str(excinfo.value)
    output = out.getvalue()
    assert f"projects.owner_id -> users: 1 missing id(s) in 1 row(s); e.g. {ghost}" in output
    assert str(orphan.pk) in output
    assert "projects.creator_id -> users: OK" in output


@pytest.mark.django_db(databases=BOTH)
def test_check_integrity_finds_shares_whose_team_was_deleted(clean_data):
    _user, team, _project = clean_data
    team_id = team.pk
    team.delete()

    reports = integrity.find_orphans()

    shares = report_for(reports, "project_shares.team_id -> teams")
    assert (shares.orphan_ids, shares.orphan_rows, shares.sample_ids) == (1, 1, [team_id])
    assert report_for(reports, "project_shares.shared_by -> users").ok


@pytest.mark.django_db(databases=BOTH)
def test_check_integrity_reports_every_kind_of_user_reference_of_a_deleted_user(clean_data):
    user, _team, _project = clean_data
    user.delete()

    reports = integrity.find_orphans()

    broken = {report.reference.label for report in reports if not report.ok}
    assert broken == {
        "projects.owner_id -> users",
        "projects.creator_id -> users",
        "conflicts.resolved_by_user -> users",
        "llm_usage_tracking.user_id -> users",
        "knowledge_base_documents.user_id -> users",
        "project_shares.shared_by -> users",
    }


@pytest.mark.django_db(databases=BOTH)
def test_check_integrity_pages_through_ids_in_batches_and_counts_rows():
    users = UserFactory.create_batch(3)
    ghosts = [uuid.uuid4() for _ in range(4)]
    for owner in [user.pk for user in users] + ghosts + ghosts[:1]:
        Project.objects.create(owner_id=owner, creator_id=users[0].pk, name="p")

    report = integrity.check_reference(crossdb.references()[0], batch_size=2, sample_size=3)

    assert report.ids_checked == 7
    assert report.orphan_ids == 4
    assert report.orphan_rows == 5  # the first ghost owns two projects
    assert len(report.sample_ids) == 3
    assert set(report.sample_ids) <= set(ghosts)


@pytest.mark.django_db(databases=BOTH)
def test_check_integrity_refuses_a_batch_size_below_one():
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        run_check("--batch-size", "0")


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_check_integrity_skips_references_whose_tables_are_rolled_back():
    try:
        call_command("migrate", "knowledge_app", "zero", database="specs", verbosity=0)

        reports = {report.reference.label: report for report in integrity.find_orphans()}
    finally:
        call_command("migrate", verbosity=0)

    skipped = {label for label, report in reports.items() if report.skipped}
    assert skipped == {
        "user_behavior_patterns.user_id -> users",
        "question_effectiveness.user_id -> users",
        "knowledge_base_documents.user_id -> users",
        "project_shares.shared_by -> users",  # teams_app 0002 depends on knowledge_app
        "project_shares.team_id -> teams",
    }
    assert (
        "does not exist (phase not applied)" in reports["project_shares.team_id -> teams"].skipped
    )
    assert reports["projects.owner_id -> users"].ok
