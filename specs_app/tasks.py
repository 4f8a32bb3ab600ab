"""The queue's tasks of specs_app (procrastinate imports this module in every worker).

- ``generation.run`` runs one generation (services.generation_run, idempotent). A retry after
  a transient error, or after its worker died (socrates/tasks.py puts such jobs back), resumes
  a run left in progress. After the last attempt the generation is marked failed with the error.
- ``generation.watchdog`` (periodic) keeps the promise that no generation stays unfinished: one
  pending whose job is gone (deleted, the queue wiped) gets a new job; one unfinished for longer
  than GENERATION_MAX_SECONDS is failed, naming why.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from procrastinate.contrib.django import app

from socrates import phases, queue
from socrates.db import SPECS_DB
from specs_app.generation import services
from specs_app.models import GeneratedProject

logger = logging.getLogger("socrates.generation")

# How long a pending generation may lack a job before the watchdog gives it a new one (a job is
# deferred in the generation's own transaction, so only a lost job leaves one without).
ORPHAN_GRACE_SECONDS = 30
# The phase whose schema holds generated_projects.
GENERATION_PHASE = 4


@app.task(
    name=services.GENERATION_TASK,
    queue="generation",
    pass_context=True,
    retry=queue.transient_retry(),
)
def generation_run(context, generation_id: str) -> None:
    close_old_connections()
    if not phases.phase_enabled(GENERATION_PHASE):
        # Rolled back below phase 4 since the job was queued: its table is gone.
        logger.warning("Generation job %s skipped: below phase %s", generation_id, GENERATION_PHASE)
        return
    try:
        services.generation_run(generation_id=uuid.UUID(generation_id), resume=True)
    except queue.TRANSIENT_ERRORS as exc:
        if queue.is_last_attempt(context):
            attempts = context.job.attempts + 1
            services.generation_fail(
                uuid.UUID(generation_id),
                f"{type(exc).__name__}: {exc} (gave up after {attempts} attempts)",
            )
        raise
    finally:
        close_old_connections()


def unfinished_without_job(*, older_than: datetime.datetime) -> list[uuid.UUID]:
    """Pending generations created before ``older_than`` that no queued or running job names."""
    with connections[SPECS_DB].cursor() as cursor:
        cursor.execute(
            """
            SELECT g.id FROM generated_projects g
            WHERE g.generation_status = 'pending' AND g.created_at < %s
              AND NOT EXISTS (
                SELECT 1 FROM procrastinate_jobs j
                WHERE j.task_name = %s AND j.status IN ('todo', 'doing')
                  AND j.args ->> 'generation_id' = g.id::text)
            """,
            [older_than, services.GENERATION_TASK],
        )
        return [row[0] for row in cursor.fetchall()]


def generation_watchdog_pass() -> dict[str, int]:
    """One pass of the watchdog; return what it did (counts)."""
    now = timezone.now()
    limit = settings.GENERATION_MAX_SECONDS
    expired = list(
        GeneratedProject.objects.filter(
            generation_status__in=services.UNFINISHED,
            created_at__lt=now - datetime.timedelta(seconds=limit),
        ).values_list("pk", flat=True)
    )
    for generation_id in expired:
        services.generation_fail(
            generation_id,
            f"Not finished within {limit:g} s (GENERATION_MAX_SECONDS): no worker completed it.",
        )
        logger.warning("Generation %s failed by the watchdog after %g s", generation_id, limit)
    orphans = unfinished_without_job(
        older_than=now - datetime.timedelta(seconds=ORPHAN_GRACE_SECONDS)
    )
    for generation_id in orphans:
        services.generation_enqueue(generation_id=generation_id)
        logger.warning("Generation %s had no job; queued again", generation_id)
    return {"failed": len(expired), "requeued": len(orphans)}


@app.periodic(cron="* * * * *", periodic_id="generation-watchdog")
@app.task(name="generation.watchdog", queue="maintenance", queueing_lock="generation.watchdog")
def generation_watchdog(timestamp: int) -> None:
    close_old_connections()
    if not phases.phase_enabled(GENERATION_PHASE):
        return
    try:
        generation_watchdog_pass()
    finally:
        close_old_connections()
