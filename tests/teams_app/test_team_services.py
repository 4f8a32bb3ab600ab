"""Teams and members: who may do what, the last owner rule, and the audit trail."""

import pytest

from auth_app.models import AuditLog
from socrates.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from teams_app import selectors, services
from teams_app.models import Team, TeamMember

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def roles_of(team):
    return dict(TeamMember.objects.filter(team=team).values_list("user__username", "role"))


def test_creator_becomes_the_only_owner_and_it_is_audited(people):
    team = services.team_create(user=people["olivia"], name="  Platform  ", description="d")

    assert team.name == "Platform"
    assert roles_of(team) == {"olivia": "owner"}
    actions = list(
        AuditLog.objects.filter(user=people["olivia"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["team.created", "team.member_added"]


def test_team_without_a_name_is_refused(people):
    with pytest.raises(ValidationFailed, match="A team needs a name"):
        services.team_create(user=people["olivia"], name="   ")


def test_team_list_shows_only_my_teams_with_my_role(people, team):
    other = services.team_create(user=people["stranger"], name="Elsewhere")

    mine = {t.name: t.my_role for t in selectors.team_list(user=people["lena"])}

    assert mine == {"Core": "lead"}
    assert other.pk not in {t.pk for t in selectors.team_list(user=people["olivia"])}
    assert list(selectors.team_list(user=people["pat"])) == []


@pytest.mark.parametrize("adder", ["olivia", "lena"])
def test_owners_and_leads_add_members(people, team, adder):
    services.member_add(actor=people[adder], team=team, user=people["oscar"], role="developer")

    assert roles_of(team)["oscar"] == "developer"
    log = AuditLog.objects.get(action="team.member_added", details__user_id=str(people["oscar"].pk))
    assert log.user == people[adder]
    assert log.details == {
        "team_id": str(team.pk),
        "user_id": str(people["oscar"].pk),
        "role": "developer",
    }


@pytest.mark.parametrize("adder", ["dev", "vera"])
def test_developers_and_viewers_cannot_add_members(people, team, adder):
    with pytest.raises(PermissionDenied, match="Only a team owner or lead can add members"):
        services.member_add(actor=people[adder], team=team, user=people["oscar"])
    assert "oscar" not in roles_of(team)


def test_outsider_cannot_add_members_and_does_not_learn_the_team_exists(people, team):
    with pytest.raises(NotFound, match=f"Team {team.pk} not found"):
        services.member_add(actor=people["stranger"], team=team, user=people["oscar"])


def test_a_lead_cannot_add_an_owner(people, team):
    with pytest.raises(PermissionDenied, match="Only a team owner can add another owner"):
        services.member_add(actor=people["lena"], team=team, user=people["oscar"], role="owner")


def test_adding_a_member_twice_is_a_conflict(people, team):
    with pytest.raises(Conflict, match="dev is already a member of team 'Core'"):
        services.member_add(actor=people["olivia"], team=team, user=people["dev"])


def test_unknown_role_is_refused(people, team):
    with pytest.raises(ValidationFailed, match="Role must be one of owner, lead, developer"):
        services.member_add(actor=people["olivia"], team=team, user=people["oscar"], role="boss")


def test_only_owners_change_roles(people, team):
    for actor in ("lena", "dev", "vera"):
        with pytest.raises(PermissionDenied, match="Only a team owner can change roles"):
            services.member_change_role(
                actor=people[actor], team=team, user_id=people["dev"].pk, role="lead"
            )

    services.member_change_role(
        actor=people["olivia"], team=team, user_id=people["dev"].pk, role="lead"
    )

    assert roles_of(team)["dev"] == "lead"
    log = AuditLog.objects.get(action="team.member_role_changed")
    assert log.details["from"] == "developer"
    assert log.details["to"] == "lead"


def test_only_owners_remove_members(people, team):
    for actor in ("lena", "dev", "vera"):
        with pytest.raises(PermissionDenied, match="Only a team owner can remove members"):
            services.member_remove(actor=people[actor], team=team, user_id=people["vera"].pk)

    services.member_remove(actor=people["olivia"], team=team, user_id=people["vera"].pk)

    assert "vera" not in roles_of(team)
    assert AuditLog.objects.filter(
        action="team.member_removed", details__user_id=str(people["vera"].pk)
    ).exists()


def test_the_last_owner_can_never_be_demoted_or_removed(people, team):
    with pytest.raises(Conflict, match="olivia is the last owner of team 'Core'") as demoted:
        services.member_change_role(
            actor=people["olivia"], team=team, user_id=people["olivia"].pk, role="lead"
        )
    with pytest.raises(Conflict, match="cannot be removed") as removed:
        services.member_remove(actor=people["olivia"], team=team, user_id=people["olivia"].pk)

    assert demoted.value.code == removed.value.code == "last_owner"
    assert roles_of(team)["olivia"] == "owner"


def test_an_owner_can_step_down_once_there_is_another_owner(people, team):
    services.member_change_role(
        actor=people["olivia"], team=team, user_id=people["lena"].pk, role="owner"
    )

    services.member_change_role(
        actor=people["olivia"], team=team, user_id=people["olivia"].pk, role="developer"
    )

    assert roles_of(team) == {
        "olivia": "developer",
        "lena": "owner",
        "dev": "developer",
        "vera": "viewer",
    }
    with pytest.raises(Conflict, match="lena is the last owner"):
        services.member_remove(actor=people["lena"], team=team, user_id=people["lena"].pk)


def test_removing_someone_who_is_not_a_member_is_not_found(people, team):
    with pytest.raises(NotFound, match="is not a member of team 'Core'"):
        services.member_remove(actor=people["olivia"], team=team, user_id=people["oscar"].pk)


def test_only_owners_rename_a_team(people, team):
    with pytest.raises(PermissionDenied, match="Only a team owner can change the team"):
        services.team_update(actor=people["lena"], team=team, name="Mine")

    services.team_update(actor=people["olivia"], team=team, name="Core 2")

    assert Team.objects.get(pk=team.pk).name == "Core 2"
    assert AuditLog.objects.get(action="team.updated").details == {"name": "Core 2"}


def test_only_owners_delete_a_team(people, team):
    with pytest.raises(PermissionDenied, match="Only a team owner can delete the team"):
        services.team_delete(actor=people["lena"], team=team)

    services.team_delete(actor=people["olivia"], team=team)

    assert not Team.objects.filter(pk=team.pk).exists()
    assert not TeamMember.objects.filter(team_id=team.pk).exists()
    removed = AuditLog.objects.filter(action="team.member_removed", details__reason="team_deleted")
    assert removed.count() == 4
