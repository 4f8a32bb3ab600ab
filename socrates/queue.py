"""The job queue's shared pieces: procrastinate on socrates_specs (no broker to run).

Tasks live in each app's ``tasks.py`` (procrastinate's Django integration imports them); code
that starts work defers a job by the task's name (``defer``), so a service never imports the
module that imports it back. ``defer`` runs on the socrates_specs connection Django already
holds, inside the caller's transaction when there is one: the row a job works on and the job
commit together or not at all.

Retries: a job that meets a transient error (the database restarting, the model not loading)
is retried with an exponential wait (``transient_retry``); what a task does after its last
attempt is the task's to say (a generation is marked failed with the error).
"""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

# Errors worth another attempt: the connection went away or the database is restarting, or a
# model could not be loaded for now (OSError: files busy, memory). A bug (ValueError...) is not.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, OSError)


def transient_retry() -> RetryStrategy | None:
    # procrastinate reads max_attempts=0 as "retry forever": one attempt in all means none.
    if settings.QUEUE_MAX_ATTEMPTS <= 1:
        return None
    return RetryStrategy(
        max_attempts=max(settings.QUEUE_MAX_ATTEMPTS - 1, 0),
        exponential_wait=2,
        retry_exceptions=set(TRANSIENT_ERRORS),
    )


def is_last_attempt(context) -> bool:
    """True when the running job will not be retried if it fails now."""
    return context.job.attempts + 1 >= settings.QUEUE_MAX_ATTEMPTS


def defer(task_name: str, **kwargs) -> int:
    """Defer a job of ``task_name`` with ``kwargs`` (JSON values); return its id."""
    return app.configure_task(name=task_name, allow_unknown=False).defer(**kwargs)
