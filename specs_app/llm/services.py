"""LLM writes: provider/model choices, and the one entry point that calls a provider.

`llm_complete` resolves the provider and model (project, user, default), finds the user's key,
calls the provider, records the usage row and marks the key used. Every call site goes through
it, so every call is priced and tracked.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from auth_app.selectors.api_keys import UsableKey, api_key_for_use
from auth_app.services.accounts import user_llm_default_write
from auth_app.services.api_keys import api_key_mark_used, api_key_set
from socrates.db import SPECS_DB
from socrates.errors import ValidationFailed
from specs_app.models import Project, ProjectLlmChoice, Session

from . import registry
from .clients import CompletionResult, Message, client_for
from .errors import ProviderNotConfigured
from .selection import LlmChoice, resolve_llm
from .usage import usage_record

logger = logging.getLogger("socrates.llm")


def _validated(provider: str | None, model: str | None) -> tuple[str | None, str | None]:
    if provider is None or provider == "":
        if model:
            raise ValidationFailed(
                "A model needs its provider: set provider too, or clear both.",
                details={"provider": ["required when model is set"]},
            )
        return None, None
    return registry.validate_choice(provider, model)


def api_key_store(*, user, provider: str, api_key: str, request=None):
    """Store the user's key for a provider the registry knows; return (row, created)."""
    provider = registry.get_provider(provider).name
    return api_key_set(user=user, provider=provider, api_key=api_key, request=request)


def user_llm_default_set(*, user, provider: str | None, model: str | None = None):
    """Set (or clear, with provider None) the user's default provider and model."""
    provider, model = _validated(provider, model)
    user_llm_default_write(user=user, provider=provider, model=model)
    return user


def project_llm_set(*, project: Project, provider: str | None, model: str | None = None):
    """Set (or clear, with provider None) the project's provider and model."""
    provider, model = _validated(provider, model)
    with transaction.atomic(using=SPECS_DB):
        if provider is None:
            ProjectLlmChoice.objects.filter(project=project).delete()
        else:
            ProjectLlmChoice.objects.update_or_create(
                project=project, defaults={"provider": provider, "model": model}
            )
        project.updated_at = timezone.now()
        Project.objects.filter(pk=project.pk).update(updated_at=project.updated_at)
    # The row cached on the instance (project.llm_choice) is stale now.
    project._state.fields_cache.pop("llm_choice", None)
    return project


@dataclass(frozen=True)
class ReadyProvider:
    choice: LlmChoice
    key: UsableKey | None


def llm_ready(*, user, project: Project | None = None) -> ReadyProvider | None:
    """Return the resolved choice and key when a call can be made, else None."""
    choice = resolve_llm(user=user, project=project)
    spec = registry.PROVIDERS[choice.provider]
    key = api_key_for_use(user_id=user.pk, provider=choice.provider)
    if key is None and (spec.requires_key or not spec.base_url_configured()):
        return None
    return ReadyProvider(choice=choice, key=key)


def llm_complete(
    *,
    user,
    messages: Sequence[Message],
    max_tokens: int,
    project: Project | None = None,
    session: Session | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
) -> CompletionResult:
    """Call the user's (or project's) provider, record the usage and return the answer."""
    ready = llm_ready(user=user, project=project)
    if ready is None:
        choice = resolve_llm(user=user, project=project)
        raise ProviderNotConfigured(
            f"No API key is stored for {choice.provider}; add one with POST /api/v2/llm/api-keys/.",
            provider=choice.provider,
        )
    client = client_for(
        ready.choice.provider,
        api_key=ready.key.secret if ready.key else None,
        timeout=timeout,
        max_retries=max_retries,
    )
    result = client.complete(messages, ready.choice.model, max_tokens)
    usage_record(
        user_id=user.pk, result=result, model=ready.choice.model, project=project, session=session
    )
    if ready.key is not None:
        api_key_mark_used(api_key_id=ready.key.id)
    return result


VERIFY_PROMPT: list[Message] = [{"role": "user", "content": "Reply with the single word OK."}]


def llm_verify_key(*, user, provider: str) -> CompletionResult:
    """Make one tiny call with the user's key for `provider`; provider errors propagate.

    The model is the user's default when it belongs to this provider, else the provider's.
    The call is recorded in usage like any other.
    """
    spec = registry.get_provider(provider)
    key = api_key_for_use(user_id=user.pk, provider=spec.name)
    if key is None and (spec.requires_key or not spec.base_url_configured()):
        raise ProviderNotConfigured(
            f"No API key is stored for {spec.name}; add one with POST /api/v2/llm/api-keys/.",
            provider=spec.name,
        )
    model = spec.default_model
    if user.default_llm_provider == spec.name and user.default_llm_model:
        model = registry.validate_choice(spec.name, user.default_llm_model)[1]
    client = client_for(spec.name, api_key=key.secret if key else None)
    result = client.complete(VERIFY_PROMPT, model, 5)
    usage_record(user_id=user.pk, result=result, model=model)
    if key is not None:
        api_key_mark_used(api_key_id=key.id)
    return result
