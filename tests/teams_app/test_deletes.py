"""Deleting a team or a user leaves nothing dangling in either database."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from auth_app.models import AuditLog
from knowledge_app import learning
from knowledge_app.models import KnowledgeBaseDocument, QuestionEffectiveness, UserBehaviorPattern
from socrates import integrity
from socrates.deletion import user_delete
from socrates.errors import Conflict
from specs_app import access
from specs_app.models import LlmUsage
from teams_app import services
from teams_app.models import ProjectShare, Team, TeamInvitation, TeamMember
from tests.factories import ConflictFactory, ProjectFactory

pytestmark = pytest.mark.django_db(databases=["default", "specs"])

User = get_user_model()


def orphans() -> dict[str, int]:
    """Return {reference: orphan rows} for every reference check_integrity finds broken."""
    return {r.reference.label: r.orphan_rows for r in integrity.find_orphans() if not r.ok}


def assert_check_integrity_is_clean():
    out = io.StringIO()
    call_command("check_integrity", stdout=out)
    assert "No orphans." in out.getvalue()


@pytest.fixture
def shared(people, team):
    """Two of olivia's projects shared with `team`, plus a pending invitation."""
    projects = [ProjectFactory(owner_id=people["olivia"].pk) for _ in range(2)]
    for project, level in zip(projects, ["read", "admin"], strict=True):
        services.share_create(
            actor=people["olivia"], project=project, team_id=team.pk, permission=level
        )
    services.invitation_create(actor=people["olivia"], team=team, email="new@example.com")
    return projects


def test_deleting_a_team_removes_shares_members_and_invitations_in_both_databases(
    people, team, shared
):
    services.team_delete(actor=people["olivia"], team=team)

    assert not Team.objects.filter(pk=team.pk).exists()
    assert not TeamMember.objects.filter(team_id=team.pk).exists()
    assert not TeamInvitation.objects.filter(team_id=team.pk).exists()
    assert not ProjectShare.objects.filter(team_id=team.pk).exists()
    assert access.access_to(people["lena"], shared[1]) is None
    assert orphans() == {}
    assert_check_integrity_is_clean()
    reasons = AuditLog.objects.filter(details__reason="team_deleted")
    assert sorted(reasons.values_list("action", flat=True)) == [
        *["project.share_deleted"] * 2,
        *["team.member_removed"] * 4,
    ]


def test_a_team_delete_interrupted_after_the_shares_leaves_no_access_and_can_be_rerun(
    people, team, shared
):
    # The first step of team_delete on its own is what a crash right after it leaves behind.
    services.team_purge_shares(team_ids=[team.pk])

    assert access.access_to(people["lena"], shared[1]) is None
    assert orphans() == {}

    services.team_delete(actor=people["olivia"], team=team)

    assert not Team.objects.filter(pk=team.pk).exists()
    assert orphans() == {}


def test_shares_of_a_team_deleted_behind_the_services_back_are_purged(people, team, shared):
    Team.objects.filter(pk=team.pk).delete()  # as a raw delete (or an old admin action) would
    assert orphans() == {"project_shares.team_id -> teams": 2}

    assert services.share_purge_orphans() == {"project_shares.team_id -> teams": 2}

    assert orphans() == {}


def test_a_user_who_owns_projects_cannot_be_deleted(people, team, shared):
    with pytest.raises(
        Conflict, match="olivia owns 2 project\\(s\\); transfer or delete them"
    ) as e:
        user_delete(user_id=people["olivia"].pk)

    assert e.value.code == "user_owns_projects"
    assert User.objects.get(pk=people["olivia"].pk).is_active


def test_the_last_owner_of_a_team_with_others_cannot_be_deleted(people, team):
    with pytest.raises(Conflict, match="olivia is the last owner of a team with other members"):
        user_delete(user_id=people["olivia"].pk)

    assert User.objects.filter(pk=people["olivia"].pk).exists()


def test_deleting_a_user_leaves_no_dangling_rows_and_check_integrity_clean(people, team, shared):
    lena = people["lena"]
    # lena re-shares olivia's project with her own one-person team, created a project that
    # olivia now owns, uploaded a document, resolved a conflict, used an LLM, and was learned.
    solo = services.team_create(user=lena, name="Lena alone")
    services.share_create(actor=lena, project=shared[1], team_id=solo.pk, permission="read")
    other = services.team_create(user=lena, name="Lena and dev")
    services.member_add(actor=lena, team=other, user=people["dev"], role="owner")
    services.share_create(actor=lena, project=shared[1], team_id=other.pk, permission="write")
    created = ProjectFactory(owner_id=people["olivia"].pk, creator_id=lena.pk)
    KnowledgeBaseDocument.objects.create(project=created, user_id=lena.pk, filename="notes.txt")
    conflict = ConflictFactory(project=created, resolved_by_user=lena.pk)
    LlmUsage.objects.create(user_id=lena.pk, provider="claude", model="m")
    learning.record_answer(
        user_id=lena.pk,
        project_id=created.pk,
        template_id="goals.problem",
        role="owner",
        answer_text="We use Python and PostgreSQL.",
        specs_extracted=1,
    )

    summary = user_delete(user_id=lena.pk, actor=people["olivia"])

    assert not User.objects.filter(pk=lena.pk).exists()
    assert not Team.objects.filter(pk=solo.pk).exists()
    assert Team.objects.filter(pk=other.pk).exists()
    assert not TeamMember.objects.filter(user_id=lena.pk).exists()
    kept = ProjectShare.objects.get(team_id=other.pk)
    assert kept.shared_by == people["olivia"].pk
    assert not ProjectShare.objects.filter(team_id=solo.pk).exists()
    created.refresh_from_db()
    assert created.creator_id == people["olivia"].pk
    assert KnowledgeBaseDocument.objects.get().user_id == people["olivia"].pk
    conflict.refresh_from_db()
    assert conflict.resolved_by_user is None
    assert not LlmUsage.objects.exists()
    assert not QuestionEffectiveness.objects.filter(user_id=lena.pk).exists()
    assert not UserBehaviorPattern.objects.filter(user_id=lena.pk).exists()
    assert summary["user_deleted"] is True
    assert summary["teams_deleted"] == 1
    assert summary["project_shares.shared_by -> users"] == 1
    assert orphans() == {}
    assert_check_integrity_is_clean()
    deleted = AuditLog.objects.get(action="user.deleted")
    assert deleted.user == people["olivia"]
    assert deleted.resource_id == str(lena.pk)
    removed = AuditLog.objects.filter(action="team.member_removed", details__reason="user_deleted")
    assert {log.details["team_id"] for log in removed} == {str(team.pk), str(other.pk)}


def test_deleting_a_user_again_finishes_what_an_interrupted_delete_left(people, team, shared):
    lena = people["lena"]
    solo = services.team_create(user=lena, name="Lena alone")
    services.share_create(actor=lena, project=shared[1], team_id=solo.pk, permission="read")
    QuestionEffectiveness.objects.create(user_id=lena.pk, question_template_id="t")
    # A crash after the auth step (team and user gone) but before the last sweep of the specs
    # database leaves these behind.
    Team.objects.filter(pk=solo.pk).delete()
    User.objects.filter(pk=lena.pk).delete()
    assert set(orphans()) == {
        "project_shares.shared_by -> users",
        "project_shares.team_id -> teams",
        "question_effectiveness.user_id -> users",
    }

    summary = user_delete(user_id=lena.pk)

    assert summary["user_deleted"] is False
    assert orphans() == {}


def test_a_user_in_no_team_is_deleted_without_touching_anyone_else(people, team, shared):
    before = ProjectShare.objects.count()

    user_delete(user_id=people["stranger"].pk)

    assert not User.objects.filter(pk=people["stranger"].pk).exists()
    assert ProjectShare.objects.count() == before
    assert orphans() == {}


def test_the_delete_user_command_deletes_and_reports_refusals(people, team, shared):
    out = io.StringIO()
    call_command("delete_user", "dev", stdout=out)

    assert "User dev: deleted." in out.getvalue()
    assert not User.objects.filter(username="dev").exists()
    with pytest.raises(CommandError, match="olivia owns 2 project"):
        call_command("delete_user", "olivia")
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("delete_user", "ghost")
    again = io.StringIO()
    call_command("delete_user", str(people["dev"].pk), stdout=again)
    assert "already gone; leftovers swept" in again.getvalue()
    assert orphans() == {}
