"""Which text values MariaDB/MySQL would refuse when a text column becomes a number.

In strict mode (the default) ``MODIFY`` stops on a value that does not read as the new
number type ("Truncated incorrect INTEGER value: 'abc'"), and rolls nothing back: MySQL's
DDL is not transactional. :func:`unreadable_numbers` finds those values first, with the
server's own ``REGEXP``: an integer is digits with an optional sign, a decimal or floating
point number may have a point and an exponent; spaces around them are accepted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Enum, Float, Integer, Numeric, String, func, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean, TypeEngine

__all__ = ["unreadable_numbers"]

_INTEGER = r"^[[:space:]]*[-+]?[0-9]+[[:space:]]*$"
_NUMBER = r"^[[:space:]]*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$"


def _pattern(new: TypeEngine[Any]) -> str | None:
    if isinstance(new, Integer) and not isinstance(new, Boolean):
        return _INTEGER
    if isinstance(new, (Numeric, Float)):
        return _NUMBER
    return None


def unreadable_numbers(
    connection: Connection,
    table_name: str,
    schema: str | None,
    column_name: str,
    old: TypeEngine[Any],
    new: TypeEngine[Any],
) -> tuple[int, list[Any]]:
    """How many values of a text column do not read as the number type ``new``, and up to
    three of them (``0, []`` for other changes)."""
    pattern = _pattern(new)
    if pattern is None or not isinstance(old, String) or isinstance(old, Enum):
        return 0, []
    value: ColumnElement[Any] = sql_table(table_name, sql_column(column_name), schema=schema).c[
        column_name
    ]
    failing = value.is_not(None) & ~value.regexp_match(pattern)
    count = int(connection.execute(select(func.count()).where(failing)).scalar_one())
    if not count:
        return 0, []
    first = select(value).where(failing).order_by(value).limit(3)
    return count, list(connection.execute(first).scalars())
