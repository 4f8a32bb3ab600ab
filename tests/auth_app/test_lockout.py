"""Brute force: an account locks after repeated wrong passwords (any case of its name, any
address), answers 429 with Retry-After in the API's error shape, and unlocks by time or admin."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.helpers import BOTH, PASSWORD, assert_error

pytestmark = pytest.mark.django_db(databases=BOTH)
TOKEN = "/api/v2/auth/token/"


def login(username, password, address="203.0.113.7"):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN, {"username": username, "password": password}, format="json"
    )


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 5
    return 5


def test_the_account_locks_after_the_limit_even_for_the_right_password(limit):
    UserFactory(username="ada")
    for attempt in range(limit - 1):
        assert_error(login("ada", f"wrong-{attempt}"), 401, "authentication_failed")

    locking = login("ada", "still-wrong")
    after = login("ada", PASSWORD)

    for response in (locking, after):
        error = assert_error(response, 429, "account_locked")
        assert "Too many failed logins for this account" in error["message"]
        assert int(response["Retry-After"]) > 0
    assert AccessAttempt.objects.filter(username="ada").exists()


def test_another_case_and_another_address_count_for_the_same_account(limit):
    UserFactory(username="ada")
    for attempt in range(limit):
        name = "ADA" if attempt % 2 else "ada"
        login(name, "wrong", address=f"198.51.100.{attempt}")

    assert_error(login("Ada", PASSWORD, address="192.0.2.99"), 429, "account_locked")


def test_other_accounts_are_not_locked(limit):
    UserFactory(username="ada")
    UserFactory(username="bob")
    for _ in range(limit):
        login("ada", "wrong")

    assert login("bob", PASSWORD).status_code == 200


def test_an_admin_lifts_the_lock(limit):
    UserFactory(username="ada")
    for _ in range(limit):
        login("ada", "wrong")
    assert login("ada", PASSWORD).status_code == 429

    call_command("axes_reset_username", "ada", verbosity=0)

    assert login("ada", PASSWORD).status_code == 200


def test_the_lock_lifts_when_the_cool_off_has_passed(limit, settings):
    UserFactory(username="ada")
    for _ in range(limit):
        login("ada", "wrong")
    AccessAttempt.objects.update(attempt_time="2020-01-01T00:00:00Z")

    assert login("ada", PASSWORD).status_code == 200


def test_the_admin_login_page_locks_too(limit, client):
    UserFactory(username="ada", is_staff=True)
    for _ in range(limit):
        client.post("/admin/login/", {"username": "ada", "password": "wrong"})

    response = client.post("/admin/login/", {"username": "ada", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
