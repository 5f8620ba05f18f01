"""A throwaway PostgreSQL database for a benchmark, removed afterwards.

If $DATABASE_URL points at a PostgreSQL server, a new database is created on that server (and
dropped at the end); otherwise a private cluster is started in a temporary folder the way
.ci/run does it (initdb, `runuser -u postgres` when run as root), listening on 127.0.0.1 only,
and stopped and deleted at the end. The private cluster keeps PostgreSQL's durable defaults
(fsync and synchronous commit on), so a figure measured on it is what a real server pays.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path:
    found = os.environ.get("ANCHA_PG_BIN")
    if found:
        return Path(found)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()])
    if not candidates:
        raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin); set DATABASE_URL to a server")
    return candidates[-1]


def _as_postgres(args: list[str], **kwargs):
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@contextlib.contextmanager
def throwaway_database(prefix: str = "ancha_bench", *, flush: bool = True):
    """Yield (a postgres:// URL of an empty database that disappears afterwards, a description).

    flush=False starts the private cluster with fsync off: the disk's flush taken out of every
    commit, to show what the rest costs (as on a server whose disk cache is battery-backed)."""
    base = os.environ.get("DATABASE_URL", "")
    name = f"{prefix}_{os.getpid()}"
    if base.split(":", 1)[0] in ("postgres", "postgresql"):
        admin = _with_db(base, "postgres")
        _admin(admin, f'DROP DATABASE IF EXISTS "{name}"')
        _admin(admin, f'CREATE DATABASE "{name}"')
        try:
            yield _with_db(base, name), "the server of $DATABASE_URL"
        finally:
            _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    pg_bin = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="ancha-bench-pg."))
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    started = False
    try:
        _as_postgres([str(pg_bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--locale=C.UTF-8"])
        _as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                      f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                      f"-c shared_buffers=256MB -c fsync={'on' if flush else 'off'}", "start"])
        started = True
        admin = f"postgres://postgres@127.0.0.1:{port}/postgres"
        _admin(admin, f'CREATE DATABASE "{name}"')
        version = subprocess.run([str(pg_bin / "postgres"), "--version"], capture_output=True, text=True).stdout.split()[2]
        yield _with_db(admin, name), f"a private PostgreSQL {version} (fsync {'on' if flush else 'off'})"
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):
                _as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


def django_env(database_url: str, *, settings: str = "ancha.settings", **extra: str) -> dict[str, str]:
    """The environment a benchmark worker or server process runs Django with: production-like, local hosts."""
    return {
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "ANCHA_SECURE": "0",
        "ANCHA_DB_CONN_MAX_AGE": "600",  # as docs/deploy.md says to run it: one connection per worker
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def run_worker(module: str, args: list[str], *, env: dict[str, str], timeout: float = 3600) -> str:
    """Run `python -m module args` with its own Django settings and database; return its stdout."""
    import sys

    full_env = {**os.environ, **env}
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", module, *args], env=full_env, capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed after {time.perf_counter() - began:.0f}s:\n"
                           f"{done.stderr[-4000:]}")
    return done.stdout
