"""See and steer the job queue: counts by task and status, stalled jobs, retry or cancel one.

    manage.py queue                 # counts by task and status, and the stalled jobs
    manage.py queue --retry 42      # put a failed (or stalled) job back to be run
    manage.py queue --cancel 42     # cancel a job not started yet

procrastinate's own tools work too: `manage.py procrastinate shell`, `... healthchecks`, and the
admin's "Procrastinate" section lists jobs and their events (read-only).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from procrastinate import sql
from procrastinate.contrib.django import app

from socrates.db import SPECS_DB


class Command(BaseCommand):
    help = "Show the job queue (counts, stalled jobs); retry or cancel a job."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--retry", type=int, metavar="JOB_ID", help="Run this job again.")
        action.add_argument("--cancel", type=int, metavar="JOB_ID", help="Cancel a queued job.")

    def handle(self, *args, retry, cancel, **options):
        try:
            if retry is not None:
                return self._retry(retry)
            if cancel is not None:
                return self._cancel(cancel)
            return self._show()
        except DatabaseError as exc:
            reason = str(exc).strip().splitlines()[0]
            raise CommandError(f"The queue cannot be read: {reason}") from exc

    def _job_status(self, job_id: int) -> str:
        with connections[SPECS_DB].cursor() as cursor:
            cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job_id])
            row = cursor.fetchone()
        if row is None:
            raise CommandError(f"No job {job_id}.")
        return row[0]

    def _retry(self, job_id: int) -> None:
        status = self._job_status(job_id)
        if status not in ("failed", "doing"):
            raise CommandError(
                f"Job {job_id} is {status}: only a failed or a stalled (doing) job is retried."
            )
        app.job_manager.retry_job_by_id(job_id, retry_at=None)
        self.stdout.write(f"Job {job_id} ({status}) queued again.")

    def _cancel(self, job_id: int) -> None:
        status = self._job_status(job_id)
        if not app.job_manager.cancel_job_by_id(job_id):
            raise CommandError(
                f"Job {job_id} is {status}: only a job not started yet is cancelled."
            )
        self.stdout.write(f"Job {job_id} cancelled.")

    def _show(self) -> None:
        with connections[SPECS_DB].cursor() as cursor:
            cursor.execute(
                "SELECT task_name, status, count(*) FROM procrastinate_jobs"
                " GROUP BY task_name, status ORDER BY task_name, status"
            )
            rows = cursor.fetchall()
        if not rows:
            self.stdout.write("The queue holds no job.")
        for task_name, status, count in rows:
            self.stdout.write(f"{task_name:32} {status:10} {count}")
        # procrastinate's own query, through its Django connector (Django's connection): its
        # async job manager would open a pool of its own for one query.
        stalled = app.connector.execute_query_all(
            sql.queries["select_stalled_jobs_by_heartbeat"],
            seconds_since_heartbeat=settings.QUEUE_STALLED_AFTER_SECONDS,
            queue=None,
            task_name=None,
        )
        self.stdout.write(
            f"Stalled (doing, worker silent > {settings.QUEUE_STALLED_AFTER_SECONDS:g} s): "
            + (", ".join(f"{job['id']} ({job['task_name']})" for job in stalled) or "none")
        )
