"""Character sets and collations of text columns, where the database keeps one per column
(MySQL, MariaDB).

A model's ``String(collation=...)`` (or a MySQL type's ``charset=``) is compared with the
collation the column has; a model naming neither wants the table's own, so a column with a
collation of its own is a change too. The change is written as ``alter_column`` with the
type naming its collation, the table's when the models name none (MySQL's ``MODIFY`` keeps a
column's collation unless the type names one), and the downgrade names the old one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy import types as sqltypes
from sqlalchemy.engine.interfaces import ReflectedColumn

from ..reflect import Collations, column_collations
from .context import CompareContext

__all__ = ["CollationChange", "collation_change"]

# Character set names a server reports under another name.
_CHARSETS = {"utf8": "utf8mb3"}


@dataclass(frozen=True)
class CollationChange:
    """The type to write (naming its collation), the existing one likewise, and a message."""

    type_: sqltypes.TypeEngine[Any]
    existing_type: sqltypes.TypeEngine[Any]
    message: str


def _collations(ctx: CompareContext, table: Table) -> Collations | None:
    cache: dict[tuple[str | None, str], Collations | None] = vars(ctx).setdefault("_collations", {})
    key = (ctx.schema(table.schema), table.name)
    if key not in cache:
        cache[key] = column_collations(ctx.connection, key[0], table.name)
    return cache[key]


def _charset(name: str | None) -> str | None:
    return None if name is None else _CHARSETS.get(name.lower(), name.lower())


def collation_change(
    ctx: CompareContext, table: Table, column: Column[Any], found: ReflectedColumn, label: str
) -> CollationChange | None:
    """The change to ``column``'s collation, if the database keeps one per column."""
    ours_type = column.type
    if not isinstance(ours_type, sqltypes.String) or isinstance(ours_type, sqltypes.Enum):
        return None
    if not isinstance(found["type"], sqltypes.String):
        return None
    facts = _collations(ctx, table)
    if facts is None or facts.table is None or column.name not in facts.columns:
        return None
    their_charset, their_collation = facts.columns[column.name]
    if their_collation is None:
        return None
    collation = ours_type.collation
    charset = getattr(ours_type, "charset", None)
    if charset is None and (
        isinstance(ours_type, sqltypes.NCHAR | sqltypes.NVARCHAR)
        or getattr(ours_type, "national", False)
    ):
        charset = "utf8mb3"  # NATIONAL CHAR and VARCHAR have this character set
    if collation is not None:
        changed = collation.lower() != their_collation.lower()
        wanted = collation
    elif charset is not None:
        changed = _charset(charset) != _charset(their_charset)
        wanted = charset
    else:
        changed = their_collation.lower() != facts.table.lower()
        wanted = facts.table
    if not changed:
        return None
    new_type = copy.copy(ours_type)
    if collation is None and charset is None:
        new_type.collation = facts.table  # named, or MODIFY would keep the old one
    existing = copy.copy(found["type"])
    assert isinstance(existing, sqltypes.String)
    existing.collation = their_collation
    message = (
        f"Detected collation change from {their_collation} to {wanted} on '{label}.{column.name}'"
    )
    return CollationChange(new_type, existing, message)
