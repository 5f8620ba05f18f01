"""Locks: one runner at a time for the scheduled jobs, and transactions whose lock waits are bounded.

`exclusive(name)`: on PostgreSQL a session-level advisory lock is shared by every application
server; on the embedded SQLite (one machine by definition) an exclusive file lock beside the
database does it.

`bounded_transaction(seconds)`: a transaction that gives up waiting for a lock after `seconds`
(OperationalError, told apart by `is_lock_timeout`) instead of the connection's own 30 s
(SQLite's busy handler) or forever (PostgreSQL). On SQLite the wait is for the database's single
writer, taken at BEGIN IMMEDIATE; on PostgreSQL it is each statement's row or index lock.
"""

import contextlib
import fcntl
import hashlib
import tempfile
from pathlib import Path

from django.db import OperationalError, connection, transaction

from inspection.errors import Conflict


class Busy(Conflict):
    """Another process holds the lock: for a scheduled job, a reason to stand down, not a failure."""


def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def exclusive(name: str):
    """Run the block only if no other process holds `name`; otherwise raise Conflict at once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_id(name)])
            if not cursor.fetchone()[0]:
                raise Busy(f"另一个进程正在执行 {name}，本次跳过")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_id(name)])
        return
    if connection.is_in_memory_db():
        lock_path = Path(tempfile.gettempdir()) / f"ancha-memory.{name}.lock"
    else:
        db_file = Path(connection.settings_dict["NAME"])
        lock_path = db_file.with_name(f".{db_file.name}.{name}.lock")
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"另一个进程正在执行 {name}，本次跳过") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_lock_timeout(exc: OperationalError) -> bool:
    text = str(exc).lower()
    if "database is locked" in text or "database table is locked" in text:
        return True
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == "55P03"  # PostgreSQL lock_not_available


@contextlib.contextmanager
def _sqlite_busy_timeout(seconds: float):
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # Inside an outer transaction SQLite already holds the write lock: nothing to wait for.
        yield
        return
    # Outside these blocks a connection always waits its configured timeout (this block puts it
    # back), so a bound equal to it costs no PRAGMA: the filing's bound is the default
    # (ancha/settings.py), and a filing is the request people wait for.
    default = int(connection.settings_dict["OPTIONS"].get("timeout", 5) * 1000)
    wanted = int(seconds * 1000)
    if wanted == default:
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {wanted}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {default}")


@contextlib.contextmanager
def bounded_transaction(seconds: float):
    """transaction.atomic() in which a lock wait longer than `seconds` raises OperationalError."""
    nested = connection.in_atomic_block
    with _sqlite_busy_timeout(seconds), transaction.atomic():
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            # Only a nested block must put the setting back; an outermost one ends with its transaction.
            previous = None
            if nested:
                cursor.execute("SELECT current_setting('lock_timeout')")
                previous = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(seconds * 1000)}ms"])
        yield
        if nested and not connection.needs_rollback:
            # The setting is local to the outer transaction and would outlive this block (a failed
            # block's savepoint rollback undoes it by itself).
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
