"""The invitation life cycle: invite, accept, decline, revoke, expiry, and every refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auth_app.models import AuditLog
from socrates.errors import Conflict, Gone, NotFound, PermissionDenied, ValidationFailed
from teams_app import selectors, services
from teams_app.models import TeamInvitation, TeamMember

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def invite(people, team, *, by="olivia", email="oscar@example.com", role="developer"):
    return services.invitation_create(actor=people[by], team=team, email=email, role=role)


def test_invitation_has_an_unguessable_token_stored_only_as_its_hash(people, team):
    invitation, token = invite(people, team)

    assert len(token) >= 43  # 32 random bytes, URL-safe
    assert invitation.token == services.hash_invitation_token(token)
    assert token not in invitation.token
    assert invitation.status == "pending"
    assert services.INVITATION_LIFETIME == timedelta(days=7)
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - timedelta(days=7)) < timedelta(minutes=1)
    _other, other_token = invite(people, team, email="someone@example.com")
    assert other_token != token


def test_whole_life_cycle_invite_accept_then_member_with_the_role(people, team):
    invitation, token = invite(people, team, by="lena", role="viewer")

    member = services.invitation_accept(user=people["oscar"], token=token)

    assert member.role == "viewer"
    assert selectors.member_role(team=team, user=people["oscar"]) == "viewer"
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert invitation.responded_at is not None
    actions = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == [
        "team.invitation_created",
        "team.invitation_accepted",
        "team.member_added",
    ]


def test_accepting_with_the_email_in_another_case_works(people, team):
    _invitation, token = invite(people, team, email="Oscar@Example.COM")

    services.invitation_accept(user=people["oscar"], token=token)

    assert selectors.member_role(team=team, user=people["oscar"]) == "developer"


def test_accepting_twice_is_a_conflict(people, team):
    _invitation, token = invite(people, team)
    services.invitation_accept(user=people["oscar"], token=token)

    with pytest.raises(Conflict, match="This invitation has already been accepted") as error:
        services.invitation_accept(user=people["oscar"], token=token)

    assert error.value.code == "invitation_accepted"


def test_accepting_an_expired_invitation_is_gone(people, team):
    invitation, token = invite(people, team)
    TeamInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(Gone, match="This invitation expired on") as error:
        services.invitation_accept(user=people["oscar"], token=token)

    assert error.value.status_code == 410
    assert error.value.code == "invitation_expired"
    assert selectors.member_role(team=team, user=people["oscar"]) is None


def test_accepting_a_revoked_invitation_is_gone(people, team):
    invitation, token = invite(people, team)
    services.invitation_revoke(actor=people["olivia"], team=team, invitation=invitation)

    with pytest.raises(Gone, match="This invitation has been revoked") as error:
        services.invitation_accept(user=people["oscar"], token=token)

    assert error.value.code == "invitation_revoked"
    assert selectors.member_role(team=team, user=people["oscar"]) is None


def test_accepting_with_another_account_is_refused(people, team):
    invitation, token = invite(people, team)

    with pytest.raises(PermissionDenied, match="sent to another email address") as error:
        services.invitation_accept(user=people["stranger"], token=token)

    assert error.value.code == "wrong_account"
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert selectors.member_role(team=team, user=people["stranger"]) is None


def test_an_unknown_token_is_not_found(people, team):
    invite(people, team)

    with pytest.raises(NotFound, match="No invitation matches this token"):
        services.invitation_accept(user=people["oscar"], token="not-a-real-token")
    with pytest.raises(ValidationFailed, match="An invitation token is required"):
        services.invitation_accept(user=people["oscar"], token="")


def test_declining_then_accepting_is_a_conflict(people, team):
    invitation, token = invite(people, team)

    services.invitation_decline(user=people["oscar"], token=token)

    invitation.refresh_from_db()
    assert invitation.status == "declined"
    assert AuditLog.objects.filter(action="team.invitation_declined").count() == 1
    with pytest.raises(Conflict, match="already been declined"):
        services.invitation_accept(user=people["oscar"], token=token)
    with pytest.raises(Conflict, match="already been declined"):
        services.invitation_decline(user=people["oscar"], token=token)


def test_declining_with_another_account_is_refused(people, team):
    _invitation, token = invite(people, team)

    with pytest.raises(PermissionDenied, match="sent to another email address"):
        services.invitation_decline(user=people["stranger"], token=token)


def test_declining_an_expired_invitation_is_gone(people, team):
    invitation, token = invite(people, team)
    TeamInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )

    with pytest.raises(Gone, match="expired"):
        services.invitation_decline(user=people["oscar"], token=token)


def test_an_invitation_can_never_make_an_owner(people, team):
    with pytest.raises(ValidationFailed, match="An invitation cannot make someone owner"):
        invite(people, team, role="owner")
    assert not TeamInvitation.objects.exists()


@pytest.mark.parametrize("inviter", ["dev", "vera"])
def test_developers_and_viewers_cannot_invite(people, team, inviter):
    with pytest.raises(PermissionDenied, match="Only a team owner or lead can invite people"):
        invite(people, team, by=inviter)


def test_outsiders_cannot_invite(people, team):
    with pytest.raises(NotFound, match="not found"):
        invite(people, team, by="stranger")


def test_an_email_already_a_member_cannot_be_invited_again(people, team):
    with pytest.raises(Conflict, match="DEV@example.com is already a member") as error:
        invite(people, team, email="DEV@example.com")
    assert error.value.code == "already_member"


def test_a_second_pending_invitation_for_the_same_email_is_a_conflict(people, team):
    invite(people, team)

    with pytest.raises(Conflict, match="already has a pending invitation") as error:
        invite(people, team, by="lena", email="OSCAR@example.com")

    assert error.value.code == "already_invited"


def test_a_new_invitation_can_follow_an_expired_or_revoked_one(people, team):
    expired, _ = invite(people, team)
    TeamInvitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    second, _ = invite(people, team)
    services.invitation_revoke(actor=people["olivia"], team=team, invitation=second)

    _third, token = invite(people, team)

    services.invitation_accept(user=people["oscar"], token=token)
    assert selectors.member_role(team=team, user=people["oscar"]) == "developer"


def test_accepting_when_already_a_member_is_a_conflict(people, team):
    _invitation, token = invite(people, team)
    services.member_add(actor=people["olivia"], team=team, user=people["oscar"])

    with pytest.raises(Conflict, match="You are already a member of team 'Core'"):
        services.invitation_accept(user=people["oscar"], token=token)


def test_inviters_owners_and_leads_revoke_but_others_cannot(people, team):
    by_lead, _ = invite(people, team, by="lena", email="a@example.com")
    by_owner, _ = invite(people, team, by="olivia", email="b@example.com")

    for actor in ("dev", "vera"):
        with pytest.raises(PermissionDenied, match="Only the inviter or a team owner or lead"):
            services.invitation_revoke(actor=people[actor], team=team, invitation=by_lead)
    services.invitation_revoke(actor=people["lena"], team=team, invitation=by_lead)
    services.invitation_revoke(actor=people["lena"], team=team, invitation=by_owner)

    statuses = set(TeamInvitation.objects.values_list("status", flat=True))
    assert statuses == {"revoked"}
    assert AuditLog.objects.filter(action="team.invitation_revoked").count() == 2


def test_an_inviter_demoted_to_developer_still_revokes_their_own_invitation(people, team):
    invitation, _ = invite(people, team, by="lena")
    services.member_change_role(
        actor=people["olivia"], team=team, user_id=people["lena"].pk, role="developer"
    )

    services.invitation_revoke(actor=people["lena"], team=team, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_only_pending_invitations_can_be_revoked(people, team):
    invitation, token = invite(people, team)
    services.invitation_accept(user=people["oscar"], token=token)

    with pytest.raises(
        Conflict, match="Only a pending invitation can be revoked; this one is accepted"
    ):
        services.invitation_revoke(actor=people["olivia"], team=team, invitation=invitation)
    assert TeamMember.objects.filter(team=team, user=people["oscar"]).exists()
