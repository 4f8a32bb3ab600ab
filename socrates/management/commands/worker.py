"""A queue worker that outlives its database: `manage.py worker [-q QUEUES] [--concurrency N]`.

It runs procrastinate's worker (`manage.py procrastinate worker`) as a child process and starts
it again whenever it ends on its own: procrastinate ends a worker when the database restarts or
cuts its connections. It waits 1 s, then 2, 4, ... up to 30 s while the database stays away,
and back to 1 s once a worker has run for a minute. SIGINT or SIGTERM are passed to the child
(procrastinate's graceful shutdown: running jobs finish) and then it stops for good. `make run`
starts one; production runs as many as needed (README "Background jobs").

The wrapper itself never touches the database (no system checks, no connection), so cutting
every session cannot end it. On Linux the child is asked to receive SIGTERM if the wrapper dies
(even by SIGKILL), so a killed wrapper leaves no worker behind that nobody supervises.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger("socrates.queue")
MAX_BACKOFF_SECONDS = 30.0
HEALTHY_RUN_SECONDS = 60.0
PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the wrapper dies (Linux only)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Command(BaseCommand):
    help = "Run a queue worker, started again whenever it ends on its own."
    requires_system_checks = []  # the child runs them; the wrapper holds no connection

    def add_arguments(self, parser):
        parser.add_argument("-q", "--queues", default="", help="Comma-separated queues (all).")
        parser.add_argument("--concurrency", type=int, default=1)

    def handle(self, *args, queues, concurrency, **options):
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "procrastinate"]
        command += ["worker", "--concurrency", str(concurrency)]
        if queues:
            command += ["--queues", queues]
        stopping = False
        child: subprocess.Popen | None = None

        def stop(signum, frame):
            nonlocal stopping
            stopping = True
            if child is not None and child.poll() is None:
                child.send_signal(signum)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        delay = 1.0
        while not stopping:
            started = time.monotonic()
            child = subprocess.Popen(command, preexec_fn=_end_with_parent)
            code = child.wait()
            if stopping:
                break
            if time.monotonic() - started > HEALTHY_RUN_SECONDS:
                delay = 1.0
            logger.warning("The worker ended (exit %s); starting it again in %g s", code, delay)
            deadline = time.monotonic() + delay
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.1)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)
