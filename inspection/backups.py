"""Backups of the whole database, and restoring one into an empty (or replaced) database.

SQLite: the online backup API (a consistent copy while the application runs; WAL included).
PostgreSQL: `pg_dump --format=custom` and `pg_restore --single-transaction`, found through
$ANCHA_PG_BIN, else the newest /usr/lib/postgresql/*/bin, else PATH. The dump client must be
at least as new as the server.

A restore is checked before it counts: afterwards the audit chain is verified.
"""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

from inspection.errors import InspectionError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(InspectionError):
    pass


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_binary(name: str) -> str:
    """Path of a PostgreSQL client program: $ANCHA_PG_BIN, the newest packaged one, or PATH."""
    candidates = []
    if os.environ.get("ANCHA_PG_BIN"):
        candidates.append(Path(os.environ["ANCHA_PG_BIN"]) / name)
    packaged = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(packaged)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"找不到 PostgreSQL 程序 {name}：请安装 postgresql-client，或设置 ANCHA_PG_BIN")


def _pg_env(settings_dict) -> dict:
    env = dict(os.environ)
    # The password goes in the environment, never on a command line others can read.
    for key, name in [("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")]:
        value = settings_dict.get(key)
        if value:
            env[name] = str(value)
        else:
            env.pop(name, None)
    env["PGDATABASE"] = settings_dict["NAME"]
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = options["sslmode"]
    return env


def _run(args, env):
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{Path(args[0]).name} 失败：{message[-1] if message else result.returncode}")
    return result


def backup_database(target: Path, *, using: str = "default") -> BackupResult:
    """Write a consistent copy of the database to `target` (written aside, then renamed into place)."""
    connection = connections[using]
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".backup-", dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            destination = sqlite3.connect(temp)
            try:
                connection.connection.backup(destination)
            finally:
                destination.close()
        elif connection.vendor == "postgresql":
            _run(
                [pg_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={temp}"],
                _pg_env(connection.settings_dict),
            )
        else:
            raise BackupError(f"不支持的数据库：{connection.vendor}")
        os.replace(temp, target)
    except OSError as exc:
        raise BackupError(f"无法写入备份文件 {target}：{exc.strerror}") from None
    finally:
        temp.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, _sha256(target))


def backup_kind(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise BackupError(f"无法读取备份文件 {path}：{exc.strerror}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} 不是 Ancha 的备份文件（既非 SQLite 数据库，也非 pg_dump 自定义格式）")


def database_has_tables(*, using: str = "default") -> bool:
    connection = connections[using]
    with connection.cursor() as cursor:
        return bool(connection.introspection.table_names(cursor))


def restore_database(source: Path, *, using: str = "default", replace: bool = False) -> None:
    """Put the backup `source` in place of the database `using`.

    Refuses a database that already has tables unless `replace`: a restore over live records
    must be meant.
    """
    connection = connections[using]
    source = Path(source)
    kind = backup_kind(source)
    if kind != connection.vendor:
        raise BackupError(f"备份是 {kind} 格式，当前数据库是 {connection.vendor}：请恢复到同类数据库")
    if not replace and database_has_tables(using=using):
        raise BackupError("目标数据库已有数据表；如确要用备份覆盖，请加 --replace")
    if kind == "sqlite":
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            problems = backup.execute("PRAGMA integrity_check").fetchall()
            if problems != [("ok",)]:
                raise BackupError(f"备份文件已损坏：{problems[0][0]}")
            connection.ensure_connection()
            backup.backup(connection.connection)
        finally:
            backup.close()
    else:
        connection.close()
        _run(
            [
                pg_binary("pg_restore"),
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                "--clean",
                "--if-exists",
                f"--dbname={connection.settings_dict['NAME']}",
                str(source),
            ],
            _pg_env(connection.settings_dict),
        )
    connection.close()
