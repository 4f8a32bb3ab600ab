"""Helpers of the knowledge tests: a corpus with known answers, and manage.py subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connections

FAKE_BACKEND = "knowledge_app.testing.FakeDeterministicEmbedder"

# Short documents on unrelated topics; each test query below has exactly one right answer.
TOPIC_DOCUMENTS = {
    "sourdough.txt": (
        "Feed the sourdough starter with equal weights of flour and water, let the dough rise "
        "overnight, then bake the loaf in a very hot oven until the crust is dark and crisp."
    ),
    "telescope.txt": (
        "Through the telescope we watched Jupiter's moons and the rings of Saturn; on clear "
        "nights the Andromeda galaxy is visible as a faint smudge of light."
    ),
    "tomatoes.txt": (
        "Plant tomato seedlings in rich compost after the last frost, water the garden beds "
        "deeply, and prune the suckers so the vines put their energy into fruit."
    ),
    "mortgage.txt": (
        "A fixed-rate mortgage keeps the monthly payment constant, while an adjustable-rate "
        "loan follows interest rates set by the central bank; compare the total cost."
    ),
    "marathon.txt": (
        "Training for a marathon means building weekly mileage slowly, one long run every "
        "weekend, easy recovery jogs, and tapering in the final two weeks before the race."
    ),
}

LONG_FILLER = (
    "The orchestra rehearsed the symphony again, the violins softly carrying the melody while "
    "the conductor asked the brass section to play with more restraint in the slow movement. "
)
LONG_PASSAGE = (
    "To fix replication lag on the PostgreSQL standby server, raise max_wal_size, check the "
    "network bandwidth between primary and replica, and watch pg_stat_replication for the "
    "write, flush and replay lag of the streaming replication connection."
)
DATABASE_QUERY = "why is my postgres read replica falling behind the primary database"


def long_document() -> str:
    """A document about music whose one database passage lies past its first 256 tokens."""
    return LONG_FILLER * 14 + LONG_PASSAGE + " " + LONG_FILLER * 2


def subprocess_env(**extra: str) -> dict[str, str]:
    """Return an environment whose manage.py talks to this test run's databases."""
    env = dict(os.environ)
    for alias, variable in (("default", "AUTH_DATABASE_URL"), ("specs", "SPECS_DATABASE_URL")):
        connection = connections[alias]
        connection.ensure_connection()  # the embedded backend fills in HOST/PORT on connect
        info = connection.settings_dict
        user = info["USER"] or "postgres"
        password = f":{info['PASSWORD']}" if info["PASSWORD"] else ""
        env[variable] = (
            f"postgresql://{user}{password}@{info['HOST']}:{info['PORT']}/{info['NAME']}"
        )
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    """Start `manage.py <args>` in a child process (output piped unless told otherwise)."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        cwd=settings.BASE_DIR,
        env=env,
        text=True,
        **kwargs,
    )
