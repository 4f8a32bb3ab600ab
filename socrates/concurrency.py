"""Deadlocks and serialization failures: retried a bounded number of times, then a 409.

Every multi-row lock path takes its locks in one documented order (teams_app: the team row,
then member or invitation rows; a share's audit row in socrates_auth before the share in
socrates_specs), so a deadlock should not happen; if one still does (an order missed, an index
page lock), the whole unit of work runs again from the start, and after ``attempts`` tries the
caller gets ``ConflictRetry`` (409 ``conflict_retry``), never a server error.
"""

from __future__ import annotations

import functools
import random
import time

from django.db import OperationalError, connections

from socrates.errors import Conflict

# PostgreSQL SQLSTATEs: deadlock_detected, serialization_failure.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 4
BACKOFF_SECONDS = 0.02


class ConflictRetry(Conflict):
    code = "conflict_retry"


def is_retryable(exc: BaseException) -> bool:
    """Return whether ``exc`` is a deadlock or serialization failure (worth running again)."""
    while exc is not None:
        if getattr(exc, "sqlstate", None) in RETRYABLE_SQLSTATES:
            return True
        if getattr(exc, "pgcode", None) in RETRYABLE_SQLSTATES:
            return True
        exc = exc.__cause__
    return False


def conflict_retry_error() -> ConflictRetry:
    return ConflictRetry(
        "The request collided with concurrent changes to the same rows; nothing was changed. "
        "Retry it.",
    )


def retry_on_conflict(*aliases: str, attempts: int = ATTEMPTS):
    """Run the decorated unit of work again on a deadlock or serialization failure.

    Only a call that opens its own transactions may be retried: inside an outer transaction on
    one of ``aliases`` the failure is reported at once (the outer transaction is already lost).
    """

    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return function(*args, **kwargs)
                except OperationalError as exc:
                    if not is_retryable(exc):
                        raise
                    nested = any(connections[alias].in_atomic_block for alias in aliases)
                    if nested or attempt == attempts:
                        raise conflict_retry_error() from exc
                    time.sleep(BACKOFF_SECONDS * attempt * (1 + random.random()))
            raise AssertionError("unreachable")

        return run

    return decorate
