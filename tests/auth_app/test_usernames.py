"""Usernames are unique case-insensitively, everywhere a name is typed: registration, login,
teams' member lookup, the admin, createsuperuser, and the database itself."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from auth_app.models import AuditLog
from auth_app.services import username_duplicates_resolve
from teams_app import services as team_services
from tests.factories import UserFactory
from tests.helpers import BOTH, PASSWORD, assert_error, client_for

pytestmark = pytest.mark.django_db(databases=BOTH)
User = get_user_model()


def register(version, username, email):
    return APIClient().post(
        f"/api/{version}/auth/register/",
        {"username": username, "email": email, "password": "a-long-Passw0rd"},
        format="json",
    )


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_name_differing_only_in_case_cannot_register(version):
    assert register(version, "ada", "ada@example.com").status_code == 201

    response = register(version, "ADA", "attacker@example.com")

    error = assert_error(response, 400, "invalid")
    assert error["details"]["username"] == ["A user with that username already exists."]
    assert list(User.objects.values_list("username", flat=True)) == ["ada"]


def test_the_database_refuses_a_case_duplicate_whatever_writes_it():
    UserFactory(username="ada")
    with pytest.raises(IntegrityError), transaction.atomic(using="default"):
        User.objects.create_user(username="ADA", email="other@example.com", password=PASSWORD)


def test_login_with_another_case_is_the_same_account():
    ada = UserFactory(username="ada")

    response = APIClient().post(
        "/api/v2/auth/token/", {"username": "ADA", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.get("/api/v2/auth/me/").json()["id"] == str(ada.pk)


def test_adding_a_member_by_name_finds_the_one_user_of_that_name_in_any_case():
    owner = UserFactory(username="olivia")
    ada = UserFactory(username="ada")
    team = team_services.team_create(user=owner, name="Clinic")

    response = client_for(owner).post(
        f"/api/v2/teams/{team.pk}/members/", {"username": "ADA", "role": "lead"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["user_id"] == str(ada.pk)


def test_createsuperuser_refuses_a_case_variant_of_an_existing_name(capsys):
    UserFactory(username="ada")
    with pytest.raises(CommandError, match="already taken"):
        call_command(
            "createsuperuser",
            username="ADA",
            email="root@example.com",
            interactive=False,
            verbosity=0,
        )
    assert User.objects.filter(username__iexact="ada").count() == 1


def test_the_admin_add_form_refuses_a_case_variant(admin_client):
    UserFactory(username="ada")

    response = admin_client.post(
        "/admin/auth_app/user/add/",
        {
            "username": "ADA",
            "email": "new@example.com",
            "usable_password": "true",
            "password1": "a-long-Passw0rd",
            "password2": "a-long-Passw0rd",
        },
    )

    assert response.status_code == 200  # the form again, with its error
    assert "already exists" in response.content.decode()
    assert not User.objects.filter(username="ADA").exists()


def _force_case_duplicates():
    """Make the state an old database could hold: drop the index, write "ADA" beside "ada"."""
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute('DROP INDEX IF EXISTS "users_username_ci_unique"')
    oldest = UserFactory(username="ada", email="first@example.com")
    UserFactory(username="ADA", email="second@example.com")
    UserFactory(username="Ada", email="third@example.com")
    UserFactory(username="ada-2", email="fourth@example.com")  # the first free name is then -3
    return oldest


def _restore_index():
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute(
            'CREATE UNIQUE INDEX IF NOT EXISTS "users_username_ci_unique" '
            'ON "users" ((LOWER("username")))'
        )


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_resolving_duplicates_keeps_the_oldest_name_renames_the_rest_and_a_rerun_does_nothing():
    oldest = _force_case_duplicates()
    try:
        planned = username_duplicates_resolve(dry_run=True)
        assert {old for old, _new in planned} == {"ADA", "Ada"}
        assert User.objects.filter(username__in=["ADA", "Ada"]).count() == 2  # dry run

        renames = username_duplicates_resolve()

        assert sorted(new for _old, new in renames) == ["ADA-3", "Ada-4"] or sorted(
            new for _old, new in renames
        ) == ["ADA-4", "Ada-3"]
        assert User.objects.get(pk=oldest.pk).username == "ada"
        assert AuditLog.objects.filter(action="user.username_renamed").count() == 2
        assert username_duplicates_resolve() == []
    finally:
        _restore_index()


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_the_lookup_of_an_ambiguous_name_only_takes_the_exact_spelling():
    _force_case_duplicates()
    try:
        owner = UserFactory(username="olivia")
        team = team_services.team_create(user=owner, name="Clinic")
        client = client_for(owner)

        exact = client.post(f"/api/v2/teams/{team.pk}/members/", {"username": "Ada"}, format="json")
        guess = client.post(f"/api/v2/teams/{team.pk}/members/", {"username": "aDA"}, format="json")

        assert exact.status_code == 201
        assert exact.json()["username"] == "Ada"
        assert_error(guess, 404)
    finally:
        User.objects.filter(username__in=["ADA", "Ada"]).delete()
        _restore_index()


def test_the_resolve_command_says_when_there_is_nothing_to_do(capsys):
    UserFactory(username="ada")
    call_command("resolve_username_duplicates", "--dry-run")
    assert "No usernames differ only in case." in capsys.readouterr().out
