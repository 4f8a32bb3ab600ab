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
