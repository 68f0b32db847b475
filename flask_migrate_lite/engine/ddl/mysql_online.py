"""MySQL and MariaDB: how the server runs an ALTER, asked with ``ALGORITHM=`` and ``LOCK=``.

``op.add_column``, ``op.alter_column``, ``op.create_index`` and ``op.drop_index`` take
``mysql_algorithm`` (``INSTANT``, ``INPLACE``, ``NOCOPY``, ``COPY``, ``DEFAULT``) and
``mysql_lock`` (``NONE``, ``SHARED``, ``EXCLUSIVE``, ``DEFAULT``). The clauses go at the end
of the operation's first statement: ``ALTER TABLE t ADD COLUMN c INT NULL, ALGORITHM=INSTANT,
LOCK=NONE``, ``CREATE INDEX ix ON t (c) ALGORITHM=INPLACE LOCK=NONE``. A server that cannot
run the change that way refuses at once (error 1846) rather than copying the table with
writes blocked; that is the point of asking.

Before running, the server's version is checked against what it takes: ``INSTANT`` came in
MariaDB 10.3.7 and MySQL 8.0.12, ``NOCOPY`` in MariaDB 10.3.7 (MySQL has none), and MySQL
takes no ``LOCK`` but ``DEFAULT`` with ``INSTANT`` (an instant change blocks nothing).
Offline (``--sql``) the version is unknown and nothing is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.ddl import ExecutableDDLElement

from ..errors import CommandError, UnsupportedOperation

__all__ = ["OnlineClause", "WithOnlineClause", "online_clause"]

ALGORITHMS = ("DEFAULT", "COPY", "INPLACE", "NOCOPY", "INSTANT")
LOCKS = ("DEFAULT", "NONE", "SHARED", "EXCLUSIVE")

# The first version of each server that takes an algorithm.
_MARIADB_SINCE = {"INSTANT": (10, 3, 7), "NOCOPY": (10, 3, 7)}
_MYSQL_SINCE = {"INSTANT": (8, 0, 12)}


@dataclass(frozen=True)
class OnlineClause:
    """``ALGORITHM=...`` and/or ``LOCK=...``."""

    algorithm: str | None
    lock: str | None

    def text(self, separator: str) -> str:
        parts = [f"ALGORITHM={self.algorithm}"] if self.algorithm else []
        if self.lock:
            parts.append(f"LOCK={self.lock}")
        return separator.join(parts)


def _version(text: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in text)


def online_clause(
    kw: Mapping[str, Any],
    dialect: Dialect,
    unsupported: Callable[[str, str], UnsupportedOperation],
) -> OnlineClause | None:
    """The clause ``kw``'s ``mysql_algorithm``/``mysql_lock`` ask for, checked against the
    server; ``None`` when neither is given."""
    given: dict[str, str | None] = {}
    for key, allowed in (("mysql_algorithm", ALGORITHMS), ("mysql_lock", LOCKS)):
        value = kw.get(key)
        if value is None:
            given[key] = None
            continue
        word = str(value).strip().upper()
        if word not in allowed:
            raise CommandError(
                f"{key}={value!r} is not a value MySQL/MariaDB take; give one of "
                f"{', '.join(allowed)}."
            )
        given[key] = word
    algorithm, lock = given["mysql_algorithm"], given["mysql_lock"]
    if algorithm is None and lock is None:
        return None
    version = tuple(part for part in dialect.server_version_info or () if isinstance(part, int))
    if version and algorithm is not None:
        mariadb = bool(getattr(dialect, "is_mariadb", False))
        since = (_MARIADB_SINCE if mariadb else _MYSQL_SINCE).get(algorithm)
        server = f"{'MariaDB' if mariadb else 'MySQL'} {_version(version)}"
        if algorithm == "NOCOPY" and not mariadb:
            raise unsupported(
                f"run a change with ALGORITHM=NOCOPY ({server} has no such algorithm)",
                "give mysql_algorithm='INPLACE' instead",
            )
        if since is not None and version < since:
            raise unsupported(
                f"run a change with ALGORITHM={algorithm}, which came in "
                f"{'MariaDB' if mariadb else 'MySQL'} {_version(since)} (the server is {server})",
                "give mysql_algorithm='INPLACE' instead, or leave mysql_algorithm out",
            )
        if algorithm == "INSTANT" and not mariadb and lock not in (None, "DEFAULT"):
            raise unsupported(
                f"run a change with ALGORITHM=INSTANT and LOCK={lock} (an instant change "
                "takes only LOCK=DEFAULT there)",
                "leave mysql_lock out",
            )
    return OnlineClause(algorithm, lock)


class WithOnlineClause(ExecutableDDLElement):
    """A DDL statement with the clause at its end."""

    inherit_cache = False

    def __init__(self, element: ExecutableDDLElement, clause: OnlineClause) -> None:
        self.element = element
        self.clause = clause


@compiles(WithOnlineClause)
def _with_online_clause(element: WithOnlineClause, compiler: Any, **kw: Any) -> str:
    sql = str(compiler.process(element.element, **kw)).rstrip()
    # ALTER TABLE lists the clauses after commas; CREATE/DROP INDEX after spaces.
    separator = ", " if sql.upper().startswith("ALTER TABLE") else " "
    return f"{sql}{separator}{element.clause.text(separator)}"
