"""Write one llm_usage_tracking row per provider call, priced from the registry."""

import logging
import uuid

from django.db import transaction

from socrates import phases
from socrates.db import SPECS_DB
from specs_app.models import LlmUsage, Project, Session

from . import registry
from .clients import CompletionResult

logger = logging.getLogger("socrates.llm")

# The phase whose schema holds llm_usage_tracking.
USAGE_PHASE = 3


def usage_record(
    *,
    user_id: uuid.UUID,
    result: CompletionResult,
    model: str | None = None,
    project: Project | None = None,
    session: Session | None = None,
) -> LlmUsage:
    """Record a completed call: tokens, cost from the price table, latency, project, session.

    `model` is the model that was asked for (its price applies); providers may answer with a
    dated variant of the name, which would not be in the price table.
    """
    model = model or result.model
    if not phases.phase_enabled(USAGE_PHASE):
        # Below phase 3 there is no llm_usage_tracking table (a keyless provider such as
        # Ollama can still answer): the call is logged, not counted.
        logger.info(
            "LLM call of %s %s not recorded: below phase %s", result.provider, model, USAGE_PHASE
        )
        return None
    with transaction.atomic(using=SPECS_DB):
        return LlmUsage.objects.create(
            user_id=user_id,
            project=project,
            session=session,
            provider=result.provider,
            model=model,
            tokens_input=result.tokens_input,
            tokens_output=result.tokens_output,
            tokens_total=result.tokens_total,
            cost_usd=registry.cost_usd(
                result.provider, model, result.tokens_input, result.tokens_output
            ),
            latency_ms=result.latency_ms,
        )
