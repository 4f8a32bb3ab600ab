"""HTTP clients for the two wire protocols every supported provider speaks.

One interface: `complete(messages, model, max_tokens) -> CompletionResult`. AnthropicClient
speaks Anthropic's Messages API; OpenAICompatibleClient speaks the OpenAI chat completions API,
which OpenAI, Gemini (its OpenAI-compatible endpoint) and Ollama (`/v1`) all serve.

Requests go through httpx with timeouts; 429 and 5xx answers (and refused connections) are
retried with exponential backoff that honours Retry-After. Failures become the domain errors of
specs_app.llm.errors. The API key is never logged and is scrubbed from any provider message.
"""

import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypedDict

import httpx
from django.conf import settings

from . import registry
from .errors import (
    ProviderAuthFailed,
    ProviderBadRequest,
    ProviderError,
    ProviderNotConfigured,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)

logger = logging.getLogger("socrates.llm")

ANTHROPIC_VERSION = "2023-06-01"
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
# Used when a provider rate-limits without saying for how long.
DEFAULT_RETRY_AFTER_SECONDS = 30


class Message(TypedDict):
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass(frozen=True)
class CompletionResult:
    text: str
    tokens_input: int
    tokens_output: int
    provider: str
    model: str
    latency_ms: int

    @property
    def tokens_total(self) -> int:
        return self.tokens_input + self.tokens_output


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    backoff_seconds: float = 0.5
    backoff_max_seconds: float = 8.0

    @classmethod
    def from_settings(cls, max_retries: int | None = None) -> "RetryPolicy":
        return cls(
            max_retries=(max_retries if max_retries is not None else settings.LLM_MAX_RETRIES),
            backoff_seconds=settings.LLM_BACKOFF_SECONDS,
            backoff_max_seconds=settings.LLM_BACKOFF_MAX_SECONDS,
        )

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        backoff = self.backoff_seconds * (2**attempt)
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.backoff_max_seconds)


def _retry_after_seconds(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        # An HTTP-date is allowed too; treat it as "unknown" rather than parse clocks.
        return None


class LlmClient(ABC):
    """A provider's completion endpoint."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        api_key: str | None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout if timeout is not None else settings.LLM_TIMEOUT_SECONDS
        self.retry = retry or RetryPolicy.from_settings()
        self._sleep = sleep

    def __repr__(self) -> str:  # never show the key
        return f"<{type(self).__name__} provider={self.provider} base_url={self.base_url}>"

    def complete(
        self, messages: Sequence[Message], model: str, max_tokens: int
    ) -> CompletionResult:
        """Send the conversation and return the answer with its token counts."""
        if not messages:
            raise ProviderBadRequest("No messages to send.", provider=self.provider)
        if max_tokens < 1:
            raise ProviderBadRequest("max_tokens must be at least 1.", provider=self.provider)
        url, headers, body = self._request(list(messages), model, max_tokens)
        started = time.monotonic()
        response = self._post_with_retries(url, headers, body)
        latency_ms = int((time.monotonic() - started) * 1000)
        try:
            payload = response.json()
            text, tokens_input, tokens_output = self._parse(payload)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderUnavailable(
                f"{self.provider} returned a response that is not a valid completion.",
                provider=self.provider,
            ) from exc
        return CompletionResult(
            text=text,
            tokens_input=int(tokens_input),
            tokens_output=int(tokens_output),
            provider=self.provider,
            model=payload.get("model") or model,
            latency_ms=latency_ms,
        )

    @abstractmethod
    def _request(
        self, messages: list[Message], model: str, max_tokens: int
    ) -> tuple[str, dict, dict]:
        """Return the URL, headers and JSON body of one completion request."""

    @abstractmethod
    def _parse(self, payload: dict) -> tuple[str, int, int]:
        """Return the text and the input and output token counts of a response body."""

    def _post_with_retries(self, url: str, headers: dict, body: dict) -> httpx.Response:
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0))
        attempt = 0
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            while True:
                try:
                    response = client.post(url, headers=headers, json=body)
                except httpx.TimeoutException as exc:
                    # Not retried: the provider may still be working (and billing) on it.
                    raise ProviderTimeout(
                        f"{self.provider} did not answer within {self.timeout:g} seconds.",
                        provider=self.provider,
                    ) from exc
                except httpx.TransportError as exc:
                    if attempt < self.retry.max_retries:
                        self._wait(attempt, None, f"connection failed ({type(exc).__name__})")
                        attempt += 1
                        continue
                    raise ProviderUnavailable(
                        f"{self.provider} could not be reached at {self.base_url} "
                        f"({type(exc).__name__}).",
                        provider=self.provider,
                    ) from exc
                if response.status_code < 400:
                    return response
                if response.status_code in RETRYABLE_STATUSES and attempt < self.retry.max_retries:
                    self._wait(
                        attempt, _retry_after_seconds(response), f"HTTP {response.status_code}"
                    )
                    attempt += 1
                    continue
                raise self._error_for(response)

    def _wait(self, attempt: int, retry_after: float | None, reason: str) -> None:
        delay = self.retry.delay(attempt, retry_after)
        logger.info(
            "LLM %s: %s, retry %d of %d in %.2fs",
            self.provider,
            reason,
            attempt + 1,
            self.retry.max_retries,
            delay,
        )
        self._sleep(delay)

    def _provider_message(self, response: httpx.Response) -> str:
        """Return the provider's own error message, with the key scrubbed out."""
        try:
            payload = response.json()
            error = payload.get("error", payload) if isinstance(payload, dict) else payload
            message = error.get("message", "") if isinstance(error, dict) else str(error)
        except ValueError:
            message = response.text
        message = str(message or "").strip()[:300]
        if self._api_key:
            message = message.replace(self._api_key, "[redacted]")
        return message

    def _error_for(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        said = self._provider_message(response)
        suffix = f": {said}" if said else ""
        details = {"upstream_status": status}
        if status in (401, 403):
            return ProviderAuthFailed(
                f"The {self.provider} API key was rejected (HTTP {status}){suffix}. "
                f"Check the key stored for {self.provider}.",
                provider=self.provider,
                details=details,
            )
        if status == 429:
            retry_after = _retry_after_seconds(response)
            seconds = (
                math.ceil(retry_after) if retry_after is not None else DEFAULT_RETRY_AFTER_SECONDS
            )
            return ProviderRateLimited(
                f"{self.provider} is rate limiting requests{suffix}; retry after {seconds} s.",
                provider=self.provider,
                retry_after=seconds,
                details=details,
            )
        if status == 504:
            return ProviderTimeout(
                f"{self.provider} timed out upstream (HTTP 504){suffix}.",
                provider=self.provider,
                details=details,
            )
        if 400 <= status < 500:
            return ProviderBadRequest(
                f"{self.provider} rejected the request (HTTP {status}){suffix}.",
                provider=self.provider,
                details=details,
            )
        return ProviderUnavailable(
            f"{self.provider} failed (HTTP {status}){suffix}.",
            provider=self.provider,
            details=details,
        )


class AnthropicClient(LlmClient):
    """Anthropic's Messages API: POST {base}/v1/messages."""

    def _request(self, messages, model, max_tokens):
        if not self._api_key:
            raise ProviderNotConfigured(
                f"No API key is configured for {self.provider}.", provider=self.provider
            )
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        body = {
            "model": model,
            "max_tokens": max_tokens,
            "messages": [
                {"role": m["role"], "content": m["content"]}
                for m in messages
                if m["role"] != "system"
            ],
        }
        if system:
            body["system"] = system
        headers = {
            "x-api-key": self._api_key,
            "anthropic-version": ANTHROPIC_VERSION,
            "content-type": "application/json",
        }
        return f"{self.base_url}/v1/messages", headers, body

    def _parse(self, payload):
        text = "".join(
            block.get("text", "") for block in payload["content"] if block.get("type") == "text"
        )
        usage = payload["usage"]
        return text, usage["input_tokens"], usage["output_tokens"]


class OpenAICompatibleClient(LlmClient):
    """The OpenAI chat completions API: POST {base}/chat/completions (base ends in /v1)."""

    def _request(self, messages, model, max_tokens):
        headers = {"content-type": "application/json"}
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        body = {
            "model": model,
            "max_tokens": max_tokens,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
        }
        return f"{self.base_url}/chat/completions", headers, body

    def _parse(self, payload):
        text = payload["choices"][0]["message"].get("content") or ""
        usage = payload.get("usage") or {}
        return text, usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)


PROTOCOL_CLIENTS: dict[str, type[LlmClient]] = {
    registry.ANTHROPIC_MESSAGES: AnthropicClient,
    registry.OPENAI_CHAT: OpenAICompatibleClient,
}


def client_for(
    provider: str,
    *,
    api_key: str | None,
    timeout: float | None = None,
    max_retries: int | None = None,
) -> LlmClient:
    """Build the client for a registry provider, pointed at its configured base URL."""
    spec = registry.get_provider(provider)
    return PROTOCOL_CLIENTS[spec.protocol](
        provider=spec.name,
        base_url=spec.base_url(),
        api_key=api_key,
        timeout=timeout,
        retry=RetryPolicy.from_settings(max_retries),
    )
