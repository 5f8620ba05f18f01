"""One runner at a time for the scheduled jobs (weekly draw, daily sweep), across servers.

On PostgreSQL a session-level advisory lock is shared by every application server; on the
embedded SQLite (one machine by definition) an exclusive file lock beside the database does it.
"""

import contextlib
import fcntl
import hashlib
import tempfile
from pathlib import Path

from django.db import connection

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
