"""Question writes."""

from __future__ import annotations

from django.db import transaction

from socrates import phases
from socrates.db import SPECS_DB
from specs_app.models import CHOICE_PHASE, Question, QuestionTemplate, Session
from specs_app.services.projects import ensure_writable


def question_create(
    *,
    session: Session,
    text: str,
    category: str,
    context: str = "",
    quality_score: float | None = None,
    template_id: str | None = None,
) -> Question:
    """Record a question asked in a session (on the session's project)."""
    with transaction.atomic(using=SPECS_DB):
        ensure_writable(session.project)
        question = Question.objects.create(
            project_id=session.project_id,
            session=session,
            text=text,
            category=category,
            context=context,
            quality_score=quality_score,
        )
        # The template lives in phase 4's table; below phase 4 it is kept only in the
        # conversation turn's metadata (engine/services/questions.py).
        if template_id and phases.phase_enabled(CHOICE_PHASE):
            QuestionTemplate.objects.create(question=question, template_id=template_id)
        question._asked_template_id = template_id
        return question
