"""Which provider and model a call uses: the project's choice, else the user's, else Claude."""

from dataclasses import dataclass

from . import registry

SOURCE_PROJECT = "project"
SOURCE_USER = "user"
SOURCE_DEFAULT = "default"


@dataclass(frozen=True)
class LlmChoice:
    provider: str
    model: str
    source: str  # project, user or default


def _choice(provider: str | None, model: str | None) -> tuple[str, str] | None:
    """Return a stored pair completed from the registry, or None when unset or obsolete."""
    if not provider or provider not in registry.PROVIDERS:
        return None
    spec = registry.PROVIDERS[provider]
    if not model:
        return provider, spec.default_model
    if model in spec.models or spec.open_model_list:
        return provider, model
    # A model dropped from the registry falls back to the provider's default.
    return provider, spec.default_model


def resolve_llm(*, user, project=None) -> LlmChoice:
    """Resolve the provider and model for a user, optionally within a project."""
    if project is not None:
        pair = _choice(project.llm_provider, project.llm_model)
        if pair:
            return LlmChoice(*pair, source=SOURCE_PROJECT)
    if user is not None:
        pair = _choice(
            getattr(user, "default_llm_provider", None), getattr(user, "default_llm_model", None)
        )
        if pair:
            return LlmChoice(*pair, source=SOURCE_USER)
    default = registry.PROVIDERS[registry.DEFAULT_PROVIDER]
    return LlmChoice(default.name, default.default_model, source=SOURCE_DEFAULT)
