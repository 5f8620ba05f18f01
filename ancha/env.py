"""Typed readers for the environment that stop start-up with one clear line.

Settings are read once at import; a wrong value must not surface later as a
confusing traceback deep inside Django, so every reader raises ConfigError and
settings.py turns that into a one-line message and exit status 2.
"""

import ipaddress
import os
from pathlib import Path


class ConfigError(Exception):
    pass


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off (got {raw!r})")


def env_str(name: str, default: str | None = None) -> str | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip()


def _number(name: str, default, parse, what: str):
    raw = env_str(name)
    if raw is None:
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {what} (got {raw!r})") from None


def env_int(name: str, default: int) -> int:
    return _number(name, default, int, "a whole number")


def env_float(name: str, default: float) -> float:
    return _number(name, default, float, "a number")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated CIDRs (a bare address is its own /32 or /128); none when unset."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"{name} must be comma-separated addresses or CIDRs such as 10.0.0.0/8 (got {item!r})") from None
    return tuple(networks)


def env_path(name: str, default: Path) -> Path:
    raw = env_str(name)
    return Path(raw).expanduser().resolve() if raw else default


def database_from_url(url: str, *, sqlite_default: Path) -> dict:
    """A Django DATABASES entry for DATABASE_URL (sqlite:/// or postgres://)."""
    import dj_database_url

    if not url:
        url = f"sqlite:///{sqlite_default}"
    scheme = url.split(":", 1)[0].lower()
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            f"DATABASE_URL must start with sqlite:// or postgres:// (got scheme {scheme!r})"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except Exception as exc:  # dj-database-url raises several kinds for garbage
        raise ConfigError(f"DATABASE_URL could not be read: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not config.get("NAME"):
            raise ConfigError("DATABASE_URL for SQLite needs a file path, e.g. sqlite:////srv/ancha/db.sqlite3")
        config["OPTIONS"] = {
            # Immediate transactions take the write lock at BEGIN, so two writers queue on
            # busy_timeout instead of one failing with "database is locked" mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            # recursive_triggers: INSERT OR REPLACE's implicit delete then fires the DELETE guards
            # (inspection/audit_sql.py, inspection/finding_sql.py), so an upsert cannot edit a guarded row.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA recursive_triggers=ON;"
            ),
        }
    else:
        if not config.get("NAME"):
            raise ConfigError("DATABASE_URL for PostgreSQL needs a database name")
        config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    return config
