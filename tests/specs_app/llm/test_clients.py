"""The provider clients against local servers that speak Anthropic's and OpenAI's protocols."""

import socket

import pytest

from specs_app.llm.clients import AnthropicClient, OpenAICompatibleClient, RetryPolicy, client_for
from specs_app.llm.errors import (
    ProviderAuthFailed,
    ProviderBadRequest,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from tests.helpers import CLAUDE_KEY, OPENAI_KEY
from tests.specs_app.llm.protocol_servers import Fail, Ok, Raw, Slow

MESSAGES = [
    {"role": "system", "content": "You rephrase questions."},
    {"role": "user", "content": "Question: What does it do?"},
]
FAST = RetryPolicy(max_retries=2, backoff_seconds=0.01, backoff_max_seconds=0.02)


def anthropic(server, key=CLAUDE_KEY, **kwargs):
    return AnthropicClient(
        provider="claude", base_url=server.base_url, api_key=key, retry=FAST, **kwargs
    )


def openai(server, key=OPENAI_KEY, provider="openai", **kwargs):
    return OpenAICompatibleClient(
        provider=provider, base_url=server.base_url, api_key=key, retry=FAST, **kwargs
    )


def test_anthropic_messages_call_returns_text_and_token_counts(anthropic_server):
    anthropic_server.queue(Ok("Which problem does it solve?", tokens_input=31, tokens_output=7))

    result = anthropic(anthropic_server).complete(MESSAGES, "claude-sonnet-4-5", 150)

    assert (result.text, result.tokens_input, result.tokens_output) == (
        "Which problem does it solve?",
        31,
        7,
    )
    assert result.tokens_total == 38 and result.provider == "claude"
    sent = anthropic_server.requests[0]
    assert sent.headers["x-api-key"] == CLAUDE_KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.body == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 150,
        "system": "You rephrase questions.",
        "messages": [{"role": "user", "content": "Question: What does it do?"}],
    }


def test_openai_chat_completions_call_returns_text_and_token_counts(openai_server):
    openai_server.queue(Ok("Who uses it?", tokens_input=20, tokens_output=4))

    result = openai(openai_server).complete(MESSAGES, "gpt-4.1-mini", 50)

    assert (result.text, result.tokens_input, result.tokens_output) == ("Who uses it?", 20, 4)
    sent = openai_server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert sent.body["messages"] == MESSAGES and sent.body["max_tokens"] == 50


def test_ollama_is_called_without_an_authorization_header(ollama_server, settings):
    client = client_for("ollama", api_key=None)

    result = client.complete(MESSAGES, "llama3.1:8b", 20)

    assert result.provider == "ollama"
    assert "authorization" not in ollama_server.requests[0].headers


def test_a_429_is_retried_after_backoff_and_then_succeeds(anthropic_server):
    anthropic_server.queue(Fail(429, "slow down", retry_after="0"), Ok("Done?"))

    result = anthropic(anthropic_server).complete(MESSAGES, "claude-sonnet-4-5", 20)

    assert result.text == "Done?"
    assert len(anthropic_server.requests) == 2


def test_5xx_answers_are_retried(openai_server):
    openai_server.queue(Fail(503, "busy"), Fail(500, "oops"), Ok("Fine?"))

    result = openai(openai_server).complete(MESSAGES, "gpt-4o", 20)

    assert result.text == "Fine?"
    assert len(openai_server.requests) == 3


def test_a_persistent_429_becomes_rate_limited_with_retry_after(anthropic_server):
    anthropic_server.queue(*[Fail(429, "rate limited", retry_after="7")] * 3)
    sleeps = []
    client = anthropic(anthropic_server, sleep=sleeps.append)

    with pytest.raises(ProviderRateLimited) as excinfo:
        client.complete(MESSAGES, "claude-sonnet-4-5", 20)

    assert excinfo.value.status_code == 429
    assert excinfo.value.retry_after == 7
    assert "claude is rate limiting requests" in excinfo.value.message
    assert len(anthropic_server.requests) == 3  # the first call and two retries
    assert sleeps == [0.02, 0.02]  # Retry-After honoured, capped by backoff_max_seconds


def test_backoff_grows_exponentially_up_to_the_cap():
    policy = RetryPolicy(max_retries=5, backoff_seconds=0.5, backoff_max_seconds=3)

    assert [policy.delay(n, None) for n in range(4)] == [0.5, 1.0, 2.0, 3]
    assert policy.delay(0, 2.5) == 2.5


def test_a_slow_provider_times_out_as_504_naming_it(openai_server):
    openai_server.queue(Slow(1.0))
    client = openai(openai_server, timeout=0.2)

    with pytest.raises(ProviderTimeout) as excinfo:
        client.complete(MESSAGES, "gpt-4o", 20)

    assert excinfo.value.status_code == 504
    assert excinfo.value.message == "openai did not answer within 0.2 seconds."
    assert len(openai_server.requests) == 1  # a timeout is not retried


@pytest.mark.parametrize("protocol", ["anthropic", "openai"])
def test_a_bad_key_is_a_400_naming_the_provider_without_echoing_the_key(
    protocol, anthropic_server, openai_server
):
    wrong = "sk-wrong-key-abcdef123456"
    client = (
        anthropic(anthropic_server, key=wrong)
        if protocol == "anthropic"
        else openai(openai_server, key=wrong)
    )

    with pytest.raises(ProviderAuthFailed) as excinfo:
        client.complete(MESSAGES, "claude-sonnet-4-5", 20)

    provider = "claude" if protocol == "anthropic" else "openai"
    assert excinfo.value.status_code == 400
    assert excinfo.value.message.startswith(f"The {provider} API key was rejected (HTTP 401)")
    assert wrong not in excinfo.value.message
    assert "[redacted]" in excinfo.value.message


def test_an_unknown_model_is_a_400_with_the_providers_message(anthropic_server):
    with pytest.raises(ProviderBadRequest) as excinfo:
        anthropic(anthropic_server).complete(MESSAGES, "unknown-model", 20)

    assert excinfo.value.status_code == 400
    assert "claude rejected the request (HTTP 404): model: unknown-model" in excinfo.value.message


def test_an_unreachable_provider_is_retried_then_502():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = OpenAICompatibleClient(
        provider="ollama", base_url=f"http://127.0.0.1:{port}/v1", api_key=None, retry=FAST
    )

    with pytest.raises(ProviderUnavailable) as excinfo:
        client.complete(MESSAGES, "llama3.1:8b", 20)

    assert excinfo.value.status_code == 502
    assert f"ollama could not be reached at http://127.0.0.1:{port}/v1" in excinfo.value.message


def test_an_unreadable_answer_is_502(openai_server):
    openai_server.queue(Raw(b'{"choices": []}'))

    with pytest.raises(ProviderUnavailable, match="not a valid completion"):
        openai(openai_server).complete(MESSAGES, "gpt-4o", 20)


def test_the_client_repr_never_shows_the_key(anthropic_server):
    assert CLAUDE_KEY not in repr(anthropic(anthropic_server))
