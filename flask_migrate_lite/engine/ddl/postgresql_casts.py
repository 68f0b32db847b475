"""Which PostgreSQL type changes need ``USING``, read from the server's own cast catalog.

``ALTER COLUMN ... TYPE t`` converts the stored values with an *assignment* cast, as an
``INSERT`` would: a cast ``pg_cast`` lists as implicit (``i``) or assignment (``a``), the
length coercion of a type to itself, or the text output of any type into a string type
(PostgreSQL treats those as assignment casts). Everything else (``varchar`` to ``integer``,
``text`` to ``jsonb``, ``integer`` to ``boolean``, ``varchar`` to ``date``...) is an explicit
cast, which the server refuses without ``USING col::t``. Domains count as their base type;
arrays convert when their elements do.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeEngine

__all__ = ["assignment_castable", "using_expression"]

_TYPE = text(
    "SELECT t.oid, coalesce(nullif(t.typbasetype, 0), t.oid) AS base "
    "FROM pg_type t WHERE t.oid = to_regtype(:name)"
)
_INFO = text("SELECT typcategory, typelem FROM pg_type WHERE oid = :oid")
_CAST = text(
    "SELECT 1 FROM pg_cast WHERE castsource = :source AND casttarget = :target "
    "AND castcontext IN ('a', 'i')"
)


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
