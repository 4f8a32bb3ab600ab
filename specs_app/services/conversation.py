"""Conversation writes: append turns, record a user's answer."""

from __future__ import annotations

import uuid

from django.db import transaction

from socrates.db import SPECS_DB
from socrates.errors import ValidationFailed
from specs_app.access import access_to, require_answerable
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
    with transaction.atomic(using=SPECS_DB):
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

    The question, when given, must belong to the same session, and its category must be one
    the user answers (specs_app.access: owners answer everything, team members their role's).
    """
    ensure_session_active(session)
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
        require_answerable(access_to(user_id, session.project), category=category)
    return answer_turn_append(
        session=session, user_id=user_id, answer=answer, question_id=question_id
    )


def answer_turn_append(
    *, session: Session, user_id: uuid.UUID, answer: str, question_id: uuid.UUID | None
) -> ConversationHistory:
    """Append an answer turn whose question and access the caller has already checked."""
    metadata = {"user_id": str(user_id)}
    if question_id is not None:
        metadata["question_id"] = str(question_id)
    return conversation_append(
        session=session,
        role=ConversationRole.USER,
        content=answer,
        message_type="answer",
        metadata=metadata,
    )
