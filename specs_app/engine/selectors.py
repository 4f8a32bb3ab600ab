"""Reads the engine needs: current specifications, asked templates, open conflicts, results."""

import uuid

from django.db.models import Avg, QuerySet

from socrates import phases
from socrates.errors import NotFound, ValidationFailed
from specs_app.engine.quality import CategoryState, category_states
from specs_app.models import (
    CHOICE_PHASE,
    Conflict,
    ConflictStatus,
    ConversationHistory,
    Project,
    Question,
    QuestionTemplate,
    Specification,
    TestResult,
)


def current_specifications(*, project_id) -> QuerySet[Specification]:
    return Specification.objects.filter(project_id=project_id, is_current=True)


def project_category_states(*, project_id) -> dict[str, CategoryState]:
    """Return per-category counts and confidence sums of the project's current specifications."""
    rows = current_specifications(project_id=project_id).values_list("category", "confidence")
    return category_states(rows)


def average_confidence(*, project_id) -> float:
    value = current_specifications(project_id=project_id).aggregate(avg=Avg("confidence"))["avg"]
    return float(value or 0.0)


def asked_template_ids(*, project_id) -> set[str]:
    """The templates already asked in the project: from phase 4's question_templates, or below
    phase 4 from the conversation turns that asked them (their metadata names the template)."""
    if phases.phase_enabled(CHOICE_PHASE):
        return set(
            QuestionTemplate.objects.filter(question__project_id=project_id).values_list(
                "template_id", flat=True
            )
        )
    asked = ConversationHistory.objects.filter(
        session__project_id=project_id,
        role=ConversationHistory.Role.ASSISTANT,
        metadata__template_id__isnull=False,
    ).values_list("metadata__template_id", flat=True)
    return {template_id for template_id in asked if template_id}


def question_answered(*, question: Question) -> bool:
    return ConversationHistory.objects.filter(
        session_id=question.session_id,
        role=ConversationHistory.Role.USER,
        metadata__question_id=str(question.pk),
    ).exists()


def open_conflicts(*, project_id) -> list[dict]:
    """Return the project's open conflicts as dicts (id, type, severity, description, spec_ids)."""
    rows = Conflict.objects.filter(project_id=project_id, status=ConflictStatus.OPEN).order_by(
        "detected_at", "id"
    )
    return [
        {
            "conflict_id": str(c.pk),
            "conflict_type": c.conflict_type,
            "severity": c.severity,
            "description": c.description,
            "spec_ids": [str(s) for s in c.spec_ids],
        }
        for c in rows
    ]


def tech_stack_specifications(*, project_id) -> QuerySet[Specification]:
    return (
        current_specifications(project_id=project_id)
        .filter(category="tech_stack")
        .order_by("key", "created_at", "id")
    )


def test_result_list(*, project: Project, filters: dict | None = None) -> QuerySet[TestResult]:
    """Return a project's test results, newest first, narrowed by test_type / test_status."""
    filters = filters or {}
    queryset = TestResult.objects.filter(project=project)
    for field in ("test_type", "test_status"):
        if filters.get(field):
            queryset = queryset.filter(**{field: filters[field]})
    return queryset.order_by("-created_at", "-id")


def test_result_get(*, project: Project, result_id) -> TestResult:
    """Return one test result of the project; NotFound otherwise (400 on a malformed id)."""
    try:
        result_uuid = uuid.UUID(str(result_id))
    except ValueError:
        raise ValidationFailed(
            f"result_id: {str(result_id)!r} is not a valid UUID.",
            details={"result_id": [f"{str(result_id)!r} is not a valid UUID."]},
        ) from None
    result = TestResult.objects.filter(project=project, pk=result_uuid).first()
    if result is None:
        raise NotFound(f"Test result {result_id} not found.", details={"id": str(result_id)})
    return result
