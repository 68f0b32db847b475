"""Which PostgreSQL type changes need ``USING``, read from the server's own cast catalog.

``ALTER COLUMN ... TYPE t`` converts the stored values with an *assignment* cast, as an
``INSERT`` would: a cast ``pg_cast`` lists as implicit (``i``) or assignment (``a``), the
length coercion of a type to itself, or the text output of any type into a string type
(PostgreSQL treats those as assignment casts). Everything else (``varchar`` to ``integer``,
``text`` to ``jsonb``, ``integer`` to ``boolean``, ``varchar`` to ``date``...) is an explicit
cast, which the server refuses without ``USING col::t``. Domains count as their base type;
arrays convert when their elements do.

A column with a server default cannot change type with ``USING`` while it has the default
(PostgreSQL would have to cast the default without it): the default is dropped first and
set again, converted, after the type change (:func:`converted_default`). A constant default
is converted the same way on any type change, so that it reads as the new type's literal.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Text, cast, exc, func, literal, select, text
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

__all__ = [
    "assignment_castable",
    "converted_default",
    "current_default",
    "is_constant",
    "unconvertible_values",
    "using_expression",
]

_TYPE = text(
    "SELECT t.oid, coalesce(nullif(t.typbasetype, 0), t.oid) AS base "
    "FROM pg_type t WHERE t.oid = to_regtype(:name)"
)
_INFO = text("SELECT typcategory, typelem FROM pg_type WHERE oid = :oid")
_CAST = text(
    "SELECT 1 FROM pg_cast WHERE castsource = :source AND casttarget = :target "
    "AND castcontext IN ('a', 'i')"
)


# Before PostgreSQL 16 (pg_input_is_valid), whether a text reads as a type is asked of a
# temporary function made inside a savepoint and gone with it.
_PROBE = text(
    "CREATE FUNCTION pg_temp.fml_reads_as(v text, t text) RETURNS boolean LANGUAGE plpgsql "
    "AS $fml$ BEGIN EXECUTE format('SELECT %L::%s', v, t); RETURN true; "
    "EXCEPTION WHEN others THEN RETURN false; END $fml$"
)
_CATEGORY = text("SELECT typcategory FROM pg_type WHERE oid = to_regtype(:name)")


def _type_oid(connection: Connection, name: str) -> int | None:
    row = connection.execute(_TYPE, {"name": name}).first()
    return None if row is None else int(row.base)


def _castable(connection: Connection, source: int, target: int, depth: int = 0) -> bool:
    if source == target:
        return True
    target_info = connection.execute(_INFO, {"oid": target}).first()
    source_info = connection.execute(_INFO, {"oid": source}).first()
    if target_info is None or source_info is None:
        return True  # not a type this reads; leave the server to decide
    if target_info.typcategory == "S":
        return True  # the text form of anything is assigned to a string type
    found = connection.execute(_CAST, {"source": source, "target": target}).first()
    if found is not None:
        return True
    if (
        depth < 3
        and source_info.typcategory == "A"
        and target_info.typcategory == "A"
        and source_info.typelem
        and target_info.typelem
    ):
        return _castable(connection, int(source_info.typelem), int(target_info.typelem), depth + 1)
    return False


def assignment_castable(connection: Connection, old_sql: str, new_sql: str) -> bool | None:
    """Whether PostgreSQL converts a column of type ``old_sql`` to ``new_sql`` by itself;
    ``None`` when either type is unknown to the server (not created yet)."""
    try:
        with connection.begin_nested():  # a name the server cannot parse leaves no trace
            old = _type_oid(connection, old_sql)
            new = _type_oid(connection, new_sql)
            if old is None or new is None:
                return None
            return _castable(connection, old, new)
    except exc.DBAPIError:
        return None


def using_expression(
    connection: Connection, column_name: str, old: TypeEngine[Any], new: TypeEngine[Any]
) -> str | None:
    """``col::type`` when the change needs ``USING``, else ``None``."""
    dialect: Dialect = connection.dialect
    try:
        old_sql = str(old.compile(dialect=dialect))
        new_sql = str(new.compile(dialect=dialect))
    except Exception:  # noqa: BLE001  (a type without a rendering: nothing to say)
        return None
    if assignment_castable(connection, old_sql, new_sql) is not False:
        return None
    return f"{dialect.identifier_preparer.quote(column_name)}::{new_sql}"


def _compiled(dialect: Dialect, type_: TypeEngine[Any]) -> str | None:
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # noqa: BLE001  (a type without a rendering: nothing to say)
        return None


def unconvertible_values(
    connection: Connection,
    table_name: str,
    schema: str | None,
    column_name: str,
    old: TypeEngine[Any],
    new: TypeEngine[Any],
) -> tuple[int, list[Any]]:
    """How many values of a string column a ``USING col::type`` conversion would fail on,
    and up to three of them (the server reads each as the new type; nothing is changed)."""
    dialect = connection.dialect
    old_sql, new_sql = _compiled(dialect, old), _compiled(dialect, new)
    if old_sql is None or new_sql is None:
        return 0, []
    if assignment_castable(connection, old_sql, new_sql) is not False:
        return 0, []
    if connection.execute(_CATEGORY, {"name": old_sql}).scalar() != "S":
        return 0, []  # only text is read as the new type; other casts are the type's own
    value: ColumnElement[Any] = sql_table(table_name, sql_column(column_name), schema=schema).c[
        column_name
    ]
    with connection.begin_nested() as savepoint:
        if (dialect.server_version_info or (0,)) >= (16,):
            reads: ColumnElement[Any] = func.pg_input_is_valid(cast(value, Text()), new_sql)
        else:
            connection.execute(_PROBE)
            reads = func.pg_temp.fml_reads_as(cast(value, Text()), literal(new_sql))
        failing = value.is_not(None) & ~reads
        count = int(connection.execute(select(func.count()).where(failing)).scalar_one())
        first = select(value).where(failing).order_by(value).limit(3)
        examples = list(connection.execute(first).scalars())
        savepoint.rollback()
    return count, examples


# A default that is a constant: a literal (string, number, boolean) with casts around it.
_CONSTANT = re.compile(
    r"""^\(*(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false)\)*"""
    r"""(?:::[a-z_][a-z0-9_ ]*(?:\(\d+(?:,\s*\d+)?\))?\)*)*$""",
    re.IGNORECASE,
)
_DEFAULT = text(
    "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
    "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
    "WHERE d.adrelid = to_regclass(:table) AND a.attname = :column"
)


def is_constant(default: str) -> bool:
    """Whether a default is a literal with casts around it (not a call or an expression)."""
    return bool(_CONSTANT.match(default.strip()))


def current_default(
    connection: Connection, table_name: str, column_name: str, schema: str | None
) -> str | None:
    """The column's server default as the server writes it, or ``None``."""
    preparer = connection.dialect.identifier_preparer
    table = preparer.quote(table_name)
    if schema:
        table = f"{preparer.quote_schema(schema)}.{table}"
    found = connection.execute(_DEFAULT, {"table": table, "column": column_name}).scalar()
    return None if found is None else str(found)


def converted_default(connection: Connection | None, default: str, new_sql: str) -> str:
    """The default ``default`` converted to the type ``new_sql``: a constant as a literal
    the column's new type reads (``1`` for an integer column becomes ``'true'`` for a boolean
    one), any other expression cast (``(expr)::type``).

    Raises ``ValueError`` naming the server's message when the constant does not convert.
    """
    cast_sql = f"({default})::{new_sql}"
    if connection is None or not is_constant(default):
        return cast_sql
    try:
        with connection.begin_nested():
            literal_sql = connection.execute(
                text("SELECT quote_literal((" + cast_sql.replace(":", "\\:") + ")::text)")
            ).scalar()
    except exc.DBAPIError as error:
        raise ValueError(str(error.orig).strip().splitlines()[0]) from None
    # A bare literal: the server gives it the column's type, as it does in CREATE TABLE.
    return cast_sql if literal_sql is None else str(literal_sql)
