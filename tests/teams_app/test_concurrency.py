"""Membership changes of one team run one at a time: the last owner survives a race."""

import threading

import pytest
from django.db import connections

from socrates.errors import DomainError
from teams_app import services
from teams_app.models import TeamMember


@pytest.mark.django_db(transaction=True, databases=["default", "specs"])
def test_two_owners_demoting_each_other_at_once_leave_one_owner(people, team):
    services.member_change_role(
        actor=people["olivia"], team=team, user_id=people["lena"].pk, role="owner"
    )
    barrier = threading.Barrier(2)
    outcomes = {}

    def demote(actor, target):
        try:
            barrier.wait()
            services.member_change_role(
                actor=people[actor], team=team, user_id=people[target].pk, role="developer"
            )
            outcomes[actor] = "demoted " + target
        except DomainError as exc:
            outcomes[actor] = exc.code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=demote, args=("olivia", "lena")),
        threading.Thread(target=demote, args=("lena", "olivia")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    owners = TeamMember.objects.filter(team=team, role="owner")
    assert owners.count() == 1
    won, lost = sorted(outcomes.values())
    assert won.startswith("demoted ")
    # The second one to get the team's lock is no longer an owner: only owners change roles.
    assert lost == "permission_denied"


# --- 20 requests released together: no 5xx, invariants intact ---------------------------------

RACERS = 20


def race(calls):
    """Run each ``call()`` in its own thread, released together; return the status codes."""
    barrier = threading.Barrier(len(calls))
    statuses = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            statuses[index] = call().status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.django_db(transaction=True, databases=["default", "specs"])
def test_accept_decline_and_revoke_of_one_invitation_racing_never_answer_5xx(people, team, api):
    invitee = people["pat"]
    invitation, token = services.invitation_create(
        actor=people["olivia"], team=team, email=invitee.email, role="developer"
    )
    invitee_client, owner_client = api(invitee), api(people["olivia"])
    revoke = f"/api/v2/teams/{team.pk}/invitations/{invitation.pk}/revoke/"
    kinds = ["accept", "decline", "revoke"] * RACERS

    def call_for(kind):
        if kind == "revoke":
            return lambda: owner_client.post(revoke)
        return lambda: invitee_client.post(
            f"/api/v2/invitations/{kind}/", {"token": token}, format="json"
        )

    statuses = race([call_for(kind) for kind in kinds[:RACERS]])

    assert all(code < 500 for code in statuses), statuses
    assert set(statuses) <= {200, 201, 409, 410}, statuses
    invitation.refresh_from_db()
    assert invitation.status in {"accepted", "declined", "revoked"}
    assert sum(code in (200, 201) for code in statuses) == 1  # one answer wins
    is_member = TeamMember.objects.filter(team=team, user=invitee).exists()
    assert is_member == (invitation.status == "accepted")


@pytest.mark.django_db(transaction=True, databases=["default", "specs"])
def test_racing_role_changes_never_answer_5xx_and_a_team_keeps_an_owner(people, team, api):
    owner = api(people["olivia"])
    targets = ["lena", "dev", "vera"]
    roles = ["owner", "lead", "developer", "viewer"]
    calls = [
        (
            lambda t=targets[i % 3], r=roles[i % 4]: owner.patch(
                f"/api/v2/teams/{team.pk}/members/{people[t].pk}/", {"role": r}, format="json"
            )
        )
        for i in range(RACERS)
    ]

    statuses = race(calls)

    assert all(code < 500 for code in statuses), statuses
    assert TeamMember.objects.filter(team=team, role="owner").exists()
    assert TeamMember.objects.filter(team=team).count() == 4


@pytest.mark.django_db(transaction=True, databases=["default", "specs"])
def test_racing_share_changes_never_answer_5xx_and_leave_at_most_one_share(
    people, team, project, api
):
    owner = api(people["olivia"])
    url = f"/api/v2/projects/{project.pk}/shares/"
    first = owner.post(url, {"team_id": str(team.pk), "permission_level": "read"}, format="json")
    share_id = first.json()["id"]
    detail = f"{url}{share_id}/"
    levels = ["read", "write", "admin"]

    def call(i):
        if i % 4 == 0:
            return lambda: owner.delete(detail)
        if i % 4 == 1:
            return lambda: owner.post(
                url, {"team_id": str(team.pk), "permission_level": "write"}, format="json"
            )
        return lambda: owner.patch(detail, {"permission_level": levels[i % 3]}, format="json")

    statuses = race([call(i) for i in range(RACERS)])

    assert all(code < 500 for code in statuses), statuses
    from teams_app.models import ProjectShare

    assert ProjectShare.objects.filter(project=project, team_id=team.pk).count() <= 1
