#!/usr/bin/env python
"""Old code on the new schema: the order every real deployment runs in (migrate, then roll the
new code out; roll the code back without touching the schema).

    .venv/bin/python scripts/check_compat.py [--commit SHA] [--keep]

1. Takes the newest ancestor of HEAD whose migration files are a strict subset of HEAD's (the
   code released before HEAD's new migrations), or --commit. Without such an ancestor (HEAD
   adds no migration file to any ancestor) it says so and exits 0.
2. Builds both databases with HEAD's migrations (`manage.py migrate` of this checkout) as
   fresh scratch databases on the embedded PostgreSQL (this checkout's SOCRATES_DATA_DIR).
3. Runs that commit's own test suite (its files, from `git archive`) against those databases,
   with this checkout's virtual environment: pytest-django reuses the prepared databases
   (--reuse-db), where the old code's `migrate` finds all of its migrations applied. Left out:
   the old suite's migration tests (tests/socrates/migrations/, which migrate its own graph back
   and forth) and its `slow` tests (the real model, subprocesses).

A migration that old code cannot live with (a NOT NULL column without a database default, a
renamed or dropped column, a changed type) fails the old tests that touch it; the check exits 1
naming them. One adaptation of the old harness, not of its code: between transactional tests,
Django empties the tables it knows with TRUNCATE; tables added since (whose foreign keys point at
those) are emptied with them (CASCADE), which production never does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MIGRATION_GLOB = "*/migrations/0*.py"
SCRATCH = {"default": "compat_auth", "specs": "compat_specs"}

# Loaded into the old suite with -p: Django's flush between transactional tests truncates the
# old code's tables with CASCADE, so tables of newer migrations that refer to them do not stop it.
PLUGIN = r"""
def pytest_sessionstart(session):
    # After pytest-django has set Django up.
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=True)

    DatabaseOperations.sql_flush = sql_flush


# Old tests that move the old migration graph to a named migration ("migrate knowledge_app
# zero") are migration tests wherever they live: an old graph cannot unapply a schema that has
# migrations it does not know (its 0001 cannot drop the vector extension while a newer table
# uses the type). Rolling back is done with the new code (`manage.py phase --to`), which the
# gate and tests/socrates/migrations/test_every_phase.py prove; so these are left out, named.
import inspect
import re

MOVES_THE_GRAPH = re.compile(r"call_command\(\s*[\"']migrate[\"']\s*,\s*[\"']\w+[\"']\s*,")


def pytest_collection_modifyitems(config, items):
    kept, left_out = [], []
    for item in items:
        function = getattr(item, "function", None)
        try:
            source = inspect.getsource(function) if function else ""
        except (OSError, TypeError):
            source = ""
        (left_out if MOVES_THE_GRAPH.search(source) else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
        print("\ncheck-compat left out (they migrate the old graph): "
              + ", ".join(item.nodeid for item in left_out))
"""


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def migration_files(commit: str) -> set[str]:
    names = git("ls-tree", "-r", "--name-only", commit).splitlines()
    return {n for n in names if "/migrations/0" in n and n.endswith(".py") and "tests/" not in n}


def find_old_commit() -> str | None:
    head = migration_files("HEAD")
    for commit in git("rev-list", "--first-parent", "HEAD~1").split():
        if migration_files(commit) < head:
            return commit
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", help="The old commit (default: found as described above).")
    parser.add_argument("--keep", action="store_true", help="Keep the old checkout (debugging).")
    args = parser.parse_args()

    try:
        commit = args.commit or find_old_commit()
    except subprocess.CalledProcessError as exc:
        print(f"check-compat: cannot read the git history ({exc.stderr.strip()}); skipped")
        return 0
    if commit is None:
        print("check-compat: no ancestor has a strict subset of HEAD's migration files; skipped")
        return 0
    added = sorted(migration_files("HEAD") - migration_files(commit))
    subject = git("log", "-1", "--format=%h %s", commit).strip()
    print(f"check-compat: the tests of {subject[:100]}")
    print(f"  on a schema built by HEAD's migrations, which add: {', '.join(added)}")

    sys.path.insert(0, str(ROOT))
    from socrates import embedded_db

    data_dir = Path(os.environ.get("SOCRATES_DATA_DIR") or ROOT / ".data")
    host, port = embedded_db.ensure_server(data_dir)
    urls = {alias: f"postgresql://postgres@{host}:{port}/{name}" for alias, name in SCRATCH.items()}
    test_urls = {
        alias: f"postgresql://postgres@{host}:{port}/test_{name}" for alias, name in SCRATCH.items()
    }
    env = {
        **os.environ,
        "SOCRATES_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{host}:{port}/postgres", autocommit=True) as conn:
        for name in SCRATCH.values():
            conn.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "test_{name}"')
    started = time.monotonic()
    migrate = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env={
            **env,
            "AUTH_DATABASE_URL": test_urls["default"],
            "SPECS_DATABASE_URL": test_urls["specs"],
        },
        capture_output=True,
        text=True,
    )
    if migrate.returncode:
        print(migrate.stdout + migrate.stderr)
        print("check-compat: HEAD's migrations failed on scratch databases")
        return 1
    print(f"  schema built in {time.monotonic() - started:.0f} s")

    old = Path(tempfile.mkdtemp(prefix="socrates-compat-"))
    try:
        archive = subprocess.run(
            ["git", "archive", commit], cwd=ROOT, check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        (old / "compat_flush_plugin.py").write_text(PLUGIN)
        started = time.monotonic()

        def old_pytest(*selection: str, database_urls: dict, reuse: bool):
            return subprocess.run(
                [
                    PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                    "compat_flush_plugin", "--reuse-db" if reuse else "--create-db",
                    "-m", "not slow", "--ignore=tests/socrates/migrations", *selection,
                ],
                cwd=old,
                env={
                    **env,
                    "PYTHONPATH": str(old),
                    "AUTH_DATABASE_URL": database_urls["default"],
                    "SPECS_DATABASE_URL": database_urls["specs"],
                },
                capture_output=True,
                text=True,
            )  # fmt: skip

        tests = old_pytest(database_urls=urls, reuse=True)
        elapsed = time.monotonic() - started
        tail = tests.stdout.strip().splitlines()[-1:] if tests.stdout.strip() else []
        print(f"  old suite on the new schema: {' '.join(tail)} ({elapsed:.0f} s)")
        for line in tests.stdout.splitlines():
            if line.startswith("check-compat left out"):
                print(f"  {line}")
        if tests.returncode == 0:
            print("check-compat passed: the old code's tests pass on the new schema")
            return 0
        failing = failed_tests(tests.stdout)
        if failing:
            print("  failed on the new schema: " + ", ".join(sorted(failing)))
        if not failing:
            print((tests.stdout + tests.stderr)[-6000:])
            print("check-compat FAILED: the old suite did not run (output above)")
            return 1
        # A test the old commit already failed on its own schema says nothing about the new
        # migrations: run the failing ones again on a schema its own migrations build.
        base_urls = {
            alias: f"postgresql://postgres@{host}:{port}/{name}_base"
            for alias, name in SCRATCH.items()
        }
        baseline = old_pytest(*sorted(failing), database_urls=base_urls, reuse=False)
        base_tail = baseline.stdout.strip().splitlines()[-1:] if baseline.stdout.strip() else []
        print(f"  the failing tests again, on the old commit's own schema: {' '.join(base_tail)}")
        if baseline.returncode not in (0, 1):
            print((baseline.stdout + baseline.stderr)[-4000:])
            print("check-compat FAILED: the baseline run of the old suite did not complete")
            return 1
        already = failed_tests(baseline.stdout)
        # Once more on the new schema: a test that fails there only once is flaky, not broken
        # by the migrations (named below either way).
        again: set[str] = set()
        if failing - already:
            rerun = old_pytest(*sorted(failing - already), database_urls=urls, reuse=True)
            again = failed_tests(rerun.stdout) if rerun.returncode != 0 else set()
            if rerun.returncode not in (0, 1) and not again:
                print((rerun.stdout + rerun.stderr)[-4000:])
                print("check-compat FAILED: the rerun of the failing tests did not complete")
                return 1
        flaky = sorted(failing - already - again)
        if flaky:
            print("  failed once on the new schema, passed when run again (flaky, not the"
                  " schema's doing): " + ", ".join(flaky))  # fmt: skip
        broken = sorted((failing & again) - already)
        if already:
            print(f"  {len(already)} of them fail on the old commit's own schema too (not the"
                  " new migrations' doing): " + ", ".join(sorted(already)[:10]))  # fmt: skip
        if not broken:
            print("check-compat passed: no old test fails because of the new schema")
            return 0
        print("\n".join(broken[:50]))
        print(
            f"check-compat FAILED: the code of {commit[:10]} does not work on the schema "
            f"HEAD's migrations build: {len(broken)} test(s) above pass on its own schema"
        )
        return 1
    finally:
        if args.keep:
            print(f"  old checkout kept at {old}")
        else:
            shutil.rmtree(old, ignore_errors=True)
        with psycopg.connect(
            f"postgresql://postgres@{host}:{port}/postgres", autocommit=True
        ) as conn:
            for name in SCRATCH.values():
                for scratch in (f"test_{name}", f"test_{name}_base"):
                    conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def failed_tests(output: str) -> set[str]:
    """The node ids pytest's short summary names as FAILED or ERROR."""
    found = set()
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            node = line.split(" ", 1)[1].split(" - ", 1)[0].strip()
            # Captured log lines start with "ERROR" too ("ERROR    django.request:log.py:293
            # Internal Server Error: ..."): only a test file or node id counts.
            if "::" in node or node.endswith(".py"):
                found.add(node)
    return found


if __name__ == "__main__":
    sys.exit(main())
