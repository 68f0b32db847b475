"""Comments of tables and columns, on databases that store them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine.interfaces import ReflectedColumn

from ...operations.ops import CreateTableCommentOp, DropTableCommentOp
from ..reflect import ReflectedTable
from .context import CompareContext
from .found import Found

__all__ = ["column_comment_changed", "table_comment_changes"]


def column_comment_changed(
    ctx: CompareContext, column: Column[Any], found: ReflectedColumn
) -> bool:
    """Whether the model's column has another comment than the database's."""
    return ctx.dialect.supports_comments and (column.comment or None) != (
        found.get("comment") or None
    )


def table_comment_changes(
    ctx: CompareContext, table: Table, item: ReflectedTable, label: str
) -> Found:
    """The change to a table's comment (in ``creates``: it runs last)."""
    found = Found()
    if not ctx.dialect.supports_comments or table.comment == item.comment:
        return found
    if table.comment is None:
        found.messages.append(f"Detected removed table comment '{label}'")
        found.creates.append(DropTableCommentOp(table.name, item.comment, item.schema))
    else:
        found.messages.append(f"Detected table comment '{label}'")
        found.creates.append(
            CreateTableCommentOp(table.name, table.comment, item.comment, item.schema)
        )
    return found
