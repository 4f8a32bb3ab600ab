"""Readiness, the compatibility matrix run, and the phase gate."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from auth_app.audit import AuditAction
from auth_app.services import audit_log
from socrates.db import SPECS_DB
from socrates.errors import Conflict as ConflictError
from socrates.errors import PermissionDenied
from specs_app.engine import compatibility, gates, quality
from specs_app.engine import selectors as engine_selectors
from specs_app.engine.services.metrics import READINESS, maturity_refresh, metric_record
from specs_app.models import (
    Project,
    TestResult,
)
from specs_app.services import (
    ensure_writable,
    project_update,
)


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
        action=AuditAction.PHASE_GATE,
        resource_id=str(project.pk),
        details={**verdict.as_dict(), "override_requested": override, "advanced": advanced},
        **audit,
    )
    if overridden:
        audit_log(
            action=AuditAction.PHASE_GATE_OVERRIDE,
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


def project_edit(*, project: Project, user, request=None, **fields) -> Project:
    """Change a project's fields from the API; a phase change goes through the phase gate.

    Maturity is computed from the specifications and never taken from a client (serializers
    drop it). A different ``current_phase`` is the next phase through ``phase_advance`` (the
    owner only; the gate, audited; 409 naming the failed checks), never a plain write.
    """
    fields.pop("maturity_score", None)
    to_phase = fields.pop("current_phase", None)
    if to_phase is not None and to_phase != project.current_phase:
        if to_phase != gates.next_phase(project.current_phase):
            raise ConflictError(
                f"A project moves one phase at a time, through its gate: from "
                f"{project.current_phase} the next phase is "
                f"{gates.next_phase(project.current_phase) or 'none (it is the last)'}, "
                f"not {to_phase}.",
                details={"current_phase": [f"the next phase is not {to_phase}"]},
                code="phase_not_next",
            )
        project = phase_advance(project=project, user=user, request=request).project
    return project_update(project=project, **fields) if fields else project
