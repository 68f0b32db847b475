"""What a column type change asks of a database: how old values become new ones.

Autogenerate asks these when a model's column type differs from the database's.
:class:`TypeConversions` holds the defaults every :class:`~.base.DefaultImpl` inherits (no
conversion expression is needed; a value has a time of day when its DATE cast differs);
PostgreSQL overrides :meth:`~TypeConversions.conversion_using` (see
:mod:`.postgresql_casts`), SQLite :meth:`~TypeConversions.time_of_day` and
:meth:`~TypeConversions.unconvertible_rows` (see :mod:`.sqlite_convert`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, cast
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

__all__ = ["TypeConversions"]


class TypeConversions:
    """The type-change defaults of :class:`~.base.DefaultImpl`."""

    def conversion_using(
        self,
        connection: Connection,
        column_name: str,
        old: TypeEngine[Any],
        new: TypeEngine[Any],
    ) -> str | None:
        """The expression that converts the column's values from ``old`` to ``new`` when
        the database does not convert them by itself (``None``: it does)."""
        return None

    def unconvertible_rows(
        self,
        connection: Connection,
        table_name: str,
        schema: str | None,
        column_name: str,
        old: TypeEngine[Any],
        new: TypeEngine[Any],
    ) -> tuple[int, list[Any]]:
        """How many stored values the change from ``old`` to ``new`` would stop on, and a
        few of them, where the migration checks them itself (SQLite's rebuild); else none."""
        return 0, []

    def time_of_day(self, value: ColumnElement[Any]) -> ColumnElement[bool]:
        """True where a date-and-time ``value`` is not at midnight (a DATE would lose it)."""
        return cast(value, Date()) != value
