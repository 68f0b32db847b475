"""What the lint knows about the database: tables, rows, server version, settings.

:class:`NoFacts` is used when there is no database to ask (a range of revisions linted
offline): every table is assumed to exist and to hold rows. :class:`ConnectionFacts` asks a
live connection, read-only, and remembers each answer.
"""

from __future__ import annotations

import functools
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["ConnectionFacts", "Facts", "NoFacts"]

# MySQL's default lock_wait_timeout is a year and MariaDB's a day: in effect none. A server
# value of at most ten minutes counts as a timeout someone set.
_MYSQL_LOCK_WAIT_SET = 600


class Facts(Protocol):
    """The questions the rules ask about the database as it is before the lint's revisions."""

    @property
    def known(self) -> bool:
        """Whether the answers come from a database (else they are assumptions)."""
        ...

    @property
    def server_version(self) -> tuple[int, ...] | None:
        """The server's version, when known."""
        ...

    def table_exists(self, table: str, schema: str | None) -> bool:
        """Whether the table exists."""
        ...

    def has_rows(self, table: str, schema: str | None) -> bool:
        """Whether the table holds at least one row (True when unknown)."""
        ...

    def lock_timeout_set(self) -> bool:
        """Whether the server or the migration user already has a lock timeout."""
        ...

    def validated_not_null_check(self, table: str, column: str, schema: str | None) -> bool:
        """Whether a validated ``CHECK (column IS NOT NULL)`` exists on the table."""
        ...


class NoFacts:
    """No database: tables exist and hold rows, no timeout is set, the version is unknown."""

    known = False
    server_version: tuple[int, ...] | None = None

    def table_exists(self, table: str, schema: str | None) -> bool:
        return True

    def has_rows(self, table: str, schema: str | None) -> bool:
        return True

    def lock_timeout_set(self) -> bool:
        return False

    def validated_not_null_check(self, table: str, column: str, schema: str | None) -> bool:
        return False


class ConnectionFacts:
    """Answers read from a live connection (which must stay open while the lint runs)."""

    known = True

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        version = connection.dialect.server_version_info or ()
        numbers = tuple(part for part in version if isinstance(part, int))
        self.server_version: tuple[int, ...] | None = numbers or None

    @functools.cached_property
    def _inspector(self) -> sa.Inspector:
        return sa.inspect(self.connection)

    @functools.cache  # noqa: B019  (one instance per lint run)
    def table_exists(self, table: str, schema: str | None) -> bool:
        return bool(self._inspector.has_table(table, schema=schema))

    @functools.cache  # noqa: B019
    def has_rows(self, table: str, schema: str | None) -> bool:
        if not self.table_exists(table, schema):
            return False
        name = sa.table(table, schema=schema)
        found = self.connection.execute(sa.select(sa.literal(1)).select_from(name).limit(1))
        return found.first() is not None

    @functools.cache  # noqa: B019
    def lock_timeout_set(self) -> bool:
        if self.dialect == "postgresql":
            value = self.connection.exec_driver_sql("SHOW lock_timeout").scalar()
            return str(value).strip() not in ("0", "")
        if self.dialect in ("mysql", "mariadb"):
            value = self.connection.exec_driver_sql("SELECT @@SESSION.lock_wait_timeout").scalar()
            return value is not None and int(value) <= _MYSQL_LOCK_WAIT_SET
        return True

    def validated_not_null_check(self, table: str, column: str, schema: str | None) -> bool:
        if self.dialect != "postgresql" or not self.table_exists(table, schema):
            return False
        rows = self.connection.execute(
            sa.text(
                "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid "
                "JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE c.contype = 'c' AND c.convalidated AND t.relname = :t "
                "AND n.nspname = coalesce(:s, current_schema())"
            ),
            {"t": table, "s": schema},
        ).scalars()
        return any(_is_not_null_check(str(text), column) for text in rows)


def _is_not_null_check(definition: str, column: str) -> bool:
    text = definition.replace('"', "").replace("(", " ").replace(")", " ").lower().split()
    return " ".join(text) == f"check {column.lower()} is not null"
