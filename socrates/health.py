"""/healthz (the process is alive) and /readyz (the databases answer and are migrated, the job
queue is reachable).

Plain Django views: no authentication, no throttle, JSON. /readyz answers 503 naming what is
not ready, so a load balancer stops sending traffic to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from socrates import phases
from socrates.db import SPECS_DB


@require_GET
def healthz(request):
    """The process runs and serves requests; no database is touched."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    """Both databases answer; report each one's phase and pending migrations."""
    problems: list[str] = []
    databases = {}
    for alias in phases.database_aliases():
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
            status = phases.database_status(alias)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", named
            problems.append(f"database {alias!r} does not answer: {type(exc).__name__}")
            databases[alias] = {"ok": False}
            continue
        pending = sorted(phases.format_key(key) for keys in status.pending.values() for key in keys)
        databases[alias] = {"ok": True, "phase": status.phase, "pending_migrations": pending}
        if status.phase < phases.FIRST_PHASE:
            problems.append(f"database {alias!r} is not migrated (run manage.py migrate)")
    queue = _queue_status(problems)
    known = [d["phase"] for d in databases.values() if d.get("ok")]
    body = {
        "status": "ready" if not problems else "not_ready",
        "phase": min(known) if known and len(known) == len(databases) else None,
        "databases": databases,
        "queue": queue,
        "problems": problems,
    }
    return JsonResponse(body, status=200 if not problems else 503)


def _queue_status(problems: list[str]) -> dict:
    """The job queue's table answers (its workers may all be busy: that is not "not ready")."""
    try:
        with connections[SPECS_DB].cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FILTER (WHERE status = 'todo'),"
                " count(*) FILTER (WHERE status = 'doing') FROM procrastinate_jobs"
            )
            todo, doing = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM procrastinate_workers"
                " WHERE last_heartbeat > now() - make_interval(secs => %s)",
                [settings.QUEUE_STALLED_AFTER_SECONDS],
            )
            (workers,) = cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", named
        problems.append(f"the job queue is not reachable: {type(exc).__name__}")
        return {"ok": False}
    return {"ok": True, "queued": todo, "running": doing, "live_workers": workers}
