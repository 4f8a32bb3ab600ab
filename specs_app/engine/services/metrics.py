"""Quality metrics: record one, refresh a project's maturity and coverage."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from socrates.db import SPECS_DB
from specs_app.engine import quality
from specs_app.engine import selectors as engine_selectors
from specs_app.models import (
    Project,
    QualityMetric,
)

# An answer states what the user believes now; it is not yet confirmed, hence below 1.
DEFAULT_ANSWER_CONFIDENCE = 0.8
FREE_QUESTION_KEY = "notes"

# Metric types stored in quality_metrics.
QUESTION_BIAS = "question_bias"
COVERAGE = "coverage"
MATURITY = "maturity"
READINESS = "readiness"

# Set while an answer writes its specifications: see post_write_check.


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
