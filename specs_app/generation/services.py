"""Writes for code generation: request a generation (gates, version n+1) and run it.

A request checks the gates and creates version n+1 as `pending`. The run moves it to
`in_progress`, writes its files and scores and ends `completed`, or `failed` with the error.
`generation_start` runs it inline when settings.GENERATION_RUN_INLINE is true, else in a
thread started once the request's transaction commits, so the request returns at once.
"""

import logging
import threading
import uuid

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Max
from django.utils import timezone

from socrates.db import SPECS_DB
from socrates.errors import Conflict
from specs_app.models import GeneratedFile, GeneratedProject, Project

from .generator import UnsupportedStack, generate
from .selectors import current_spec_records, generation_gate_failures

logger = logging.getLogger("socrates.generation")

FILE_BATCH_SIZE = 500
ERROR_MESSAGE_MAX = 2000

_threads_lock = threading.Lock()
_threads: set[threading.Thread] = set()


def generation_request(*, project: Project) -> GeneratedProject:
    """Check the gates and create the next version as pending (Conflict names failed gates)."""
    with transaction.atomic(using=SPECS_DB):
        # Lock the project: two requests at once must not both take version n+1.
        project = Project.objects.select_for_update().get(pk=project.pk)
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
        return GeneratedProject.objects.create(
            project=project,
            generation_version=(latest or 0) + 1,
            generation_status=GeneratedProject.Status.PENDING,
        )


def _fail(generation_id: uuid.UUID, message: str) -> None:
    GeneratedProject.objects.filter(pk=generation_id).update(
        generation_status=GeneratedProject.Status.FAILED,
        error_message=message[:ERROR_MESSAGE_MAX],
        completed_at=timezone.now(),
    )


def generation_run(*, generation_id: uuid.UUID) -> GeneratedProject:
    """Generate the files of a pending generation; safe to call twice (the second is a no-op)."""
    with transaction.atomic(using=SPECS_DB):
        generation = (
            GeneratedProject.objects.select_for_update()
            .select_related("project")
            .get(pk=generation_id)
        )
        if generation.generation_status != GeneratedProject.Status.PENDING:
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
    except UnsupportedStack as exc:
        # The specifications changed between the request and the run.
        _fail(generation_id, str(exc))
    except Exception as exc:
        logger.exception("Generation %s failed", generation_id)
        _fail(generation_id, f"{type(exc).__name__}: {exc}")
    generation.refresh_from_db()
    return generation


def _run_in_background(generation_id: uuid.UUID) -> None:
    def target():
        try:
            generation_run(generation_id=generation_id)
        except Exception:
            logger.exception("Generation %s could not be run", generation_id)
        finally:
            # This thread's connections would otherwise stay open until the process ends.
            connections.close_all()
            with _threads_lock:
                _threads.discard(threading.current_thread())

    # Not a daemon: a graceful shutdown lets a running generation finish.
    thread = threading.Thread(target=target, name=f"generation-{generation_id}")
    with _threads_lock:
        _threads.add(thread)
    thread.start()


def generation_start(*, project: Project) -> GeneratedProject:
    """Request a generation and run it inline or after the commit, per settings."""
    generation = generation_request(project=project)
    if settings.GENERATION_RUN_INLINE:
        return generation_run(generation_id=generation.pk)
    generation_id = generation.pk
    transaction.on_commit(lambda: _run_in_background(generation_id), using=SPECS_DB)
    return generation


def wait_for_background_generations(timeout: float | None = None) -> bool:
    """Join the running background generations; return True when none is left."""
    with _threads_lock:
        running = list(_threads)
    for thread in running:
        thread.join(timeout)
    with _threads_lock:
        return not _threads
