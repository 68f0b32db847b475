"""MySQL and MariaDB: a column's current definition, read for ``MODIFY COLUMN``.

``MODIFY``/``CHANGE COLUMN`` restate the whole column: what the statement leaves out is
reset (NULL allowed, no default, no comment, no ``AUTO_INCREMENT``, the table's character
set). With a connection, :func:`read_column` reads the column as the server describes it
(``SHOW CREATE TABLE``, through SQLAlchemy's inspector), so that ``alter_column`` can
restate whatever the call does not give. Offline there is nothing to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, literal_column
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from .base import ServerDefault

__all__ = ["CurrentColumn", "read_column"]


@dataclass(frozen=True)
class CurrentColumn:
    """One column as the server describes it now."""

    type_: TypeEngine[Any]
    nullable: bool
    #: The DEFAULT clause's SQL as the server writes it (``'x'``, ``current_timestamp()``,
    #: possibly followed by ``ON UPDATE ...``), or ``None``.
    default: ServerDefault
    autoincrement: bool
    comment: str | None
    #: The column's own character set and collation, where they differ from the table's.
    charset: str | None
    collation: str | None
    #: Whether it is a generated column (``GENERATED ALWAYS AS (...)``).
    generated: bool
    #: MariaDB's column-level CHECK condition (``json_valid(`doc`)`` of a JSON column),
    #: which is part of the column's definition there.
    check: str | None = None


def read_column(
    connection: Connection, table_name: str, column_name: str, schema: str | None
) -> CurrentColumn | None:
    """The column's current definition; ``None`` when the table has no such column.

    A table that does not exist raises SQLAlchemy's ``NoSuchTableError``.
    """
    for found in inspect(connection).get_columns(table_name, schema=schema):
        if found["name"] != column_name:
            continue
        column_type = found["type"]
        default = found.get("default")
        check = None
        if getattr(connection.dialect, "is_mariadb", False):
            check = _column_check(connection, table_name, column_name, schema)
        return CurrentColumn(
            type_=column_type,
            nullable=bool(found["nullable"]),
            default=None if default is None else literal_column(str(default)),
            autoincrement=bool(found.get("autoincrement", False)),
            comment=found.get("comment"),
            charset=getattr(column_type, "charset", None),
            collation=getattr(column_type, "collation", None),
            generated=found.get("computed") is not None,
            check=check,
        )
    return None


# A quoted string of MySQL (doubled quotes or backslash escapes inside).
_STRING = re.compile(r"'(?:[^'\\]|''|\\.)*'")


def _column_check(
    connection: Connection, table_name: str, column_name: str, schema: str | None
) -> str | None:
    """The CHECK condition written in the column's line of ``SHOW CREATE TABLE``, if any."""
    preparer = connection.dialect.identifier_preparer
    table = preparer.quote(table_name)
    if schema:
        table = f"{preparer.quote_schema(schema)}.{table}"
    ddl = str(connection.exec_driver_sql(f"SHOW CREATE TABLE {table}").one()[1])
    start = f"{preparer.quote_identifier(column_name)} "
    for line in ddl.splitlines():
        line = line.strip().removesuffix(",")
        if not line.startswith(start):
            continue
        # Strings blanked out (same length), so that a comment's text is never taken.
        plain = _STRING.sub(lambda m: "'" + " " * (len(m[0]) - 2) + "'", line)
        position = plain.rfind(" CHECK (")
        if position < 0 or not plain.endswith(")"):
            return None
        return line[position + len(" CHECK (") : -1]
    return None
