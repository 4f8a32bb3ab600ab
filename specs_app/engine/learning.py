"""What the engine asks of what was learned about a user, and tells it after each answer.

The learning tables are phase 5 (knowledge_app), a layer above the engine. knowledge_app
registers its learning module here in its ``AppConfig.ready()``; until then (or without it)
the engine ranks every template equally, words questions by the user's rules alone and
records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from socrates import phases

DETAIL_LEVELS = ("brief", "balanced", "detailed")


class Learning(Protocol):
    def ranking_scores(self, *, user_id, template_ids: Iterable[str]) -> dict[str, float]:
        """Return ``{template_id: score}``; higher is asked first."""

    def preferred_detail_level(self, *, user_id, rules: dict | None = None) -> str | None:
        """Return brief / balanced / detailed, or None for the standard wording."""

    def record_answer(
        self,
        *,
        user_id,
        project_id,
        template_id: str | None,
        role: str = "",
        answer_text: str,
        specs_extracted: int,
    ):
        """Learn from one answer (called inside the answer's transaction)."""


class _NoLearning:
    def ranking_scores(self, *, user_id, template_ids):
        return dict.fromkeys((str(t) for t in template_ids), 0.0)

    def preferred_detail_level(self, *, user_id, rules=None):
        explicit = (rules or {}).get("detail_level")
        return explicit if explicit in DETAIL_LEVELS else None

    def record_answer(self, **kwargs):
        return None


_NO_LEARNING = _NoLearning()
_registered: tuple[Learning, int] = (_NO_LEARNING, 0)


def register_learning(learning: Learning, *, phase: int) -> None:
    """Install the learning the engine consults (knowledge_app's AppConfig.ready()), used where
    the databases are at ``phase`` or later (below it, the engine learns nothing)."""
    global _registered
    _registered = (learning, phase)


def learning() -> Learning:
    learning_, phase = _registered
    return learning_ if phases.phase_enabled(phase) else _NO_LEARNING
