"""Writes for code generation: request a generation (gates, version n+1) and run it.

A request checks the gates and creates version n+1 as `pending`, or answers the project's
generation already pending or in progress (at most one at a time per project: twenty identical
requests make one version). The run moves it to `in_progress`, writes its files and scores and
ends `completed`, or `failed` with the error; the files and the completion are one transaction.

`generation_start` runs it inline when settings.GENERATION_RUN_INLINE is true, else defers a
job (specs_app/tasks.py, run by `manage.py procrastinate worker`) in the very transaction that
creates the generation: a generation never lacks its job, and a job never names a missing row.
"""

import logging
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone

from socrates import queue
from socrates.db import SPECS_DB
from socrates.errors import Conflict
from specs_app.models import GeneratedFile, GeneratedProject, Project

from .generator import UnsupportedStack, generate
from .selectors import current_spec_records, generation_gate_failures

logger = logging.getLogger("socrates.generation")

FILE_BATCH_SIZE = 500
ERROR_MESSAGE_MAX = 2000
# The queue's name for the task that runs a generation (specs_app/tasks.py).
GENERATION_TASK = "generation.run"
UNFINISHED = (GeneratedProject.Status.PENDING, GeneratedProject.Status.IN_PROGRESS)


def generation_request(*, project: Project) -> tuple[GeneratedProject, bool]:
    """Check the gates and create the next version as pending (Conflict names failed gates);
    return it and True, or the generation already pending or in progress and False."""
    with transaction.atomic(using=SPECS_DB):
        # Lock the project: two requests at once must not both take version n+1.
        project = Project.objects.select_for_update().get(pk=project.pk)
        unfinished = (
            GeneratedProject.objects.filter(project=project, generation_status__in=UNFINISHED)
            .order_by("-generation_version")
            .first()
        )
        if unfinished is not None:
            return unfinished, False
        failures = generation_gate_failures(project=project)
        if failures:
            raise Conflict(
                "Generation refused: " + "; ".join(f"{f.gate}: {f.message}" for f in failures),
                details={"failed_gates": [f.as_dict() for f in failures]},
                code="generation_gate_failed",
            )
        latest = GeneratedProject.objects.filter(project=project).aggregate(
            latest=Max("generation_version")
        )["latest"]
        generation = GeneratedProject.objects.create(
            project=project,
            generation_version=(latest or 0) + 1,
            generation_status=GeneratedProject.Status.PENDING,
        )
        if not settings.GENERATION_RUN_INLINE:
            generation_enqueue(generation_id=generation.pk)
        return generation, True


def generation_enqueue(*, generation_id: uuid.UUID) -> int:
    """Defer the job that runs this generation (in the caller's transaction, if any)."""
    return queue.defer(GENERATION_TASK, generation_id=str(generation_id))


def generation_fail(generation_id: uuid.UUID, message: str) -> None:
    """Mark an unfinished generation failed with ``message`` (a finished one is left alone)."""
    GeneratedProject.objects.filter(pk=generation_id, generation_status__in=UNFINISHED).update(
        generation_status=GeneratedProject.Status.FAILED,
        error_message=message[:ERROR_MESSAGE_MAX],
        completed_at=timezone.now(),
    )


def generation_run(*, generation_id: uuid.UUID, resume: bool = False) -> GeneratedProject:
    """Generate the files of a pending generation; safe to call twice (the second is a no-op).

    ``resume`` (the queue's retry of a job whose worker died) also runs one left `in_progress`:
    its files and completion are written in one transaction that never committed, so running
    it again writes them once.
    """
    runnable = UNFINISHED if resume else (GeneratedProject.Status.PENDING,)
    with transaction.atomic(using=SPECS_DB):
        generation = (
            GeneratedProject.objects.select_for_update()
            .select_related("project")
            .get(pk=generation_id)
        )
        if generation.generation_status not in runnable:
            return generation
        generation.generation_status = GeneratedProject.Status.IN_PROGRESS
        generation.started_at = timezone.now()
        generation.save(update_fields=["generation_status", "started_at"])
    project = generation.project
    try:
        output = generate(
            name=project.name,
            description=project.description,
            specs=current_spec_records(project=project),
        )
        with transaction.atomic(using=SPECS_DB):
            # Another run of the same generation (a job retried while a slow worker still held
            # it) may have finished first: then this one writes nothing.
            current = GeneratedProject.objects.select_for_update().get(pk=generation_id)
            if current.generation_status != GeneratedProject.Status.IN_PROGRESS:
                return current
            GeneratedFile.objects.bulk_create(
                (
                    GeneratedFile(
                        generated_project=generation,
                        file_path=f.path,
                        file_content=f.content,
                        file_size=f.size,
                        spec_ids=list(f.spec_ids),
                    )
                    for f in output.files
                ),
                batch_size=FILE_BATCH_SIZE,
            )
            generation.total_files = len(output.files)
            generation.total_lines = output.total_lines
            generation.traceability_score = output.traceability()
            generation.test_coverage = output.test_coverage()
            generation.generation_status = GeneratedProject.Status.COMPLETED
            generation.completed_at = timezone.now()
            generation.save(
                update_fields=[
                    "total_files",
                    "total_lines",
                    "traceability_score",
                    "test_coverage",
                    "generation_status",
                    "completed_at",
                ]
            )
    except (OperationalError, InterfaceError):
        # The database went away mid-run: the queue retries the job, which resumes the run.
        raise
    except UnsupportedStack as exc:
        # The specifications changed between the request and the run.
        generation_fail(generation_id, str(exc))
    except Exception as exc:
        logger.exception("Generation %s failed", generation_id)
        generation_fail(generation_id, f"{type(exc).__name__}: {exc}")
    generation.refresh_from_db()
    return generation


def generation_start(*, project: Project) -> GeneratedProject:
    """Request a generation and run it inline, or leave it to a queue worker, per settings."""
    generation, created = generation_request(project=project)
    if created and settings.GENERATION_RUN_INLINE:
        return generation_run(generation_id=generation.pk)
    return generation
