"""Triggers kept per database vendor, installed by migrations and lifted only by flush."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Guards:
    name: str
    sqlite_create: list[str]
    sqlite_drop: list[str]
    postgres_create: list[str]
    postgres_drop: list[str]

    def statements(self, vendor: str, *, create: bool) -> list[str]:
        if vendor == "sqlite":
            return self.sqlite_create if create else self.sqlite_drop
        if vendor == "postgresql":
            return self.postgres_create if create else self.postgres_drop
        raise RuntimeError(f"no {self.name} guards for database vendor {vendor!r}")

    def install(self, connection) -> None:
        self._run(connection, create=True)

    def remove(self, connection) -> None:
        self._run(connection, create=False)

    def _run(self, connection, *, create: bool) -> None:
        with connection.cursor() as cursor:
            for sql in self.statements(connection.vendor, create=create):
                cursor.execute(sql)
