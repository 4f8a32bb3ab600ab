"""The LLM providers, their models and prices: the one place this data lives.

Prices are US dollars per 1,000 tokens (input, output), as the providers published them for
their public APIs; update them here when a provider changes its price list. Ollama runs models
on your own hardware, so its calls cost nothing and any model name it serves is accepted.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from socrates.errors import ValidationFailed

ANTHROPIC_MESSAGES = "anthropic_messages"
OPENAI_CHAT = "openai_chat_completions"


@dataclass(frozen=True)
class ModelPrice:
    """Price of one model in USD per 1,000 tokens."""

    input_per_1k: Decimal
    output_per_1k: Decimal


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    protocol: str
    default_model: str
    models: dict[str, ModelPrice]
    # Setting that overrides the base URL (and its default).
    base_url_setting: str
    default_base_url: str
    # Ollama needs no key; it is used without one only when its base URL is set explicitly.
    requires_key: bool = True
    # Any model name is accepted (priced at zero when it is not listed).
    open_model_list: bool = False
    key_help: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def base_url(self) -> str:
        return (getattr(settings, self.base_url_setting, "") or self.default_base_url).rstrip("/")

    def base_url_configured(self) -> bool:
        return bool(getattr(settings, self.base_url_setting, ""))

    def price(self, model: str) -> ModelPrice:
        return self.models.get(model, FREE)


FREE = ModelPrice(Decimal("0"), Decimal("0"))


def _p(input_per_1k: str, output_per_1k: str) -> ModelPrice:
    return ModelPrice(Decimal(input_per_1k), Decimal(output_per_1k))


PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        Provider(
            name="claude",
            label="Anthropic Claude",
            protocol=ANTHROPIC_MESSAGES,
            default_model="claude-sonnet-4-5",
            models={
                "claude-sonnet-4-5": _p("0.003", "0.015"),
                "claude-opus-4-1": _p("0.015", "0.075"),
                "claude-haiku-4-5": _p("0.001", "0.005"),
                "claude-3-5-haiku-latest": _p("0.0008", "0.004"),
            },
            base_url_setting="ANTHROPIC_BASE_URL",
            default_base_url="https://api.anthropic.com",
            key_help="An Anthropic API key (console.anthropic.com, starts with sk-ant-).",
        ),
        Provider(
            name="openai",
            label="OpenAI",
            protocol=OPENAI_CHAT,
            default_model="gpt-4.1-mini",
            models={
                "gpt-4.1": _p("0.002", "0.008"),
                "gpt-4.1-mini": _p("0.0004", "0.0016"),
                "gpt-4o": _p("0.0025", "0.01"),
                "gpt-4o-mini": _p("0.00015", "0.0006"),
            },
            base_url_setting="OPENAI_BASE_URL",
            default_base_url="https://api.openai.com/v1",
            key_help="An OpenAI API key (platform.openai.com, starts with sk-).",
        ),
        Provider(
            name="gemini",
            label="Google Gemini",
            protocol=OPENAI_CHAT,
            default_model="gemini-2.5-flash",
            models={
                "gemini-2.5-pro": _p("0.00125", "0.01"),
                "gemini-2.5-flash": _p("0.0003", "0.0025"),
                "gemini-2.0-flash": _p("0.0001", "0.0004"),
            },
            base_url_setting="GEMINI_BASE_URL",
            # Gemini's OpenAI-compatible endpoint.
            default_base_url="https://generativelanguage.googleapis.com/v1beta/openai",
            key_help="A Gemini API key (aistudio.google.com).",
        ),
        Provider(
            name="ollama",
            label="Ollama (self-hosted)",
            protocol=OPENAI_CHAT,
            default_model="llama3.1:8b",
            models={
                "llama3.1:8b": FREE,
                "llama3.2:3b": FREE,
                "mistral:7b": FREE,
                "qwen2.5:7b": FREE,
            },
            base_url_setting="OLLAMA_BASE_URL",
            default_base_url="http://localhost:11434/v1",
            requires_key=False,
            open_model_list=True,
            key_help="Optional: a bearer token when the Ollama server sits behind a proxy.",
        ),
    )
}

DEFAULT_PROVIDER = "claude"
MODEL_NAME_MAX_LENGTH = 100


def provider_names() -> list[str]:
    return list(PROVIDERS)


def get_provider(name: str) -> Provider:
    """Return a provider by name, or raise ValidationFailed listing the known ones."""
    try:
        return PROVIDERS[name]
    except (KeyError, TypeError):
        raise ValidationFailed(
            f"Unknown LLM provider {name!r}; choose one of: {', '.join(PROVIDERS)}.",
            details={"provider": [f"must be one of {', '.join(PROVIDERS)}"]},
            code="unknown_provider",
        ) from None


def validate_choice(provider: str, model: str | None) -> tuple[str, str]:
    """Check a provider/model pair against the registry; return it with the model filled in."""
    spec = get_provider(provider)
    if model is None or model == "":
        return spec.name, spec.default_model
    if model in spec.models:
        return spec.name, model
    if spec.open_model_list and len(model) <= MODEL_NAME_MAX_LENGTH and model.strip() == model:
        return spec.name, model
    raise ValidationFailed(
        f"Unknown model {model!r} for provider {provider!r}; "
        f"choose one of: {', '.join(spec.models)}.",
        details={"model": [f"must be one of {', '.join(spec.models)}"]},
        code="unknown_model",
    )


def cost_usd(provider: str, model: str, tokens_input: int, tokens_output: int) -> Decimal:
    """Return the cost of one call from the price table, rounded to 6 decimal places."""
    spec = PROVIDERS.get(provider)
    price = spec.price(model) if spec else FREE
    cost = (
        Decimal(tokens_input) * price.input_per_1k + Decimal(tokens_output) * price.output_per_1k
    ) / 1000
    return cost.quantize(Decimal("0.000001"))
