"""Ask the user's provider to rephrase a question; fall back to the template text on anything.

The engine calls this after it has picked a question and before its bias check, so the check
applies to whatever text is finally asked. Without a provider (or key) nothing is called.
"""

import logging

from django.conf import settings

from .errors import ProviderError
from .services import llm_complete, llm_ready

logger = logging.getLogger("socrates.llm")

MAX_TOKENS = 200
MAX_LENGTH = 500

SYSTEM_PROMPT = (
    "You rephrase questions asked in a Socratic requirements interview about a software "
    "project. Keep the meaning and the scope exactly; do not add assumptions, options or "
    "leading suggestions; keep it one open question of at most two sentences. Reply with the "
    "rephrased question only."
)


def _clean(answer: str) -> str | None:
    text = answer.strip().strip('"“”').strip()
    if not text or len(text) > MAX_LENGTH or "?" not in text or "\n\n" in text:
        return None
    return text


def rephrase_question(*, user, project, session, text: str) -> tuple[str, str | None]:
    """Return (question text, error or None): the rephrasing, or `text` when none is possible.

    Never raises: with no provider or key it returns (text, None); on any failure it logs the
    reason and returns (text, reason). A successful call writes one usage row.
    """
    if not getattr(settings, "LLM_REPHRASE_ENABLED", True) or user is None:
        return text, None
    try:
        if llm_ready(user=user, project=project) is None:
            return text, None
        context = f"Project: {project.name}." if project is not None else ""
        result = llm_complete(
            user=user,
            project=project,
            session=session,
            messages=[
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"{context}\nQuestion: {text}".strip()},
            ],
            max_tokens=MAX_TOKENS,
            timeout=settings.LLM_REPHRASE_TIMEOUT_SECONDS,
            max_retries=settings.LLM_REPHRASE_MAX_RETRIES,
        )
    except ProviderError as exc:
        logger.warning("Rephrasing failed (%s), template text used: %s", exc.code, exc.message)
        return text, exc.message
    except Exception as exc:  # noqa: BLE001 - rephrasing must never break the session
        logger.exception("Rephrasing failed unexpectedly, template text used")
        return text, f"rephrasing failed unexpectedly ({type(exc).__name__})"
    rephrased = _clean(result.text)
    if rephrased is None:
        reason = f"{result.provider} did not answer with a single question; template text used"
        logger.warning("Rephrasing rejected: %s", reason)
        return text, reason
    return rephrased, None
