#!/usr/bin/env python
"""Benchmark: knowledge uploads through the queue, and a worker killed in the middle of one.

    .venv/bin/python bench/uploads.py [--runs 5]

Uses its own embedded PostgreSQL under --data-dir (default /tmp/socrates-bench-uploads), never
the developer's databases, the real model, gunicorn (2 sync workers, DEBUG off) and real
`manage.py worker` processes with the default queue settings. It prints:

1. upload latency (POST, 201) for 10 kB and 2 MB documents now (store + queue), and what the
   same request cost before the queue (store + embed inline, with the model already loaded:
   measured here by running that code path, services.document_embed, in-process);
2. time from upload to embedded with one worker (the first includes the worker's model load);
3. resident memory of a gunicorn web worker after the uploads (no model), and after a search
   (which loads the model to embed the query: what every web worker held before the queue);
4. stalled-job recovery: a worker SIGKILLed in the middle of embedding 2 MB, a second worker
   started at once; seconds until the job runs again and until the document is embedded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SIZES = {"10 kB": 10 * 1024, "2 MB": 2 * 1024 * 1024}
SENTENCES = [
    "Sourdough bread needs a lively starter and a long, cool fermentation.",
    "Tomatoes grow best in full sun with deep, infrequent watering.",
    "A relational database keeps its indexes balanced as rows arrive.",
    "The orchestra tuned to the oboe before the overture began.",
    "Comets grow tails of gas and dust as they approach the sun.",
]


def text_of(size: int, salt: str) -> str:
    body = " ".join(SENTENCES) + " "
    return (f"{salt} " + body * (size // len(body) + 1))[:size]


class Api:
    def __init__(self, base: str):
        self.base, self.token = base, None

    def call(self, method: str, path: str, body=None) -> tuple[int, dict, float]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            f"{self.base}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers=headers,
            method=method,
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return (
                    response.status,
                    json.loads(response.read() or b"{}"),
                    (time.perf_counter() - started),
                )
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}"), time.perf_counter() - started


def wait(predicate, timeout: float = 900, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise SystemExit("timed out")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/socrates-bench-uploads"))
    parser.add_argument("--runs", type=int, default=5, help="uploads per size for latency")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from socrates.local_secrets import local_secret

    env = {
        **os.environ,
        "SOCRATES_DATA_DIR": str(args.data_dir),
        "DJANGO_SETTINGS_MODULE": "socrates.settings",
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "SECRET_KEY": local_secret(args.data_dir, "secret-key"),
        "API_KEY_ENCRYPTION_KEYS": local_secret(args.data_dir, "encryption-key"),
        "UPLOAD_THROTTLE_RATE": "100000/minute",
        "SEARCH_THROTTLE_RATE": "100000/minute",
        "AUTH_THROTTLE_RATE": "100000/minute",
    }
    for name in ("AUTH_DATABASE_URL", "SPECS_DATABASE_URL"):
        env.pop(name, None)

    def manage(*command, **kwargs):
        done = subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True,
            **kwargs,
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(f"manage.py {command[0]} failed:\n{done.stderr[-3000:]}")
        return done

    manage("migrate", "--verbosity", "0")
    manage(
        "shell", "-c", "from django.db import connections; c = connections['specs'].cursor(); "
        "c.execute('TRUNCATE knowledge_base_documents, procrastinate_jobs CASCADE')",
    )  # fmt: skip

    # 1b. Before the queue: the request stored the document and embedded it in place.
    before = manage(
        "shell", "-c",
        "import json, time\n"
        "from knowledge_app import services\n"
        "from knowledge_app.embeddings import get_embedder\n"
        "from specs_app.models import Project\n"
        "from auth_app.models import User\n"
        "from bench.uploads import SIZES, text_of\n"
        "u, _ = User.objects.get_or_create(username='bench-before', email='b@example.com')\n"
        "p = Project.objects.create(owner_id=u.pk, creator_id=u.pk, name='before')\n"
        "e = get_embedder(); e.embed_documents(['warm up'])\n"
        "out = {}\n"
        f"for label, size in SIZES.items():\n"
        f"    times = []\n"
        f"    for i in range({args.runs} if size < 100000 else 1):\n"
        "        t = time.perf_counter()\n"
        "        d, _ = services.document_create(project=p, user_id=u.pk, filename=f'{label}-{i}',"
        " content=text_of(size, f'before {i}'), embed=False)\n"
        "        services.document_embed(document=d, embedder=e)\n"
        "        times.append(time.perf_counter() - t)\n"
        "    out[label] = times\n"
        "print(json.dumps(out))\n",
    )  # fmt: skip
    inline = json.loads(before.stdout.strip().splitlines()[-1])

    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [str(Path(PYTHON).with_name("gunicorn")), "socrates.wsgi:application", "--bind",
         f"127.0.0.1:{args.port}", "--workers", "2", "--timeout", "120", "--log-level", "error"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    workers: list[subprocess.Popen] = []

    def start_worker() -> subprocess.Popen:
        process = subprocess.Popen(
            [PYTHON, "manage.py", "worker", "-q", "embedding,maintenance"],
            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        workers.append(process)
        return process

    try:
        api = Api(base)
        wait(lambda: _alive(base), timeout=60)
        name = f"bench-{time.time_ns()}"
        user = {"username": name, "email": f"{name}@example.com", "password": "Bench-Passw0rd-42"}
        status, body, _ = api.call("POST", "/api/v2/auth/register/", user)
        assert status == 201, (status, body)
        status, tokens, _ = api.call(
            "POST", "/api/v2/auth/token/", {"username": name, "password": user["password"]}
        )
        assert status == 200, (status, tokens)
        api.token = tokens["access"]
        _, project, _ = api.call("POST", "/api/v2/projects/", {"name": "Uploads"})
        docs = f"/api/v2/projects/{project['id']}/knowledge/documents/"

        print("Uploads through the queue (gunicorn 2 workers, loopback, real model)\n")
        print("1. POST latency, seconds (median of runs; before = store + embed in the request)")
        uploaded = {}
        for label, size in SIZES.items():
            times = []
            for i in range(args.runs):
                status, body, seconds = api.call(
                    "POST", docs, {"filename": f"{label}-{i}.txt", "content": text_of(size, str(i))}
                )
                assert status == 201 and body["embedding_status"] == "pending", (status, body)
                times.append(seconds)
                uploaded.setdefault(label, body["id"])
            print(f"   {label:6}  now {statistics.median(times):7.3f}  (max {max(times):.3f})"
                  f"   before {statistics.median(inline[label]):7.3f}")  # fmt: skip

        web = [p for p in psutil.Process(server.pid).children()]
        rss_now = max(p.memory_info().rss for p in web) / 2**20

        print("\n2. Upload to embedded, one worker (started after the uploads)")
        started = time.monotonic()
        start_worker()

        def embedded(document_id):
            status, body, _ = api.call("GET", f"{docs}{document_id}/")
            return status == 200 and body["embedding_status"] == "embedded"

        wait(lambda: embedded(uploaded["10 kB"]))
        print(f"   first 10 kB embedded {time.monotonic() - started:6.1f} s after the worker "
              "started (model load included)")  # fmt: skip
        wait(lambda: embedded(uploaded["2 MB"]))
        print(
            f"   first 2 MB embedded  {time.monotonic() - started:6.1f} s after the worker started"
        )
        wait(lambda: _queue_empty(manage))
        status, body, seconds = api.call(
            "POST", docs, {"filename": "late.txt", "content": text_of(SIZES["10 kB"], "x")}
        )
        t0 = time.monotonic()
        wait(lambda: embedded(body["id"]), step=0.05)
        print(
            f"   10 kB upload to embedded with a warm, idle worker: {time.monotonic() - t0:.2f} s"
        )

        for _ in range(5):
            api.call("GET", f"/api/v2/projects/{project['id']}/knowledge/search/?q=bread")
        rss_search = max(p.memory_info().rss for p in web) / 2**20
        print("\n3. Resident memory of a gunicorn web worker (the larger of the two)")
        print(f"   after the uploads (no model loaded): {rss_now:6.0f} MiB")
        print(f"   after searches (model loaded for the query; what every web worker held "
              f"before, once it had embedded an upload): {rss_search:6.0f} MiB")  # fmt: skip

        print("\n4. Stalled-job recovery (defaults: heartbeat 5 s, stalled after 20 s, checked "
              "every 10 s)")  # fmt: skip
        status, body, _ = api.call(
            "POST", docs, {"filename": "kill.txt", "content": text_of(SIZES["2 MB"], "kill")}
        )
        wait(lambda: _job_status(manage, body["id"]) == "doing")
        time.sleep(3)
        victim = workers[0]
        os.killpg(victim.pid, signal.SIGKILL)
        killed = time.monotonic()
        start_worker()
        wait(lambda: _job_attempts_restarted(manage, body["id"]), step=1)
        print(f"   job running again {time.monotonic() - killed:5.1f} s after the SIGKILL")
        wait(lambda: embedded(body["id"]), step=1)
        print(f"   document embedded {time.monotonic() - killed:5.1f} s after the SIGKILL")
    finally:
        for process in [*workers, server]:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in [*workers, server]:
            process.wait(timeout=60)
        from socrates import embedded_db

        embedded_db.stop_server(args.data_dir)


def _alive(base: str) -> bool:
    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=5)
        return True
    except OSError:
        return False


def _sql(manage, query: str) -> str:
    script = (
        "from django.db import connections\n"
        "c = connections['specs'].cursor()\n"
        f"c.execute({query!r})\n"
        "print(c.fetchone())\n"
    )
    return manage("shell", "-c", script).stdout.strip().splitlines()[-1]


def _queue_empty(manage) -> bool:
    return (
        _sql(
            manage,
            "SELECT count(*) FROM procrastinate_jobs WHERE status IN "
            "('todo', 'doing') AND task_name = 'knowledge.embed_document'",
        )
        == "(0,)"
    )


def _job_status(manage, document_id: str) -> str:
    row = _sql(manage, "SELECT status FROM procrastinate_jobs WHERE args->>'document_id' = "
                       f"'{document_id}'")  # fmt: skip
    return row.strip("(),'")


def _job_attempts_restarted(manage, document_id: str) -> bool:
    # Back to doing by the new worker: the job's worker_id changed from the killed one's.
    row = _sql(manage, "SELECT count(DISTINCT e.type) FROM procrastinate_events e JOIN "
                       "procrastinate_jobs j ON j.id = e.job_id WHERE j.args->>'document_id' = "
                       f"'{document_id}' AND e.type = 'retried'")  # fmt: skip
    status = _job_status(manage, document_id)
    return row == "(1,)" and status == "doing"


if __name__ == "__main__":
    main()
