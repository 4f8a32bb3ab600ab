#!/usr/bin/env python
"""Benchmark: how many wrong passwords an attacker gets before a 429, per gunicorn worker count.

    .venv/bin/python bench/bruteforce.py [--workers 1,2]

Uses its own embedded PostgreSQL under --data-dir (default /tmp/socrates-bench-bruteforce),
never the developer's databases. For each worker count it starts gunicorn (sync workers, DEBUG
off, the default settings: LOGIN_FAILURE_LIMIT, AUTH_THROTTLE_RATE), then over loopback:

1. one account: wrong passwords for one username until the first answer that is not 401
   (expected: 429 ``account_locked`` after LOGIN_FAILURE_LIMIT), then the right password
   (expected: still 429: the account is locked, not the guess);
2. many accounts: one wrong password per username, all from one address, until the first 429
   (the per-address ``auth`` throttle, counted in the shared database cache).

Counts that do not depend on the worker count show that both limits hold across workers.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VICTIM, PASSWORD = "bf-victim", "bf-Right-Passw0rd-42"
LIMIT = 500  # attempts at most per scenario


def post(base: str, username: str, password: str) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{base}/api/v2/auth/token/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
        return exc.code, body.get("error", {}).get("code", "")


def attack(base: str) -> dict:
    one = 0
    while one < LIMIT:
        status, code = post(base, VICTIM, f"guess-{one}")
        if status != 401:
            break
        one += 1
    locked_code = code
    right_status, right_code = post(base, VICTIM, PASSWORD)
    many = 0
    while many < LIMIT:
        status, spread_code = post(base, f"nobody-{time.time_ns()}", "guess")
        if status != 401:
            break
        many += 1
    return {
        "one_account_wrong_before_429": one,
        "one_account_answer": locked_code,
        "right_password_while_locked": f"{right_status} {right_code}",
        "many_accounts_wrong_before_429": many,
        "many_accounts_answer": spread_code,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/socrates-bench-bruteforce"))
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from socrates.local_secrets import local_secret

    env = {
        **os.environ,
        "SOCRATES_DATA_DIR": str(args.data_dir),
        "DJANGO_SETTINGS_MODULE": "socrates.settings",
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": local_secret(args.data_dir, "secret-key"),
        "API_KEY_ENCRYPTION_KEYS": local_secret(args.data_dir, "encryption-key"),
    }
    for name in ("AUTH_DATABASE_URL", "SPECS_DATABASE_URL", "LOGIN_FAILURE_LIMIT"):
        env.pop(name, None)

    def manage(*command):
        subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )

    manage("migrate", "--verbosity", "0")
    script = (
        "from django.contrib.auth import get_user_model; from django.core.cache import cache; "
        "from axes.models import AccessAttempt; U = get_user_model(); "
        f"U.objects.filter(username='{VICTIM}').delete(); "
        f"U.objects.create_user(username='{VICTIM}', email='victim@example.com', "
        f"password='{PASSWORD}'); AccessAttempt.objects.all().delete(); cache.clear()"
    )
    print("Brute force against POST /api/v2/auth/token/ (gunicorn sync workers, loopback)")
    for workers in [int(w) for w in args.workers.split(",")]:
        manage("shell", "-c", script)
        base = f"http://127.0.0.1:{args.port}"
        server = subprocess.Popen(
            [str(Path(PYTHON).with_name("gunicorn")), "socrates.wsgi:application", "--bind",
             f"127.0.0.1:{args.port}", "--workers", str(workers), "--log-level", "error"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"{base}/api/v2/docs/", timeout=5)
                    break
                except OSError:
                    time.sleep(0.3)
            result = attack(base)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        print(f"workers={workers}: " + ", ".join(f"{k}={v}" for k, v in result.items()))
    from socrates import embedded_db

    embedded_db.stop_server(args.data_dir)


if __name__ == "__main__":
    main()
