"""Asking: the bias check, a hand-written question, and the next question from the bank."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from auth_app.rules import rules_of
from socrates.db import SPECS_DB
from socrates.errors import Conflict as ConflictError
from socrates.errors import ValidationFailed
from specs_app.access import access_to, answerable_categories, require_answerable
from specs_app.engine import quality
from specs_app.engine import selectors as engine_selectors
from specs_app.engine.bank import Template
from specs_app.engine.extraction import normalise_text
from specs_app.engine.learning import learning
from specs_app.engine.next_question import Ranker, choose
from specs_app.engine.services.metrics import QUESTION_BIAS, metric_record
from specs_app.models import (
    ConversationHistory,
    Project,
    Question,
    Session,
    SessionStatus,
)
from specs_app.services import (
    conversation_append,
    ensure_writable,
    question_create,
)

# Set while an answer writes its specifications: see post_write_check.


def question_bias_check(
    *, project: Project, text: str, template_id: str | None = None, origin: str = "free"
) -> quality.BiasResult:
    """Score a question's bias and store the metric (blocked questions included).

    The caller must not store a question whose result is ``blocked``.
    """
    result = quality.question_bias(text)
    metric_record(
        project_id=project.pk,
        metric_type=QUESTION_BIAS,
        value=result.score,
        threshold=result.threshold,
        passed=not result.blocked,
        details={
            "text": text,
            "template_id": template_id,
            "origin": origin,
            "words": result.words,
            "matches": result.matches,
            "blocked": result.blocked,
        },
    )
    return result


def question_ask(
    *, session: Session, text: str, category: str, context: str = "", template_id=None
) -> Question:
    """Store a free question after its bias check; a biased one is refused (400), not stored."""
    _ensure_questions_allowed(session)
    result = question_bias_check(
        project=session.project, text=text, template_id=template_id, origin="free"
    )
    if result.blocked:
        raise ValidationFailed(
            f"text: the question is biased (score {result.score:g} > {result.threshold:g}); "
            "ask it without suggesting an answer.",
            details={"text": [f"biased: {result.matches}"], "bias_score": result.score},
            code="question_biased",
        )
    with transaction.atomic(using=SPECS_DB):
        question = question_create(
            session=session,
            text=text,
            category=category,
            context=context,
            quality_score=result.quality_score,
            template_id=template_id,
        )
        _question_turn(session, question)
    return question


Rephrase = Callable[..., tuple[str, str | None]]


def _default_rephrase(*, user, project, session, text: str) -> tuple[str, str | None]:
    from specs_app.llm.rephrase import rephrase_question

    return rephrase_question(user=user, project=project, session=session, text=text)


@dataclass(frozen=True)
class AskedQuestion:
    question: Question
    template: Template
    coverage: quality.CategoryState
    bias: quality.BiasResult
    rephrased: bool
    blocked_rephrasing: bool
    rephrase_error: str | None


def _ensure_questions_allowed(session: Session) -> None:
    ensure_writable(session.project)
    if session.status != SessionStatus.ACTIVE:
        reason = "it was ended" if session.status == SessionStatus.COMPLETED else "it is paused"
        raise ConflictError(
            f"Session {session.pk} is {session.status}; only an active session gets questions "
            f"({reason}).",
            details={"status": session.status},
            code="invalid_session_state",
        )


def _question_turn(
    session: Session, question: Question, *, rephrase_error: str | None = None
) -> ConversationHistory:
    metadata = {"question_id": str(question.pk), "template_id": question.template_id}
    if rephrase_error:
        # The provider failed and the template text was asked; keep the reason with the turn.
        metadata["rephrase_error"] = rephrase_error
    return conversation_append(
        session=session,
        role=ConversationHistory.Role.ASSISTANT,
        content=question.text,
        message_type="question",
        metadata=metadata,
    )


def next_question(
    *,
    session: Session,
    user,
    rankers: Iterable[Ranker] | None = None,
    rephrase: Rephrase | None = _default_rephrase,
) -> AskedQuestion:
    """Ask the best unasked template of the least covered category and store the question.

    The wording follows the user's detail level; `rephrase` (the user's LLM, when configured)
    may reword it. The final text passes the bias check, or the template's own text is used.
    """
    project = session.project
    _ensure_questions_allowed(session)
    # Ask a team member only what their role may answer (specs_app.access).
    access = access_to(user, project)
    require_answerable(access)
    allowed = answerable_categories(access)
    states = engine_selectors.project_category_states(project_id=project.pk)
    asked = engine_selectors.asked_template_ids(project_id=project.pk)
    choice = choose(
        user_id=user.pk, states=states, asked=asked, rankers=rankers, categories=allowed
    )
    if choice is None:
        scope = "" if allowed is None else " in the categories your role answers"
        raise ConflictError(
            f"Every question of the bank{scope} has been asked in project {project.pk}.",
            details={"asked": len(asked)},
            code="question_bank_exhausted",
        )
    template = choice.template
    detail_level = learning().preferred_detail_level(
        user_id=user.pk, rules=rules_of(user_id=user.pk)
    )
    text = template.text_for(detail_level)
    rephrase_error = None
    rephrased = False
    blocked_rephrasing = False
    if rephrase is not None:
        # Outside any transaction: a provider call may take seconds.
        new_text, rephrase_error = rephrase(user=user, project=project, session=session, text=text)
        rephrased = normalise_text(new_text) != normalise_text(text)
    bias = None
    if rephrased:
        bias = question_bias_check(
            project=project, text=new_text, template_id=template.id, origin="rephrased"
        )
        if bias.blocked:
            blocked_rephrasing, rephrased = True, False
        else:
            text = new_text
    if not rephrased:
        bias = question_bias_check(
            project=project, text=text, template_id=template.id, origin="template"
        )
        if bias.blocked:
            raise ConflictError(
                f"Template {template.id} failed the bias check; it cannot be asked.",
                details={"template_id": template.id, "bias_score": bias.score},
                code="question_biased",
            )
    with transaction.atomic(using=SPECS_DB):
        question = question_create(
            session=session,
            text=text,
            category=template.category,
            context=template.why,
            quality_score=bias.quality_score,
            template_id=template.id,
        )
        _question_turn(session, question, rephrase_error=rephrase_error)
    return AskedQuestion(
        question=question,
        template=template,
        coverage=choice.category,
        bias=bias,
        rephrased=rephrased,
        blocked_rephrasing=blocked_rephrasing,
        rephrase_error=rephrase_error,
    )
