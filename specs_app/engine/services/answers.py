"""Answers: store the turn and the specifications it states, report conflicts, learn."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from socrates import phases
from socrates.db import SPECS_DB
from socrates.errors import Conflict as ConflictError
from socrates.errors import ValidationFailed
from specs_app.access import access_to, require_answerable
from specs_app.engine import selectors as engine_selectors
from specs_app.engine.bank import get_bank
from specs_app.engine.extraction import extract_specifications, normalise_text
from specs_app.engine.learning import learning
from specs_app.engine.services.metrics import (
    DEFAULT_ANSWER_CONFIDENCE,
    FREE_QUESTION_KEY,
    ProjectQuality,
    maturity_refresh,
)
from specs_app.engine.services.readiness import (
    compatibility_run,
)
from specs_app.engine.services.writes import answer_writes
from specs_app.models import (
    Conflict,
    ConversationHistory,
    Question,
    Session,
    Specification,
    SpecificationSource,
    TestResult,
)
from specs_app.services import (
    answer_turn_append,
    ensure_session_active,
    specification_create,
    specification_update,
)

# Set while an answer writes its specifications: see post_write_check.

# The phase whose schema holds test_results.
TESTS_PHASE = 2


@dataclass
class AnswerOutcome:
    question: Question
    turn: ConversationHistory
    specifications: list[Specification] = field(default_factory=list)
    pending: list[Specification] = field(default_factory=list)
    unchanged: list[Specification] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    quality: ProjectQuality | None = None
    test_result: TestResult | None = None


def answer_submit(
    *,
    session: Session,
    user,
    question_id,
    answer: str,
    confidence: float | None = None,
    role: str = "",
) -> AnswerOutcome:
    """Store the answer turn and the specifications it states; report what conflicts.

    Specifications that conflict are stored pending (not current) with their open conflicts;
    the rest become current. Maturity and coverage are recomputed and recorded; the tech stack
    is re-checked when it changed; the learning data of the template is updated.
    """
    project = session.project
    if confidence is None:
        confidence = DEFAULT_ANSWER_CONFIDENCE
    if not 0 <= confidence <= 1:
        raise ValidationFailed(
            "confidence: must be between 0 and 1.", details={"confidence": ["0 to 1"]}
        )
    question = Question.objects.filter(pk=question_id, session_id=session.pk).first()
    if question is None:
        raise ValidationFailed(
            f"question_id: question {question_id} is not a question of this session.",
            details={"question_id": ["Not a question of this session."]},
        )
    # Checked once, here (answer_turn_append below does not check again).
    require_answerable(access_to(user, project), category=question.category)
    ensure_session_active(session)
    if engine_selectors.question_answered(question=question):
        raise ConflictError(
            f"Question {question.pk} was already answered.",
            details={"question_id": str(question.pk)},
            code="question_already_answered",
        )
    template = get_bank().template(question.template_id) if question.template_id else None
    own_key = template.own_key if template else (question.category, FREE_QUESTION_KEY)
    extracted = extract_specifications(answer, own_key=own_key, category=question.category)

    with answer_writes() as tech_changed, transaction.atomic(using=SPECS_DB):
        turn = answer_turn_append(
            session=session, user_id=user.pk, answer=answer, question_id=question.pk
        )
        outcome = AnswerOutcome(question=question, turn=turn)
        for item in extracted:
            metadata = {
                **item.metadata,
                "question_id": str(question.pk),
                "template_id": question.template_id,
                "turn_id": turn.pk,
            }
            current = (
                Specification.objects.select_for_update()
                .filter(project=project, category=item.category, key=item.key, is_current=True)
                .first()
            )
            fields = {
                "value": item.value,
                "content": item.content,
                "source": SpecificationSource.USER_INPUT,
                "confidence": confidence,
                "metadata": metadata,
                "session": session,
            }
            if current is None:
                spec = specification_create(
                    project=project, category=item.category, key=item.key, **fields
                )
            elif normalise_text(current.value).casefold() == item.value.casefold():
                outcome.unchanged.append(current)
                continue
            else:
                spec = specification_update(spec=current, **fields)
            (outcome.specifications if spec.is_current else outcome.pending).append(spec)
        written = [s.pk for s in outcome.specifications + outcome.pending]
        if outcome.pending:
            outcome.conflicts = list(
                Conflict.objects.filter(
                    project=project, status=Conflict.Status.OPEN, spec_ids__overlap=written
                ).order_by("detected_at", "id")
            )
        learning().record_answer(
            user_id=user.pk,
            project_id=project.pk,
            template_id=question.template_id,
            role=role,
            answer_text=answer,
            specs_extracted=len(written),
        )
        outcome.quality = maturity_refresh(project_id=project.pk, record_metrics=True)
        # test_results is phase 2's table: below it, no compatibility run is recorded.
        if tech_changed and phases.phase_enabled(TESTS_PHASE):
            outcome.test_result = compatibility_run(project=project, trigger="answer")
    return outcome


def user_role(access) -> str:
    """Return the role a question's learning data is filed under for this access."""
    if access is None:
        return ""
    return "owner" if access.is_owner else (access.team_role or "")
