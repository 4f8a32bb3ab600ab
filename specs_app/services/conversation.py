"""Conversation writes: append turns, record a user's answer."""

from __future__ import annotations

import uuid

from django.db import transaction

from socrates.errors import PermissionDenied, ValidationFailed
from specs_app.models import ConversationHistory, ConversationRole, Question, Session
from specs_app.services.sessions import ensure_session_active


def conversation_append(
    *,
    session: Session,
    role: str,
    content: str,
    message_type: str = "message",
    tokens_used: int = 0,
    metadata: dict | None = None,
) -> ConversationHistory:
    """Append one turn to a session's conversation."""
    with transaction.atomic(using="specs"):
        return ConversationHistory.objects.create(
            session=session,
            role=role,
            content=content,
            message_type=message_type,
            tokens_used=tokens_used,
            metadata=metadata or {},
        )


def answer_record(
    *,
    session: Session,
    user_id: uuid.UUID,
    answer: str,
    question_id: uuid.UUID | None = None,
) -> ConversationHistory:
    """Store a user's answer in an active session's conversation and return the stored turn.

    The question, when given, must belong to the same session.
    """
    ensure_session_active(session)
    metadata = {"user_id": str(user_id)}
    if question_id is not None:
        category = (
            Question.objects.filter(pk=question_id, session_id=session.pk)
            .values_list("category", flat=True)
            .first()
        )
        if category is None:
            raise ValidationFailed(
                f"question_id: question {question_id} is not a question of this session.",
                details={"question_id": ["Not a question of this session."]},
            )
        # Teams (phase 6): a team member answers only the categories of their role. Owners
        # (everyone before phase 6) answer everything, so v1's contract is unchanged for them.
        from teams_app.selectors import answerable_categories

        allowed = answerable_categories(user=user_id, project=session.project)
        if allowed is not None and category not in allowed:
            raise PermissionDenied(
                f"Your team role does not answer {category!r} questions on this project.",
                details={"category": category, "answerable": sorted(allowed)},
                code="category_not_answerable",
            )
        metadata["question_id"] = str(question_id)
    return conversation_append(
        session=session,
        role=ConversationRole.USER,
        content=answer,
        message_type="answer",
        metadata=metadata,
    )
