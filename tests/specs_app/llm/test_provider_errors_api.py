"""Provider failures reach the API as clear errors (POST .../api-keys/{provider}/verify/)."""

import pytest

from auth_app.services.api_keys import api_key_set
from specs_app.models import LlmUsage
from tests.helpers import BOTH, CLAUDE_KEY, OPENAI_KEY
from tests.specs_app.llm.protocol_servers import Fail, Ok, Slow


def verify(client, provider):
    return client.post(f"/api/v2/llm/api-keys/{provider}/verify/")


@pytest.mark.django_db(databases=BOTH)
def test_a_working_key_verifies_and_the_call_is_recorded(alice, alice_client, anthropic_server):
    api_key_set(user=alice, provider="claude", api_key=CLAUDE_KEY)
    anthropic_server.queue(Ok("OK", tokens_input=12, tokens_output=1))

    response = verify(alice_client, "claude")

    assert response.status_code == 200, response.content
    assert response.json()["provider"] == "claude" and response.json()["ok"] is True
    usage = LlmUsage.objects.get()
    assert (usage.user_id, usage.tokens_input, usage.tokens_output) == (alice.pk, 12, 1)


@pytest.mark.django_db(databases=BOTH)
def test_a_rejected_key_is_400_naming_the_provider(alice, alice_client, openai_server):
    api_key_set(user=alice, provider="openai", api_key="sk-revoked-key-000000")

    response = verify(alice_client, "openai")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "provider_auth_failed"
    assert error["message"].startswith("The openai API key was rejected (HTTP 401)")
    assert error["details"]["provider"] == "openai"
    assert "sk-revoked-key-000000" not in response.content.decode()


@pytest.mark.django_db(databases=BOTH)
def test_rate_limiting_is_429_with_retry_after(alice, alice_client, anthropic_server):
    api_key_set(user=alice, provider="claude", api_key=CLAUDE_KEY)
    anthropic_server.queue(*[Fail(429, "Too many requests", retry_after="30")] * 3)

    response = verify(alice_client, "claude")

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.json()["error"]["message"].startswith("claude is rate limiting requests")
    assert not LlmUsage.objects.exists()


@pytest.mark.django_db(databases=BOTH)
def test_a_timeout_is_504(alice, alice_client, openai_server, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.2
    api_key_set(user=alice, provider="openai", api_key=OPENAI_KEY)
    openai_server.queue(Slow(1.0))

    response = verify(alice_client, "openai")

    assert response.status_code == 504
    assert response.json()["error"]["message"] == "openai did not answer within 0.2 seconds."


@pytest.mark.django_db(databases=BOTH)
def test_verifying_without_a_stored_key_is_400(alice_client):
    response = verify(alice_client, "gemini")

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("No API key is stored for gemini")
