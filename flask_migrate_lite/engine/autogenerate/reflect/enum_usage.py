"""Where an enum's values are used: the columns of a PostgreSQL enum type, and row counts.

Autogenerate reads these from the database it compares with, so that a change which a row
would stop (a value removed while rows hold it) is told before the migration is written,
and so that a PostgreSQL enum type made again converts every column that uses it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["EnumUse", "enum_columns", "rows_holding"]

# Plain and partitioned tables; a partition follows its parent's ALTER, so it is left out.
_COLUMNS = sa.text(
    "SELECT n.nspname, c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid), "
    "a.atttypid = t.typarray "
    "FROM pg_type t "
    "JOIN pg_namespace tn ON tn.oid = t.typnamespace "
    "JOIN pg_attribute a ON a.atttypid IN (t.oid, t.typarray) "
    "JOIN pg_class c ON c.oid = a.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "WHERE t.typname = :name AND tn.nspname = coalesce(:schema, current_schema()) "
    "AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') "
    "AND NOT c.relispartition "
    "ORDER BY n.nspname, c.relname, a.attnum"
)


class EnumUse:
    """One column using an enum type: where it is, its default, whether it holds arrays."""

    def __init__(
        self, schema: str, table: str, column: str, default: str | None, array: bool
    ) -> None:
        self.schema = schema
        self.table = table
        self.column = column
        self.default = default
        self.array = array


def enum_columns(connection: Connection, name: str, schema: str | None) -> list[EnumUse]:
    """The table columns whose type is PostgreSQL enum type ``name`` (or an array of it)."""
    rows = connection.execute(_COLUMNS, {"name": name, "schema": schema}).all()
    return [EnumUse(row[0], row[1], row[2], row[3], bool(row[4])) for row in rows]


def rows_holding(
    connection: Connection,
    schema: str | None,
    table: str,
    column: str,
    values: Sequence[str],
    *,
    array: bool = False,
) -> int:
    """How many rows of ``table`` have ``column`` set to one of ``values``.

    On PostgreSQL compared as text, so that values the enum type does not have can be
    named. ``array``:
    the column holds arrays, and a row counts when any element is one of them.
    """
    if not values:
        return 0
    target = sa.table(table, sa.column(column), schema=schema)
    if array:
        as_text = sa.cast(target.c[column], sa.ARRAY(sa.Text))
        wanted = sa.cast(sa.literal(list(values), sa.ARRAY(sa.Text)), sa.ARRAY(sa.Text))
        condition = as_text.op("&&")(wanted)
    elif connection.dialect.name == "postgresql":
        condition = sa.cast(target.c[column], sa.Text).in_(list(values))
    else:  # an ENUM or text column compares with any string
        condition = target.c[column].in_(list(values))
    query = sa.select(sa.func.count()).select_from(target).where(condition)
    return int(connection.execute(query).scalar() or 0)
