"""LLM API keys over the v2 API: stored encrypted, never returned, logged or shown in the admin."""

import logging

import pytest
from django.test import Client

from auth_app import crypto
from auth_app.models import ApiKey, AuditLog
from tests.factories import UserFactory
from tests.helpers import BOTH, CLAUDE_KEY, OPENAI_KEY, assert_error, client_for

URL = "/api/v2/llm/api-keys/"


@pytest.fixture(autouse=True)
def capture_everything(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.django_db(databases=BOTH)
def test_posting_a_key_stores_only_ciphertext_and_answers_without_it(alice, alice_client, caplog):
    response = alice_client.post(URL, {"provider": "claude", "api_key": CLAUDE_KEY}, format="json")

    assert response.status_code == 201, response.content
    assert response.json() == {
        "provider": "claude",
        "key_last_four": "WXYZ",
        "is_active": True,
        "last_used_at": None,
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
    }
    row = ApiKey.objects.get(user=alice, provider="claude")
    assert CLAUDE_KEY not in row.api_key_encrypted
    assert crypto.decrypt(row.api_key_encrypted) == CLAUDE_KEY
    assert CLAUDE_KEY not in response.content.decode()
    assert row.api_key_encrypted not in response.content.decode()
    assert CLAUDE_KEY not in caplog.text
    audit = AuditLog.objects.get(action="llm.api_key.created")
    assert CLAUDE_KEY not in str(audit.details) and audit.resource_id == "claude"


@pytest.mark.django_db(databases=BOTH)
def test_posting_again_replaces_the_key_for_that_provider(alice, alice_client):
    alice_client.post(URL, {"provider": "openai", "api_key": "sk-first-key-0000"}, format="json")

    response = alice_client.post(URL, {"provider": "openai", "api_key": OPENAI_KEY}, format="json")

    assert response.status_code == 200
    assert response.json()["key_last_four"] == "LAST"
    rows = ApiKey.objects.filter(user=alice, provider="openai")
    assert rows.count() == 1
    assert crypto.decrypt(rows.get().api_key_encrypted) == OPENAI_KEY


@pytest.mark.django_db(databases=BOTH)
def test_listing_shows_provider_last_four_and_dates_of_own_keys_only(alice, alice_client, caplog):
    alice_client.post(URL, {"provider": "claude", "api_key": CLAUDE_KEY}, format="json")
    alice_client.post(URL, {"provider": "openai", "api_key": OPENAI_KEY}, format="json")
    client_for(UserFactory(username="bob-llm")).post(
        URL, {"provider": "gemini", "api_key": "gemini-key-of-bob"}, format="json"
    )

    response = alice_client.get(URL)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["provider"] for r in results] == ["claude", "openai"]
    assert set(results[0]) == {
        "provider",
        "key_last_four",
        "is_active",
        "last_used_at",
        "created_at",
        "updated_at",
    }
    body = response.content.decode()
    assert CLAUDE_KEY not in body and OPENAI_KEY not in body
    assert CLAUDE_KEY not in caplog.text and OPENAI_KEY not in caplog.text


@pytest.mark.django_db(databases=BOTH)
def test_deleting_a_key_removes_it_and_a_second_delete_is_404(alice, alice_client):
    alice_client.post(URL, {"provider": "claude", "api_key": CLAUDE_KEY}, format="json")

    first = alice_client.delete(f"{URL}claude/")
    second = alice_client.delete(f"{URL}claude/")

    assert first.status_code == 204
    assert not ApiKey.objects.filter(user=alice).exists()
    assert_error(second, 404)
    assert second.json()["error"]["message"] == "No API key is stored for provider 'claude'."


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"provider": "mistral", "api_key": CLAUDE_KEY}, "provider", "not a valid choice"),
        ({"provider": "claude", "api_key": "short"}, "api_key", "8 to 512 characters"),
        ({"provider": "claude", "api_key": "sk has spaces"}, "api_key", "spaces"),
        ({"provider": "claude"}, "api_key", "required"),
    ],
)
def test_invalid_key_requests_are_400_naming_the_field(alice_client, body, field, message):
    response = alice_client.post(URL, body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error["message"]
    assert field in error["details"] or field in error["message"]


@pytest.mark.django_db(databases=BOTH)
def test_keys_need_authentication():
    from rest_framework.test import APIClient

    assert_error(APIClient().get(URL), 401)


@pytest.mark.django_db(databases=BOTH)
def test_the_admin_shows_neither_the_key_nor_its_ciphertext(alice, alice_client):
    alice_client.post(URL, {"provider": "claude", "api_key": CLAUDE_KEY}, format="json")
    row = ApiKey.objects.get(user=alice)
    admin = UserFactory(username="root-llm", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)

    pages = [
        browser.get("/admin/auth_app/apikey/"),
        browser.get(f"/admin/auth_app/apikey/{row.pk}/change/"),
        browser.get(f"/admin/auth_app/user/{alice.pk}/change/"),
    ]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert CLAUDE_KEY not in html
        assert row.api_key_encrypted not in html
        assert "WXYZ" in html  # the last four characters identify the key
