"""Operations on indexes: create, drop."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Index

from ...errors import IrreversibleOperation
from .common import MYSQL_ONLINE, IndexColumn, bare_table, describe

__all__ = ["CreateIndexOp", "DropIndexOp"]


def _build_index(
    name: str | None,
    table_name: str | None,
    columns: Sequence[IndexColumn],
    schema: str | None,
    unique: bool,
    kw: Mapping[str, Any],
) -> Index:
    # How MySQL builds the index is no part of it (see dispatch).
    kw = {key: value for key, value in kw.items() if key not in MYSQL_ONLINE}
    if table_name is None:
        return Index(name, unique=unique, **dict(kw))
    names = [c for c in columns if isinstance(c, str)]
    table = bare_table(table_name, schema, list(dict.fromkeys(names)))
    elements = [table.c[c] if isinstance(c, str) else c for c in columns]
    # `_table` ties expression-only indexes (text("lower(x)")) to their table.
    return Index(name, *elements, unique=unique, _table=table, **dict(kw))


@dataclass(frozen=True)
class CreateIndexOp:
    """``op.create_index``."""

    index_name: str | None
    table_name: str
    columns: tuple[IndexColumn, ...]
    schema: str | None = None
    unique: bool = False
    if_not_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_index(self) -> Index:
        """The :class:`~sqlalchemy.Index`, bound to a table of that name."""
        return _build_index(
            self.index_name, self.table_name, self.columns, self.schema, self.unique, self.kw
        )

    def reverse(self) -> DropIndexOp:
        """Dropping the index, remembering its definition."""
        if self.index_name is None:
            raise IrreversibleOperation(
                describe("create_index", None, self.table_name), "the index has no name"
            )
        return DropIndexOp(
            self.index_name,
            self.table_name,
            self.schema,
            columns=self.columns,
            unique=self.unique,
            kw=self.kw,
        )


@dataclass(frozen=True)
class DropIndexOp:
    """``op.drop_index``; ``columns``/``unique`` record the definition when known."""

    index_name: str
    table_name: str | None = None
    schema: str | None = None
    if_exists: bool | None = None
    columns: tuple[IndexColumn, ...] = ()
    unique: bool = False
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_index(self) -> Index:
        """The index being dropped (bound to its table when ``table_name`` is known)."""
        return _build_index(
            self.index_name, self.table_name, self.columns, self.schema, self.unique, self.kw
        )

    def reverse(self) -> CreateIndexOp:
        """Creating the index again; needs the table name and the columns."""
        if self.table_name is None or not self.columns:
            raise IrreversibleOperation(
                describe("drop_index", self.index_name),
                "it does not record the index's table and columns",
            )
        return CreateIndexOp(
            self.index_name,
            self.table_name,
            self.columns,
            self.schema,
            unique=self.unique,
            kw=self.kw,
        )
