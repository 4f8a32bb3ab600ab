"""The embedded PostgreSQL launcher: one server per data dir, whatever races and crashes happen.

Each test gets a fresh data directory under /tmp (as root the server runs as the system user
`embedded_postgres`, which must be able to traverse it) and stops its server at the end.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from socrates import embedded_db

pytestmark = pytest.mark.slow

ENSURE_SERVER = """
import sys
from pathlib import Path
from socrates import embedded_db
host, port = embedded_db.ensure_server(sys.argv[1])
pid = int((Path(sys.argv[1]) / "pgdata" / "postmaster.pid").read_text().split()[0])
print(port, pid)
"""

HOLD_LOCK = """
import fcntl, os, sys, time
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.write(f"{os.getpid()}\\n")
handle.flush()
print("locked", flush=True)
time.sleep(600)
"""


@pytest.fixture
def data_dir():
    path = Path(tempfile.mkdtemp(prefix="socrates-foundation-embedded-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        try:
            embedded_db.stop_server(path)
        finally:
            shutil.rmtree(path, ignore_errors=True)


def python(script: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def ensure_server_in_subprocess(data_dir: Path) -> tuple[int, int]:
    process = python(ENSURE_SERVER, str(data_dir))
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    port, pid = out.split()
    return int(port), int(pid)


def postmaster_pid(data_dir: Path) -> int:
    return int((embedded_db.pgdata_path(data_dir) / "postmaster.pid").read_text().split()[0])


def connect(port: int) -> psycopg.Connection:
    return psycopg.connect(
        host=embedded_db.HOST,
        port=port,
        user=embedded_db.SUPERUSER,
        dbname="socrates_specs",
        autocommit=True,
    )


def wait_until_gone(pid: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while Path(f"/proc/{pid}").exists():
        assert time.monotonic() < deadline, f"process {pid} did not exit"
        time.sleep(0.05)


def test_two_processes_starting_at_once_share_one_server(data_dir):
    processes = [python(ENSURE_SERVER, str(data_dir)) for _ in range(2)]
    outputs = [process.communicate(timeout=180) for process in processes]

    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    (port_a, pid_a), (port_b, pid_b) = (tuple(map(int, out.split())) for out, _ in outputs)
    assert port_a == port_b
    assert pid_a == pid_b == postmaster_pid(data_dir)
    with connect(port_a) as conn:
        names = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
    assert {"socrates_auth", "socrates_specs"} <= names


def test_a_lock_left_by_a_killed_process_does_not_block_the_next_start(data_dir):
    lock = data_dir / "server.lock"
    holder = python(HOLD_LOCK, str(lock))
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()  # SIGKILL: the holder never unlocks; the kernel drops its flock
    holder.wait(timeout=30)
    assert lock.read_text().strip() == str(holder.pid)  # the dead pid stays in the file

    port, pid = ensure_server_in_subprocess(data_dir)

    assert pid == postmaster_pid(data_dir)
    with connect(port) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_server_killed_with_sigkill_is_replaced_and_keeps_committed_data(data_dir):
    _host, port = embedded_db.ensure_server(data_dir)
    with connect(port) as conn:
        conn.execute("CREATE TABLE survivors (name text)")
        conn.execute("INSERT INTO survivors VALUES ('before the crash')")
    killed = postmaster_pid(data_dir)

    os.kill(killed, signal.SIGKILL)
    wait_until_gone(killed)
    assert (embedded_db.pgdata_path(data_dir) / "postmaster.pid").exists()  # stale now

    new_port, new_pid = ensure_server_in_subprocess(data_dir)

    assert new_pid != killed
    with connect(new_port) as conn:
        assert conn.execute("SELECT name FROM survivors").fetchall() == [("before the crash",)]


def test_data_survives_stop_and_start(data_dir):
    _host, port = embedded_db.ensure_server(data_dir)
    with connect(port) as conn:
        conn.execute("CREATE TABLE kept (value int)")
        conn.execute("INSERT INTO kept VALUES (42)")

    assert embedded_db.stop_server(data_dir) is True
    assert embedded_db.running_port(data_dir) is None
    assert embedded_db.stop_server(data_dir) is False  # stopping twice is harmless

    _host, port = embedded_db.ensure_server(data_dir)
    with connect(port) as conn:
        assert conn.execute("SELECT value FROM kept").fetchall() == [(42,)]
