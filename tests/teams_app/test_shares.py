"""Project shares: who shares, re-sharing, removal, and the permission matrix of roles x levels."""

import uuid

import pytest

from auth_app.models import AuditLog
from socrates.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from specs_app import access
from specs_app.access import ROLE_CATEGORIES
from teams_app import services
from teams_app.models import ProjectShare
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def answerable(user, project):
    return access.answerable_categories(access.access_to(user, project))


def can_answer(user, project, category):
    found = access.access_to(user, project)
    return found is not None and found.can_answer(category)


def manages_shares(user, project):
    found = access.access_to(user, project)
    return found is not None and found.allows("admin")


ALL = ["goals", "requirements", "timeline", "constraints", "tech_stack", "scalability"]
ALL += ["deployment", "testing"]


@pytest.fixture
def oscars_project(people, team):
    """A project owned by oscar, a viewer of `team`, so every team role is a non-owner."""
    services.member_add(actor=people["olivia"], team=team, user=people["oscar"], role="viewer")
    return ProjectFactory(owner_id=people["oscar"].pk, name="Oscar's app")


def share(people, project, team, level, *, by="oscar"):
    return services.share_create(
        actor=people[by], project=project, team_id=team.pk, permission=level
    )


def level_of(user, project):
    found = access.access_to(user, project)
    return None if found is None else found.level


MATRIX = {
    # (team role, share level): (effective level, may manage shares)
    ("owner", "read"): ("read", False),
    ("owner", "write"): ("write", False),
    ("owner", "admin"): ("admin", True),
    ("lead", "read"): ("read", False),
    ("lead", "write"): ("write", False),
    ("lead", "admin"): ("admin", True),
    ("developer", "read"): ("read", False),
    ("developer", "write"): ("write", False),
    ("developer", "admin"): ("admin", True),
    ("viewer", "read"): ("read", False),
    ("viewer", "write"): ("read", False),
    ("viewer", "admin"): ("read", False),
}
ROLE_HOLDERS = {"owner": "olivia", "lead": "lena", "developer": "dev", "viewer": "vera"}


@pytest.mark.parametrize("role,level", sorted(MATRIX))
def test_permission_matrix_of_team_roles_and_share_levels(
    people, team, oscars_project, role, level
):
    share(people, oscars_project, team, level)
    user = people[ROLE_HOLDERS[role]]
    expected_level, manages = MATRIX[role, level]

    assert level_of(user, oscars_project) == expected_level
    assert manages_shares(user, oscars_project) is manages
    categories = answerable(user, oscars_project)
    answers = expected_level in ("write", "admin")
    assert categories == (ROLE_CATEGORIES[role] if answers else frozenset())
    for category in ALL:
        assert can_answer(user, oscars_project, category) is (
            answers and category in ROLE_CATEGORIES[role]
        )


def test_role_category_mapping_is_the_documented_one():
    assert ROLE_CATEGORIES == {
        "owner": {"goals", "requirements", "timeline", "constraints"},
        "lead": {"requirements", "tech_stack", "scalability", "deployment"},
        "developer": {"tech_stack", "testing", "deployment"},
        "viewer": set(),
    }


def test_the_project_owner_answers_every_category_and_outsiders_nothing(
    people, team, oscars_project
):
    share(people, oscars_project, team, "admin")

    assert answerable(people["oscar"], oscars_project) is None
    assert all(can_answer(people["oscar"], oscars_project, c) for c in [*ALL, "anything"])
    assert answerable(people["stranger"], oscars_project) == (frozenset())
    assert level_of(people["stranger"], oscars_project) is None


def test_the_best_share_wins_across_teams_and_categories_add_up(people, team, oscars_project):
    share(people, oscars_project, team, "read")
    second = services.team_create(user=people["oscar"], name="Second")
    services.member_add(actor=people["oscar"], team=second, user=people["dev"], role="lead")
    share(people, oscars_project, second, "write")

    assert level_of(people["dev"], oscars_project) == "write"
    assert answerable(people["dev"], oscars_project) == (ROLE_CATEGORIES["lead"])
    services.share_update(
        actor=people["oscar"],
        share=ProjectShare.objects.get(team_id=team.pk),
        permission="write",
    )
    assert answerable(people["dev"], oscars_project) == (
        ROLE_CATEGORIES["lead"] | ROLE_CATEGORIES["developer"]
    )


def test_the_owner_shares_and_it_is_audited(people, team, oscars_project):
    created = share(people, oscars_project, team, "write")

    assert created.shared_by == people["oscar"].pk
    log = AuditLog.objects.get(action="project.share_created")
    assert log.user == people["oscar"]
    assert log.details == {
        "project_id": str(oscars_project.pk),
        "team_id": str(team.pk),
        "permission_level": "write",
    }


@pytest.mark.parametrize("level", ["read", "write"])
def test_read_and_write_holders_cannot_share(people, team, oscars_project, level):
    share(people, oscars_project, team, level)
    other = services.team_create(user=people["lena"], name="Lena's")

    with pytest.raises(PermissionDenied, match="Only the project's owner or a holder of an admin"):
        share(people, oscars_project, other, "read", by="lena")


def test_an_admin_holder_re_shares_with_another_team_of_theirs(people, team, oscars_project):
    share(people, oscars_project, team, "admin")
    other = services.team_create(user=people["lena"], name="Lena's")
    services.member_add(actor=people["lena"], team=other, user=people["stranger"])

    reshared = share(people, oscars_project, other, "write", by="lena")

    assert reshared.shared_by == people["lena"].pk
    assert level_of(people["stranger"], oscars_project) == "write"


def test_a_viewer_with_an_admin_share_cannot_re_share(people, team, oscars_project):
    share(people, oscars_project, team, "admin")
    other = services.team_create(user=people["vera"], name="Vera's")

    with pytest.raises(PermissionDenied, match="Only the project's owner"):
        share(people, oscars_project, other, "read", by="vera")


def test_a_project_is_only_shared_with_a_team_the_sharer_belongs_to(people, team, project):
    elsewhere = services.team_create(user=people["stranger"], name="Elsewhere")

    with pytest.raises(PermissionDenied, match="only share a project with a team you belong to"):
        share(people, project, elsewhere, "read", by="olivia")


def test_sharing_twice_with_the_same_team_is_a_conflict(people, team, oscars_project):
    share(people, oscars_project, team, "read")

    with pytest.raises(Conflict, match="is already shared with team 'Core'") as error:
        share(people, oscars_project, team, "write")

    assert error.value.code == "already_shared"
    assert ProjectShare.objects.get().permission_level == "read"
    assert AuditLog.objects.filter(action="project.share_created").count() == 1


def test_sharing_with_an_unknown_team_or_level_is_refused(people, oscars_project):
    with pytest.raises(NotFound, match="Team .* not found"):
        services.share_create(
            actor=people["oscar"], project=oscars_project, team_id=uuid.uuid4(), permission="read"
        )
    with pytest.raises(ValidationFailed, match="Permission must be one of read, write, admin"):
        services.share_create(
            actor=people["oscar"], project=oscars_project, team_id=uuid.uuid4(), permission="all"
        )


def test_changing_a_share_needs_owner_or_admin_and_is_audited(people, team, oscars_project):
    created = share(people, oscars_project, team, "write")

    with pytest.raises(PermissionDenied):
        services.share_update(actor=people["lena"], share=created, permission="admin")
    services.share_update(actor=people["oscar"], share=created, permission="admin")
    services.share_update(actor=people["lena"], share=created, permission="read")

    assert ProjectShare.objects.get().permission_level == "read"
    changes = [
        (log.details["from"], log.details["to"])
        for log in AuditLog.objects.filter(action="project.share_updated").order_by("id")
    ]
    assert changes == [("write", "admin"), ("admin", "read")]


def test_removing_a_share_removes_access_at_once(people, team, oscars_project):
    created = share(people, oscars_project, team, "write")
    assert level_of(people["dev"], oscars_project) == "write"
    assert oscars_project.pk in set(access.projects_for(people["dev"]).values_list("id", flat=True))

    services.share_delete(actor=people["oscar"], share=created)

    assert level_of(people["dev"], oscars_project) is None
    assert not access.projects_for(people["dev"]).exists()
    assert not can_answer(people["dev"], oscars_project, "testing")
    assert AuditLog.objects.filter(action="project.share_deleted").count() == 1


def test_members_without_admin_cannot_remove_a_share(people, team, oscars_project):
    created = share(people, oscars_project, team, "write")

    with pytest.raises(PermissionDenied):
        services.share_delete(actor=people["olivia"], share=created)
    assert ProjectShare.objects.filter(pk=created.pk).exists()


def test_leaving_a_team_removes_access_at_once(people, team, oscars_project):
    share(people, oscars_project, team, "admin")

    services.member_remove(actor=people["olivia"], team=team, user_id=people["lena"].pk)

    assert level_of(people["lena"], oscars_project) is None
