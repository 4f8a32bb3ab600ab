#!/usr/bin/env python
"""Benchmark: migrate both empty databases from zero to phase 6, then back to phase 0.

    .venv/bin/python bench/migrations.py [--rounds N]

Times `manage.py phase --to 6` on two empty databases (Django's contrib apps, the token
blacklist and every project migration, auth first), then `manage.py phase --to 0` (every
project migration after phase 0 unapplied, specs first), and for reference plain
`manage.py migrate` (both databases) from zero. Each round starts from fresh empty databases.

Isolation: with the embedded server (no AUTH_/SPECS_DATABASE_URL) it starts a throwaway server
in a temporary data directory and deletes it afterwards; with configured URLs it uses a
dedicated pair of databases (<name>_bench) on those servers and drops them. The developer's
databases are never opened.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="repetitions (median reported)")
    args = parser.parse_args()

    embedded = not (os.environ.get("AUTH_DATABASE_URL") or os.environ.get("SPECS_DATABASE_URL"))
    data_dir = None
    if embedded:
        data_dir = tempfile.mkdtemp(prefix="socrates-bench-migrations-")
        os.environ["SOCRATES_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socrates.settings")

    import django

    django.setup()

    from django.core.management import call_command

    from socrates import phases
    from socrates.migration_checks.scratch import scratch_databases

    aliases = phases.database_aliases()
    up, down, plain = [], [], []
    try:
        with open(os.devnull, "w") as quiet:
            for _ in range(args.rounds):
                with scratch_databases(aliases, suffix="_bench"):
                    up.append(timed(lambda: call_command("phase", to_phase=6, stdout=quiet)))
                    down.append(timed(lambda: call_command("phase", to_phase=0, stdout=quiet)))
                with scratch_databases(aliases, suffix="_bench"):
                    plain.append(timed(lambda: call_command("migrate", verbosity=0)))
    finally:
        if data_dir:
            from socrates import embedded_db

            embedded_db.stop_server(data_dir)
            shutil.rmtree(data_dir, ignore_errors=True)

    where = "throwaway embedded server" if embedded else "dedicated *_bench databases"
    print(f"Migrations benchmark: {args.rounds} round(s), median, {where}")
    rows = [
        ("phase --to 6, both databases, from empty", up),
        ("phase --to 0, both databases, from phase 6", down),
        ("reference: migrate, both databases, from empty", plain),
    ]
    for label, seconds in rows:
        print(f"  {label:<48} {statistics.median(seconds):6.2f} s")


if __name__ == "__main__":
    main()
