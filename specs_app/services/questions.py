"""Question writes."""

from __future__ import annotations

from django.db import transaction

from socrates.db import SPECS_DB
from specs_app.models import Question, Session
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
        return Question.objects.create(
            project_id=session.project_id,
            session=session,
            text=text,
            category=category,
            context=context,
            quality_score=quality_score,
            template_id=template_id,
        )
