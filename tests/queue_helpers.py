"""A real queue worker (`manage.py worker`, which runs procrastinate's) in a child process,
on this test run's databases, and ways to wait for what it does."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time

from django.db import connections

from tests.knowledge_app.helpers import manage, subprocess_env

# Fast recovery for the tests: a heartbeat a second, a worker silent for 4 s is dead, and the
# recovery task looks every 2 s (production defaults: 5 s, 20 s, 10 s; socrates/settings.py).
FAST_RECOVERY = {
    "QUEUE_HEARTBEAT_SECONDS": "1",
    "QUEUE_STALLED_AFTER_SECONDS": "4",
    "QUEUE_RECOVERY_EVERY_SECONDS": "2",
}


class Worker:
    def __init__(self, log_path, **env: str):
        self.log_path = log_path
        self.log = open(log_path, "a")  # noqa: SIM115 - closed in stop()
        environment = subprocess_env(**FAST_RECOVERY, **env)
        # `manage.py worker` (what make run and production start), in its own process group
        # so that kill() can take the wrapper and procrastinate's worker down together.
        self.process = manage(
            "worker",
            "--concurrency",
            "2",
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL to the wrapper and its worker: no cleanup, no goodbye (as a lost machine or
        the OOM killer taking the whole container does it)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        # Whatever is left of the group (a worker whose wrapper has gone) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


@contextlib.contextmanager
def worker(tmp_path, name: str = "worker", **env: str):
    running = Worker(tmp_path / f"{name}.log", **env)
    try:
        yield running
    finally:
        running.stop()
        end_leftover_sessions()


def end_leftover_sessions() -> None:
    """End the sessions a stopped or killed worker left behind (a killed process's backend
    lingers until it next writes to its socket), so the test database can be dropped."""
    with connections["specs"].cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def wait_until(predicate, *, timeout: float, what: str, worker: Worker | None = None):
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        if worker is not None and worker.process.poll() is not None:
            raise AssertionError(
                f"the worker exited ({worker.process.returncode}) before {what}:\n"
                f"{worker.output()[-4000:]}"
            )
        time.sleep(0.2)
    tail = worker.output()[-4000:] if worker is not None else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tail}")


def job_statuses(task_name: str, **args: str) -> list[str]:
    """The statuses of the jobs of ``task_name`` (whose arguments include ``args``), oldest
    first."""
    with connections["specs"].cursor() as cursor:
        cursor.execute(
            "SELECT status FROM procrastinate_jobs WHERE task_name = %s AND args @> %s::jsonb"
            " ORDER BY id",
            [task_name, json.dumps(args)],
        )
        return [row[0] for row in cursor.fetchall()]


def empty_queue() -> None:
    """Remove every job, worker and periodic record. procrastinate's models are unmanaged, so
    the flush between transactional tests leaves its tables as they were."""
    with connections["specs"].cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,"
            " procrastinate_workers CASCADE"
        )
