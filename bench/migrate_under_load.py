#!/usr/bin/env python
"""Benchmark: phase changes under live traffic.

    .venv/bin/python bench/migrate_under_load.py [--projects 300] [--settle 5]

Uses its own embedded PostgreSQL under --data-dir (default /tmp/socrates-bench-migrate), never
the developer's databases. It migrates, goes to phase 2, fills the phase 0-2 tables (users,
projects, sessions, questions, specifications, test results), serves them with gunicorn (2 sync
workers, DEBUG off) and keeps a bounded load on them: 4 client threads, each sending v1 and v2
requests back to back (reads: project lists and details, specifications; writes: PATCH of a
project's description, a new v1 project). Meanwhile it runs, one after the other,

    phase --to 6      forward (the later tables arrive empty)
    phase --to 2      back (they are empty, so nothing to dump)
    phase --to 6      forward again

and prints, per transition: requests and failed requests (5xx or connection errors) before,
during and after it; p50/p99/max latency of the requests that ran inside it; the migration's
duration; and the longest lock wait PostgreSQL showed while it ran (sampled every 20 ms from
pg_stat_activity: backends waiting on a lock, and for how long).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "Load-Passw0rd-42"


class Load:
    """Client threads sending a mix of v1 and v2 requests; every request is recorded."""

    def __init__(self, base: str, token: str, project_ids: list[str], threads: int = 4):
        self.base, self.token, self.project_ids = base, token, project_ids
        self.records: list[tuple[float, float, int | str, str]] = []  # start, seconds, status, what
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(threads)]

    def request(self, method: str, path: str, body=None):
        request = urllib.request.Request(
            f"{self.base}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method=method,
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                status: int | str = response.status
        except urllib.error.HTTPError as exc:
            exc.read()
            status = exc.code
        except OSError as exc:
            status = type(exc).__name__
        with self.lock:
            self.records.append((started, time.monotonic() - started, status, f"{method} {path}"))

    def run(self, number: int) -> None:
        rng = random.Random(number)
        while not self.stop.is_set():
            project = rng.choice(self.project_ids)
            choice = rng.random()
            if choice < 0.2:
                self.request("GET", "/api/v1/projects/?limit=20")
            elif choice < 0.4:
                self.request("GET", "/api/v2/projects/?page_size=20")
            elif choice < 0.55:
                self.request("GET", f"/api/v2/projects/{project}/")
            elif choice < 0.7:
                self.request("GET", f"/api/v1/projects/{project}/specifications/")
            elif choice < 0.8:
                self.request("GET", f"/api/v2/projects/{project}/test-results/")
            elif choice < 0.95:
                self.request(
                    "PATCH", f"/api/v2/projects/{project}/", {"description": f"load {time.time()}"}
                )
            else:
                self.request("POST", "/api/v1/projects/", {"name": f"load {number}"})

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()


class LockWatch:
    """Samples pg_stat_activity on both databases: the longest wait on a lock it saw."""

    def __init__(self, dsn: str):
        self.dsn, self.longest, self.stop = dsn, 0.0, threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                row = conn.execute(
                    "SELECT coalesce(max(extract(epoch FROM now() - state_change)), 0) "
                    "FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname IN ('socrates_auth', 'socrates_specs')"
                ).fetchone()
                self.longest = max(self.longest, float(row[0]))
                time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/socrates-bench-migrate"))
    parser.add_argument("--projects", type=int, default=300)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds between transitions")
    parser.add_argument("--port", type=int, default=8768)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from socrates import embedded_db
    from socrates.local_secrets import local_secret

    env = {
        **os.environ,
        "SOCRATES_DATA_DIR": str(args.data_dir),
        "DJANGO_SETTINGS_MODULE": "socrates.settings",
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "SECRET_KEY": local_secret(args.data_dir, "secret-key"),
        "API_KEY_ENCRYPTION_KEYS": local_secret(args.data_dir, "encryption-key"),
        "AUTH_THROTTLE_RATE": "100000/minute",
    }
    for name in ("AUTH_DATABASE_URL", "SPECS_DATABASE_URL"):
        env.pop(name, None)

    def manage(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
        )

    for command in (("migrate", "--verbosity", "0"), ("phase", "--to", "2", "--force")):
        done = manage(*command)
        if done.returncode:
            raise SystemExit(done.stdout + done.stderr)
    seed = manage(
        "shell",
        "-c",
        "from auth_app.models import User\n"
        "from specs_app.models import Project, Session, Specification, TestResult\n"
        "import json\n"
        "u = User.objects.filter(username='load').first() or User.objects.create_user("
        f"'load', 'load@example.com', '{PASSWORD}')\n"
        "ids = []\n"
        f"for i in range({args.projects}):\n"
        "    p = Project.objects.create(owner_id=u.pk, creator_id=u.pk, name=f'P{i}')\n"
        "    s = Session.objects.create(project=p)\n"
        "    for k in ('database', 'framework', 'hosting'):\n"
        "        Specification.objects.create(project=p, session=s, category='tech_stack',"
        " key=k, value='v')\n"
        "    TestResult.objects.create(project=p, test_status='passed')\n"
        "    ids.append(str(p.pk))\n"
        "print(json.dumps(ids))\n",
    )
    if seed.returncode:
        raise SystemExit(seed.stdout + seed.stderr)
    project_ids = json.loads(seed.stdout.strip().splitlines()[-1])

    host, port = embedded_db.ensure_server(args.data_dir)
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [str(Path(PYTHON).with_name("gunicorn")), "socrates.wsgi:application", "--bind",
         f"127.0.0.1:{args.port}", "--workers", "2", "--log-level", "error"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        token_request = urllib.request.Request(
            f"{base}/api/v2/auth/token/",
            data=json.dumps({"username": "load", "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        token = json.loads(urllib.request.urlopen(token_request).read())["access"]

        windows = []
        dsn = f"postgresql://postgres@{host}:{port}/postgres"
        with Load(base, token, project_ids) as load:
            time.sleep(args.settle)
            for target in (6, 2, 6):
                with LockWatch(dsn) as watch:
                    started = time.monotonic()
                    done = manage("phase", "--to", str(target))
                    ended = time.monotonic()
                if done.returncode:
                    print(done.stdout + done.stderr)
                windows.append((target, started, ended, watch.longest, done.returncode))
                time.sleep(args.settle)
        records = load.records
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        embedded_db.stop_server(args.data_dir)

    def failed(status) -> bool:
        return not isinstance(status, int) or status >= 500

    print(
        f"Phase changes under load: gunicorn 2 workers, 4 client threads, {args.projects} "
        f"projects, {len(records)} requests in all, "
        f"{sum(1 for r in records if failed(r[2]))} failed"
    )
    previous_end = records[0][0] if records else 0
    for number, (target, started, ended, lock_wait, code) in enumerate(windows):
        next_start = windows[number + 1][1] if number + 1 < len(windows) else float("inf")
        before = [r for r in records if previous_end <= r[0] < started]
        during = [r for r in records if started <= r[0] < ended]
        after = [r for r in records if ended <= r[0] < next_start]
        latencies = [r[1] for r in during]
        print(
            f"phase --to {target} (exit {code}): {ended - started:5.1f} s; requests before/"
            f"during/after {len(before)}/{len(during)}/{len(after)}, failed "
            f"{sum(failed(r[2]) for r in before)}/{sum(failed(r[2]) for r in during)}/"
            f"{sum(failed(r[2]) for r in after)}; latency during p50 "
            f"{statistics.median(latencies) * 1000 if latencies else 0:.0f} ms, p99 "
            f"{percentile(latencies, 0.99) * 1000:.0f} ms, max "
            f"{max(latencies, default=0) * 1000:.0f} ms; longest lock wait {lock_wait:.2f} s"
        )
        previous_end = ended
    failures = [r for r in records if failed(r[2])]
    for record in failures[:10]:
        print(f"  failed: {record[3]} -> {record[2]}")


if __name__ == "__main__":
    main()
