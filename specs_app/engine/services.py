"""Engine writes: ask the next question, take an answer, check quality, gates and compatibility.

Every specification write, whatever its entry point, goes through specs_app.services, which
calls ``post_write_check`` (registered in SpecsAppConfig.ready()): a specification that
conflicts is kept but not current, its conflicts are stored open, and the version it would
have superseded stays current until the conflict is resolved. When the tech stack changes the
compatibility matrix is evaluated again; the project's maturity follows every write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from auth_app.rules import rules_of
from socrates.errors import Conflict as ConflictError
from socrates.errors import PermissionDenied, ValidationFailed
from specs_app.engine import compatibility, gates, quality
from specs_app.engine import selectors as engine_selectors
from specs_app.engine.bank import Template, get_bank
from specs_app.engine.conflicts import detect_conflicts
from specs_app.engine.extraction import extract_specifications, normalise_text
from specs_app.engine.next_question import Ranker, choose
from specs_app.models import (
    Conflict,
    ConversationHistory,
    Project,
    QualityMetric,
    Question,
    Session,
    SessionStatus,
    Specification,
    SpecificationSource,
    TestResult,
)
from specs_app.services import (
    answer_record,
    conversation_append,
    ensure_session_active,
    ensure_writable,
    project_update,
    question_create,
    specification_create,
    specification_update,
)

SPECS_DB = "specs"
# An answer states what the user believes now; it is not yet confirmed, hence below 1.
DEFAULT_ANSWER_CONFIDENCE = 0.8
FREE_QUESTION_KEY = "notes"

# Metric types stored in quality_metrics.
QUESTION_BIAS = "question_bias"
COVERAGE = "coverage"
MATURITY = "maturity"
READINESS = "readiness"

# Set while an answer writes its specifications: see post_write_check.
_statements: ContextVar[bool] = ContextVar("engine_statements", default=False)
_deferred: ContextVar[set | None] = ContextVar("engine_deferred", default=None)


@contextmanager
def _answer_writes() -> Iterator[set]:
    """Mark the writes inside as statements, and defer tech-stack re-evaluation to the end."""
    statements = _statements.set(True)
    deferred = _deferred.set(set())
    try:
        yield _deferred.get()
    finally:
        _deferred.reset(deferred)
        _statements.reset(statements)


# --- the write hook ---------------------------------------------------------------------------


def post_write_check(*, spec: Specification, previous: Specification | None, action: str) -> None:
    """Detect the conflicts of a specification just written as current; keep it pending if any.

    Runs inside the write's transaction (specs_app.services.specifications).
    """
    conflicts = detect_conflicts(spec, previous=previous, statement=_statements.get())
    if conflicts:
        Conflict.objects.bulk_create(conflicts)
        spec.is_current = False
        spec.save(update_fields=["is_current", "updated_at"])
        if previous is not None:
            # The newcomer waits for resolution: the version it superseded stays current.
            previous.is_current = True
            previous.superseded_at = None
            previous.superseded_by = None
            previous.save(
                update_fields=["is_current", "superseded_at", "superseded_by", "updated_at"]
            )
        return
    deferred = _deferred.get()
    if deferred is not None:
        if spec.category == "tech_stack":
            deferred.add(spec.project_id)
        return
    maturity_refresh(project_id=spec.project_id)
    if spec.category == "tech_stack":
        compatibility_run(project=spec.project, trigger="specification_write")


def post_resolve_check(*, project: Project, specifications: list[Specification]) -> None:
    """Refresh maturity, and the compatibility test when the stack changed, after a resolution.

    Runs inside conflict_resolve's transaction for keep_old and replace, which change which
    versions are current without a new write.
    """
    maturity_refresh(project_id=project.pk)
    if any(spec.category == "tech_stack" for spec in specifications):
        compatibility_run(project=project, trigger="conflict_resolved")


# --- quality metrics --------------------------------------------------------------------------


def metric_record(
    *,
    project_id,
    metric_type: str,
    value: float,
    threshold: float | None,
    passed: bool,
    details: dict,
) -> QualityMetric:
    with transaction.atomic(using=SPECS_DB):
        return QualityMetric.objects.create(
            project_id=project_id,
            metric_type=metric_type,
            metric_value=value,
            threshold=threshold,
            passed=passed,
            details=details,
        )


@dataclass(frozen=True)
class ProjectQuality:
    coverage: quality.CoverageResult
    maturity: quality.MaturityResult


def maturity_refresh(*, project_id, record_metrics: bool = False) -> ProjectQuality:
    """Recompute coverage and maturity, store maturity on the project, optionally as metrics."""
    states = engine_selectors.project_category_states(project_id=project_id)
    cover = quality.coverage(states)
    mature = quality.maturity(states)
    with transaction.atomic(using=SPECS_DB):
        Project.objects.filter(pk=project_id).update(
            maturity_score=mature.score, updated_at=timezone.now()
        )
        if record_metrics:
            metric_record(
                project_id=project_id,
                metric_type=COVERAGE,
                value=cover.value,
                threshold=cover.threshold,
                passed=cover.sufficient,
                details={
                    "gaps": cover.gaps,
                    "max_gaps": cover.max_gaps,
                    "categories": [s.as_dict() for s in cover.categories],
                },
            )
            metric_record(
                project_id=project_id,
                metric_type=MATURITY,
                value=mature.score,
                threshold=quality.MATURITY_GATE,
                passed=mature.score >= quality.MATURITY_GATE,
                details={
                    "total_target": mature.total_target,
                    "categories": [s.as_dict() for s in mature.categories],
                },
            )
    return ProjectQuality(cover, mature)


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


# --- next question ----------------------------------------------------------------------------


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
    from knowledge_app.learning import preferred_detail_level
    from teams_app.selectors import answerable_categories

    project = session.project
    _ensure_questions_allowed(session)
    # Teams (phase 6): ask a team member only what their role may answer.
    allowed = answerable_categories(user=user, project=project)
    if allowed is not None and not allowed:
        raise PermissionDenied(
            "Your access to this project answers no question category.",
            details={"answerable": []},
            code="category_not_answerable",
        )
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
    detail_level = preferred_detail_level(user_id=user.pk, rules=rules_of(user_id=user.pk))
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


# --- answers ------------------------------------------------------------------------------------


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
    from knowledge_app.learning import record_answer

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
    # Teams (phase 6, teams_app): a team member answers only the categories of their role.
    from teams_app.selectors import answerable_categories

    allowed = answerable_categories(user=user, project=project)
    if allowed is not None and question.category not in allowed:
        raise PermissionDenied(
            f"Your team role does not answer {question.category!r} questions on this project.",
            details={"category": question.category, "answerable": sorted(allowed)},
            code="category_not_answerable",
        )
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

    with _answer_writes() as tech_changed, transaction.atomic(using=SPECS_DB):
        turn = answer_record(
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
        record_answer(
            user_id=user.pk,
            project_id=project.pk,
            template_id=question.template_id,
            role=role,
            answer_text=answer,
            specs_extracted=len(written),
        )
        outcome.quality = maturity_refresh(project_id=project.pk, record_metrics=True)
        if tech_changed:
            outcome.test_result = compatibility_run(project=project, trigger="answer")
    return outcome


# --- readiness, compatibility, phase gates ----------------------------------------------------


def readiness_assess(*, project: Project) -> quality.ReadinessResult:
    """Compute readiness (and refresh maturity), storing each as a quality metric."""
    maturity_refresh(project_id=project.pk, record_metrics=True)
    result = quality.readiness(
        states=engine_selectors.project_category_states(project_id=project.pk),
        average_confidence=engine_selectors.average_confidence(project_id=project.pk),
        open_conflicts=engine_selectors.open_conflicts(project_id=project.pk),
    )
    metric_record(
        project_id=project.pk,
        metric_type=READINESS,
        value=result.score,
        threshold=result.threshold,
        passed=result.ready,
        details={
            "coverage": result.coverage,
            "average_confidence": result.average_confidence,
            "maturity": result.maturity,
            "blocking_conflicts": result.blocking_conflicts,
            "missing": result.missing,
        },
    )
    return result


def compatibility_run(*, project: Project, trigger: str = "manual") -> TestResult:
    """Evaluate the current tech stack against the compatibility matrix and store the result."""
    specs = list(engine_selectors.tech_stack_specifications(project_id=project.pk))
    stack = compatibility.stack_of(specs)
    started = timezone.now()
    report = compatibility.evaluate(stack)
    errors = [
        f"{problem['message']} ("
        + ", ".join(f"{s['key']} = {s['value']!r} [{s['id']}]" for s in problem["specifications"])
        + ")"
        for problem in report.incompatibilities
    ]
    with transaction.atomic(using=SPECS_DB):
        return TestResult.objects.create(
            project=project,
            test_type=TestResult.Type.COMPATIBILITY,
            technology_stack={
                item.key: {
                    "technology": item.technology,
                    "version": item.version,
                    "value": item.value,
                    "spec_id": item.spec_id,
                }
                for item in stack.values()
            },
            test_status=TestResult.Status.PASSED if report.passed else TestResult.Status.FAILED,
            results={
                "trigger": trigger,
                "rules_checked": report.rules_checked,
                "incompatibilities": report.incompatibilities,
                "unverified": report.unverified,
            },
            error_message="; ".join(errors),
            started_at=started,
            completed_at=timezone.now(),
        )


@dataclass(frozen=True)
class PhaseAdvance:
    project: Project
    verdict: gates.GateVerdict
    overridden: bool


def phase_advance(
    *, project: Project, user, override: bool = False, reason: str = "", request=None
) -> PhaseAdvance:
    """Move the project to its next phase if the gate passes, or if the owner overrides it.

    The verdict (and any override) is written to audit_logs; a failed gate without override is
    a Conflict (409) listing the failed checks.
    """
    from auth_app.services import audit_log

    if project.owner_id != user.pk:
        raise PermissionDenied("Only the project's owner can move it to another phase.")
    ensure_writable(project)
    to_phase = gates.next_phase(project.current_phase)
    if to_phase is None:
        raise ConflictError(
            f"Project {project.pk} is already in its last phase ({project.current_phase}).",
            details={"current_phase": project.current_phase},
            code="last_phase",
        )
    refreshed = maturity_refresh(project_id=project.pk, record_metrics=True)
    verdict = gates.evaluate_gate(
        from_phase=project.current_phase,
        to_phase=to_phase,
        maturity=refreshed.maturity.score,
        open_conflicts=len(engine_selectors.open_conflicts(project_id=project.pk)),
    )
    overridden = not verdict.passed and override
    advanced = verdict.passed or overridden
    audit = {"user": user, "request": request, "resource_type": "project"}
    audit_log(
        action="project.phase_gate",
        resource_id=str(project.pk),
        details={**verdict.as_dict(), "override_requested": override, "advanced": advanced},
        **audit,
    )
    if overridden:
        audit_log(
            action="project.phase_gate_override",
            resource_id=str(project.pk),
            details={
                "from_phase": verdict.from_phase,
                "to_phase": verdict.to_phase,
                "reason": reason,
                "failed_checks": [c.as_dict() for c in verdict.failures],
            },
            **audit,
        )
    if not advanced:
        raise ConflictError(
            f"The gate from {verdict.from_phase} to {verdict.to_phase} failed: "
            + " ".join(c.message for c in verdict.failures)
            + " The owner may override it explicitly.",
            details=verdict.as_dict(),
            code="phase_gate_failed",
        )
    project = project_update(project=project, current_phase=to_phase)
    return PhaseAdvance(project, verdict, overridden)


def user_role(access) -> str:
    """Return the role a question's learning data is filed under for this access."""
    if access is None:
        return ""
    return "owner" if access.is_owner else (access.team_role or "")


__all__ = [
    "AnswerOutcome",
    "AskedQuestion",
    "answer_submit",
    "compatibility_run",
    "maturity_refresh",
    "next_question",
    "phase_advance",
    "post_write_check",
    "question_ask",
    "question_bias_check",
    "readiness_assess",
    "user_role",
]
