"""Operations on data: SQL statements and row inserts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import Table
from sqlalchemy.sql.expression import Executable, TableClause

from ...errors import IrreversibleOperation

__all__ = ["BulkInsertOp", "ExecuteSQLOp"]


@dataclass(frozen=True)
class ExecuteSQLOp:
    """``op.execute``: SQL text or a statement (``update()``, ``insert()``, ...)."""

    sqltext: str | Executable
    execution_options: Mapping[str, Any] | None = None

    def reverse(self) -> NoReturn:
        """Arbitrary SQL has no known reverse."""
        raise IrreversibleOperation("op.execute()", "arbitrary SQL has no known reverse")


@dataclass(frozen=True)
class BulkInsertOp:
    """``op.bulk_insert``: rows (dictionaries keyed by column name) into a table."""

    table: Table | TableClause
    rows: tuple[Mapping[str, Any], ...]
    multiinsert: bool = True

    def reverse(self) -> NoReturn:
        """Inserted rows cannot be told apart from others, so there is no reverse."""
        raise IrreversibleOperation(
            f"op.bulk_insert({self.table.name!r}, ...)",
            "the inserted rows cannot be told apart from the others",
        )
