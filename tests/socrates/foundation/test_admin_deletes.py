"""Deleting teams and users from the admin goes through the cross-database services."""

import pytest
from django.urls import reverse

from socrates import integrity
from teams_app.models import ProjectShare, Team, TeamMember
from tests.factories import ProjectFactory, UserFactory

BOTH = ["default", "specs"]


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        username="root", email="root@example.com", password="pw-123456789"
    )
    client.force_login(admin)
    return client


def _team_with_share(owner):
    team = Team.objects.create(name="Core", created_by=owner)
    TeamMember.objects.create(team=team, user=owner, role="owner")
    project = ProjectFactory(owner_id=owner.pk)
    share = ProjectShare.objects.create(
        project=project, team_id=team.pk, shared_by=owner.pk, permission_level="read"
    )
    return team, project, share


@pytest.mark.django_db(databases=BOTH)
def test_admin_team_delete_removes_its_project_shares_in_the_specs_database(admin_client):
    owner = UserFactory()
    team, _project, share = _team_with_share(owner)

    url = reverse("admin:teams_app_team_delete", args=[team.pk])
    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not ProjectShare.objects.filter(pk=share.pk).exists()


@pytest.mark.django_db(databases=BOTH)
def test_admin_user_delete_is_refused_with_a_message_while_the_user_owns_projects(admin_client):
    owner = UserFactory()
    ProjectFactory(owner_id=owner.pk)

    url = reverse("admin:auth_app_user_delete", args=[owner.pk])
    response = admin_client.post(url, {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert "owns 1 project" in response.content.decode()
    assert type(owner).objects.filter(pk=owner.pk).exists()


@pytest.mark.django_db(databases=BOTH)
def test_admin_user_delete_leaves_check_integrity_clean(admin_client):
    member = UserFactory()
    owner = UserFactory()
    team, _project, _share = _team_with_share(owner)
    TeamMember.objects.create(team=team, user=member, role="developer")
    solo_team, _p, solo_share = _team_with_share(member)
    # The member's own project would block deletion; hand it to the other owner first.
    type(_p).objects.filter(pk=_p.pk).update(owner_id=owner.pk, creator_id=owner.pk)

    url = reverse("admin:auth_app_user_delete", args=[member.pk])
    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not type(member).objects.filter(pk=member.pk).exists()
    assert not Team.objects.filter(pk=solo_team.pk).exists()
    assert not ProjectShare.objects.filter(pk=solo_share.pk).exists()
    reports = integrity.find_orphans(batch_size=100, sample_size=3)
    assert [r.reference.label for r in reports if not r.ok] == []
