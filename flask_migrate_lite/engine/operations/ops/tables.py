"""Operations on whole tables: create, drop, rename, and the table comment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlalchemy.schema import SchemaItem

from ...errors import IrreversibleOperation
from .common import bare_table, describe, table_from_items

__all__ = [
    "CreateTableCommentOp",
    "CreateTableOp",
    "DropTableCommentOp",
    "DropTableOp",
    "RenameTableOp",
]


@dataclass(frozen=True)
class CreateTableOp:
    """``op.create_table``: a new table from its columns and constraints."""

    table_name: str
    columns: tuple[SchemaItem, ...]
    schema: str | None = None
    if_not_exists: bool | None = None
    #: Table keyword arguments: ``comment``, ``info``, dialect options (``mysql_engine``...).
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_table(self) -> Table:
        """The :class:`~sqlalchemy.Table` this operation creates."""
        return table_from_items(self.table_name, self.schema, self.columns, self.kw)

    def reverse(self) -> DropTableOp:
        """Dropping the table, remembering its definition so that it can be made again."""
        return DropTableOp(self.table_name, self.schema, columns=self.columns, kw=self.kw)


@dataclass(frozen=True)
class DropTableOp:
    """``op.drop_table``; ``columns`` records the definition when it is known."""

    table_name: str
    schema: str | None = None
    if_exists: bool | None = None
    columns: tuple[SchemaItem, ...] = ()
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_table(self) -> Table:
        """The table being dropped (with its columns when they are recorded)."""
        return table_from_items(self.table_name, self.schema, self.columns, self.kw)

    def reverse(self) -> CreateTableOp:
        """Creating the table again; needs the recorded columns."""
        if not self.columns:
            raise IrreversibleOperation(
                describe("drop_table", self.table_name), "it does not record the table's columns"
            )
        return CreateTableOp(self.table_name, self.columns, self.schema, kw=self.kw)


@dataclass(frozen=True)
class RenameTableOp:
    """``op.rename_table``."""

    old_table_name: str
    new_table_name: str
    schema: str | None = None

    def reverse(self) -> RenameTableOp:
        """Renaming it back."""
        return RenameTableOp(self.new_table_name, self.old_table_name, self.schema)


@dataclass(frozen=True)
class CreateTableCommentOp:
    """``op.create_table_comment``: set (or replace) a table's comment."""

    table_name: str
    comment: str
    existing_comment: str | None = None
    schema: str | None = None

    def to_table(self) -> Table:
        """A table carrying the new comment."""
        return bare_table(self.table_name, self.schema, comment=self.comment)

    def reverse(self) -> CreateTableCommentOp | DropTableCommentOp:
        """Restoring ``existing_comment``, or dropping the comment when there was none."""
        if self.existing_comment is None:
            return DropTableCommentOp(self.table_name, self.comment, self.schema)
        return CreateTableCommentOp(
            self.table_name, self.existing_comment, self.comment, self.schema
        )


@dataclass(frozen=True)
class DropTableCommentOp:
    """``op.drop_table_comment``."""

    table_name: str
    existing_comment: str | None = None
    schema: str | None = None

    def to_table(self) -> Table:
        """The table whose comment is removed."""
        return bare_table(self.table_name, self.schema)

    def reverse(self) -> CreateTableCommentOp:
        """Setting the comment again; needs ``existing_comment``."""
        if self.existing_comment is None:
            raise IrreversibleOperation(
                describe("drop_table_comment", self.table_name),
                "pass existing_comment= so that the comment can be restored",
            )
        return CreateTableCommentOp(self.table_name, self.existing_comment, None, self.schema)
