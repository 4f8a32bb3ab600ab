"""The queue's own upkeep (procrastinate imports this module in every worker).

``queue.recover_stalled`` runs every QUEUE_RECOVERY_EVERY_SECONDS on some worker (a periodic
task: procrastinate defers each tick once, whichever worker gets there first). A job is stalled
when it is ``doing`` but the worker running it has sent no heartbeat for
QUEUE_STALLED_AFTER_SECONDS (the worker was SIGKILLed, ran out of memory, lost its machine):
it goes back to ``todo`` and the next free worker runs it again. The tasks are written for
that: a generation's run is idempotent and resumes, an embedding is written only where the
content's hash still matches.
"""

from __future__ import annotations

import logging

from django.conf import settings
from procrastinate.contrib.django import app

logger = logging.getLogger("socrates.queue")


async def recover_stalled_jobs() -> int:
    """Put every stalled job back to be run again; return how many."""
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.QUEUE_STALLED_AFTER_SECONDS
    )
    count = 0
    for job in stalled:
        await app.job_manager.retry_job(job)
        logger.warning(
            "Job %s (%s) was stalled: its worker is gone; queued again", job.id, job.task_name
        )
        count += 1
    return count


@app.periodic(
    cron=f"* * * * * */{settings.QUEUE_RECOVERY_EVERY_SECONDS}", periodic_id="queue-recovery"
)
@app.task(name="queue.recover_stalled", queue="maintenance", queueing_lock="queue.recover_stalled")
async def recover_stalled(timestamp: int) -> None:
    await recover_stalled_jobs()
