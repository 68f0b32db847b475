"""MySQL's and MariaDB's character sets and collations of a table's columns.

The inspector reports a column's collation only where it differs from the table's, and the
table's not at all; autogenerate needs both to tell a collation the models set from the one
the column has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["Collations", "column_collations"]

_QUERY = text(
    """
SELECT c.column_name, c.character_set_name, c.collation_name, t.table_collation
FROM information_schema.columns AS c
JOIN information_schema.tables AS t
  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = coalesce(:schema, database()) AND c.table_name = :table
"""
)


@dataclass(frozen=True)
class Collations:
    """A table's collation, and each text column's ``(character set, collation)``."""

    table: str | None
    columns: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


def column_collations(connection: Connection, schema: str | None, table: str) -> Collations | None:
    """The collations of ``table``'s columns; ``None`` on other databases than MySQL's."""
    if connection.dialect.name not in ("mysql", "mariadb"):
        return None
    rows = connection.execute(_QUERY, {"schema": schema, "table": table}).all()
    default = str(rows[0][3]) if rows and rows[0][3] is not None else None
    columns = {
        str(name): (None if charset is None else str(charset), None if coll is None else str(coll))
        for name, charset, coll, _ in rows
    }
    return Collations(default, columns)
