#!/usr/bin/env python
"""Benchmark: v1 and v2 project and specification lists under gunicorn, 10k projects, 100k specs.

    .venv/bin/python bench/api.py [--workers 2] [--concurrency 4] [--requests 500] [--fresh]

1. Uses its own embedded PostgreSQL under --data-dir (default /tmp/socrates-bench-api), never
   the developer's databases; migrates it and seeds it once (kept for later runs; --fresh
   reseeds): 21 users, 10,000 projects (the bench user owns 2,000 and reaches 500 more through
   a team share), 100,000 specifications (10,000 of them, 5,000 keys in two versions, in one
   project; the rest spread over the other projects).
2. Starts gunicorn (sync workers, DEBUG off) on 127.0.0.1 against that database.
3. A second process logs in with a real JWT and, per endpoint, sends --requests GETs from
   --concurrency threads over loopback (after a warm-up), then prints requests per second and
   the p50/p99 latency. Pages hold 100 rows in both versions.
"""

from __future__ import annotations

import argparse
import json
import os
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
USERNAME = "bench"
PASSWORD = "bench-Passw0rd-42"
N_PROJECTS = 10_000
N_SPECS = 100_000
OWNED = 2_000
SHARED = 500
BIG_KEYS = 5_000


# --- seeding (runs inside Django, in a child process) ----------------------------------------


def seed(fresh: bool) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connections, transaction

    from specs_app.models import Project, Specification
    from teams_app.models import ProjectShare, Team, TeamMember

    user_model = get_user_model()
    bench = user_model.objects.filter(username=USERNAME).first()
    ready = (
        bench is not None
        and Project.objects.count() == N_PROJECTS
        and Specification.objects.count() == N_SPECS
    )
    if ready and not fresh:
        big = Project.objects.get(name="bench big project")
        return {"big_project_id": str(big.pk), "seeded": False}

    started = time.perf_counter()
    with transaction.atomic(using="specs"):
        ProjectShare.objects.all().delete()
        Specification.objects.all().delete()
        Project.objects.all().delete()
    with transaction.atomic(using="default"):
        Team.objects.all().delete()
        user_model.objects.filter(username__startswith="bench").delete()
        bench = user_model.objects.create_user(
            username=USERNAME, email="bench@example.com", password=PASSWORD
        )
        others = user_model.objects.bulk_create(
            [
                user_model(username=f"bench-owner-{n}", email=f"o{n}@example.com", password="!")
                for n in range(20)
            ]
        )
        team = Team.objects.create(name="bench team", created_by=bench)
        TeamMember.objects.create(team=team, user=bench, role="developer")

    def projects(owner_id, count, label):
        return [
            Project(owner_id=owner_id, creator_id=owner_id, name=f"{label} {n}", description="")
            for n in range(count)
        ]

    with transaction.atomic(using="specs"):
        big = Project.objects.create(
            owner_id=bench.pk, creator_id=bench.pk, name="bench big project"
        )
        owned = Project.objects.bulk_create(projects(bench.pk, OWNED - 1, "bench"), 2_000)
        per_owner = (N_PROJECTS - OWNED) // len(others)
        foreign = []
        for owner in others:
            foreign += Project.objects.bulk_create(projects(owner.pk, per_owner, "other"), 2_000)
        ProjectShare.objects.bulk_create(
            [
                ProjectShare(
                    project=p, team_id=team.pk, shared_by=p.owner_id, permission_level="write"
                )
                for p in foreign[:SHARED]
            ]
        )
        newest = Specification.objects.bulk_create(
            [
                Specification(project=big, category="tech_stack", key=f"key{n}", value="new")
                for n in range(BIG_KEYS)
            ],
            5_000,
        )
        Specification.objects.bulk_create(
            [
                Specification(
                    project=big,
                    category="tech_stack",
                    key=spec.key,
                    value="old",
                    is_current=False,
                    superseded_by=spec,
                )
                for spec in newest
            ],
            5_000,
        )
        rest = [*owned, *foreign]
        remaining = N_SPECS - 2 * BIG_KEYS
        batch = []
        for n in range(remaining):
            project = rest[n % len(rest)]
            batch.append(Specification(project=project, category="goals", key=f"k{n // len(rest)}"))
            if len(batch) == 10_000:
                Specification.objects.bulk_create(batch)
                batch = []
        Specification.objects.bulk_create(batch)
    for alias in ("default", "specs"):
        with connections[alias].cursor() as cursor:
            cursor.execute("ANALYZE")
    assert Project.objects.count() == N_PROJECTS
    assert Specification.objects.count() == N_SPECS
    return {"big_project_id": str(big.pk), "seeded": round(time.perf_counter() - started, 1)}


# --- load (the second process) ------------------------------------------------------------


def http(method: str, url: str, *, body: dict | None = None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read()


def measure(url: str, token: str, *, requests: int, concurrency: int) -> dict:
    for _ in range(min(20, requests)):
        http("GET", url, token=token)
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker():
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            start = time.perf_counter()
            try:
                status, body = http("GET", url, token=token)
                ok = status == 200
            except Exception as exc:  # noqa: BLE001 - counted, reported
                ok, body = False, str(exc).encode()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(body[:200])

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    _, body = http("GET", url, token=token)
    page = json.loads(body)
    rows = len(page if isinstance(page, list) else page["results"])
    return {
        "requests": len(latencies),
        "rows": rows,
        "rps": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": len(errors),
    }


def client(base: str, big: str, *, requests: int, concurrency: int) -> list[tuple[str, dict]]:
    _, body = http(
        "POST", f"{base}/api/v1/auth/token/", body={"username": USERNAME, "password": PASSWORD}
    )
    token = json.loads(body)["access"]
    endpoints = [
        ("GET /api/v1/projects/?limit=100", "/api/v1/projects/?limit=100"),
        ("GET /api/v2/projects/?page_size=100", "/api/v2/projects/?page_size=100"),
        (
            "GET /api/v1/projects/{big}/specifications/?limit=100",
            f"/api/v1/projects/{big}/specifications/?limit=100",
        ),
        (
            "GET /api/v2/projects/{big}/specifications/?page_size=100",
            f"/api/v2/projects/{big}/specifications/?page_size=100",
        ),
        (
            "GET /api/v1/projects/{big}/specifications/?is_current=true&limit=100",
            f"/api/v1/projects/{big}/specifications/?is_current=true&limit=100",
        ),
    ]
    return [
        (label, measure(base + path, token, requests=requests, concurrency=concurrency))
        for label, path in endpoints
    ]


# --- orchestration ---------------------------------------------------------------------------


def wait_until_up(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/docs/", timeout=5):
                return
        except urllib.error.HTTPError as exc:
            raise SystemExit(f"gunicorn answers {exc.code} on /api/v1/docs/") from exc
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


def orchestrate(args) -> None:
    env = {
        **os.environ,
        "SOCRATES_DATA_DIR": str(args.data_dir),
        "DJANGO_SETTINGS_MODULE": "socrates.settings",
        "DEBUG": "0",
        "AUTH_THROTTLE_RATE": "1000000/minute",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("AUTH_DATABASE_URL", "SPECS_DATABASE_URL"):
        env.pop(name, None)
    # DEBUG is off, so the secrets must be set: the bench data dir's local ones unless given.
    sys.path.insert(0, str(ROOT))
    from socrates.local_secrets import local_secret

    env.setdefault("SECRET_KEY", local_secret(args.data_dir, "secret-key"))
    env.setdefault("API_KEY_ENCRYPTION_KEYS", local_secret(args.data_dir, "encryption-key"))

    def run(*command):
        return subprocess.run(
            command, cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout

    run(PYTHON, "manage.py", "migrate", "--verbosity", "0")
    seeded = json.loads(
        run(PYTHON, __file__, "--seed", *(["--fresh"] if args.fresh else [])).splitlines()[-1]
    )
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "socrates.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_until_up(base, server)
        output = run(
            PYTHON,
            __file__,
            "--client",
            base,
            seeded["big_project_id"],
            "--requests",
            str(args.requests),
            "--concurrency",
            str(args.concurrency),
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep_server:
            sys.path.insert(0, str(ROOT))
            from socrates import embedded_db

            embedded_db.stop_server(args.data_dir)

    results = json.loads(output.splitlines()[-1])
    load = os.getloadavg()
    print(
        f"API benchmark: gunicorn {args.workers} sync workers, {args.concurrency} client "
        f"threads in a second process, {args.requests} requests per endpoint, loopback"
    )
    print(
        f"data: {N_PROJECTS:,} projects, {N_SPECS:,} specifications; the bench user reaches "
        f"{OWNED + SHARED:,} projects; big project: {2 * BIG_KEYS:,} specifications"
        + (f" (seeded in {seeded['seeded']} s)" if seeded["seeded"] else " (reused)")
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} (shared with others)")
    width = max(len(label) for label, _ in results)
    print(f"{'endpoint'.ljust(width)}  rows  req   req/s   p50 ms   p99 ms  errors")
    for label, r in results:
        print(
            f"{label.ljust(width)}  {r['rows']:>4}  {r['requests']:>4}  {r['rps']:>6.1f}  "
            f"{r['p50_ms']:>7.1f}  {r['p99_ms']:>7.1f}  {r['errors']:>6}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/socrates-bench-api"))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--fresh", action="store_true", help="reseed the bench databases")
    parser.add_argument("--keep-server", action="store_true", help="leave PostgreSQL running")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=2, metavar=("BASE", "BIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(seed(args.fresh)))
    elif args.client:
        base, big = args.client
        results = client(base, big, requests=args.requests, concurrency=args.concurrency)
        print(json.dumps(results))
    else:
        if args.requests < 1 or args.concurrency < 1 or args.workers < 1:
            parser.error("--requests, --concurrency and --workers must be at least 1")
        orchestrate(args)


if __name__ == "__main__":
    main()
