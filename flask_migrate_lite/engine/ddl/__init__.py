"""Per-dialect DDL emission: :func:`impl_for` picks the implementation for a dialect.

Importing this package registers the dialect renderings of the ALTER TABLE elements, so
the modules are imported here together.
"""

from __future__ import annotations

from typing import TextIO

from sqlalchemy.engine import Connection, Dialect

from .base import DefaultImpl, InlineLiteral
from .mysql import MySQLImpl
from .postgresql import PostgresqlImpl
from .sqlite import SQLiteImpl

__all__ = [
    "DefaultImpl",
    "InlineLiteral",
    "MySQLImpl",
    "PostgresqlImpl",
    "SQLiteImpl",
    "impl_for",
]

_IMPLS: dict[str, type[DefaultImpl]] = {
    "sqlite": SQLiteImpl,
    "postgresql": PostgresqlImpl,
    "mysql": MySQLImpl,
    "mariadb": MySQLImpl,
}


def impl_for(
    dialect: Dialect,
    connection: Connection | None,
    *,
    as_sql: bool = False,
    output: TextIO | None = None,
    terminator: str = ";",
) -> DefaultImpl:
    """The DDL implementation for ``dialect`` (standard SQL for dialects not listed).

    For example, ``impl_for(engine.dialect, connection)`` runs statements on
    ``connection``; ``impl_for(postgresql.dialect(), None, as_sql=True, output=buffer)``
    writes PostgreSQL statements to ``buffer``.
    """
    impl = _IMPLS.get(dialect.name, DefaultImpl)
    return impl(
        dialect,
        connection,
        as_sql=as_sql,
        output=output,
        terminator=terminator,
    )
