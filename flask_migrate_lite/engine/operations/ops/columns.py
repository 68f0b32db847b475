"""Operations on one column: add, drop, alter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.types import TypeEngine

from ...ddl.base import ServerDefault
from ...errors import IrreversibleOperation
from .common import MYSQL_ONLINE, add_referents, describe

__all__ = ["AddColumnOp", "AlterColumnOp", "DropColumnOp"]


@dataclass(frozen=True)
class AddColumnOp:
    """``op.add_column``."""

    table_name: str
    column: Column[Any]
    schema: str | None = None
    #: Dialect options: ``mysql_algorithm`` and ``mysql_lock`` (see :mod:`...ddl.mysql_online`).
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_column(self) -> Column[Any]:
        """The column, attached to a table of that name (a copy if it was attached before)."""
        column = self.column
        if isinstance(getattr(column, "table", None), Table):
            column = column._copy()
        add_referents(Table(self.table_name, MetaData(), column, schema=self.schema))
        return column

    def reverse(self) -> DropColumnOp:
        """Dropping the column, remembering its definition."""
        return DropColumnOp(
            self.table_name, self.column.name, self.schema, existing_column=self.column
        )


@dataclass(frozen=True)
class DropColumnOp:
    """``op.drop_column``; ``existing_column`` records the definition when it is known."""

    table_name: str
    column_name: str
    schema: str | None = None
    existing_column: Column[Any] | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def reverse(self) -> AddColumnOp:
        """Adding the column back; needs ``existing_column``."""
        if self.existing_column is None:
            raise IrreversibleOperation(
                describe("drop_column", self.table_name, self.column_name),
                "it does not record the column's definition",
            )
        return AddColumnOp(self.table_name, self.existing_column, self.schema)


@dataclass(frozen=True)
class AlterColumnOp:
    """``op.alter_column``: change a column's type, nullability, default, comment or name.

    A ``modify_*`` of ``None`` (``False`` for the default and the comment) means "unchanged".
    """

    table_name: str
    column_name: str
    schema: str | None = None
    modify_type: TypeEngine[Any] | None = None
    modify_nullable: bool | None = None
    modify_server_default: ServerDefault | Literal[False] = False
    modify_comment: str | None | Literal[False] = False
    modify_name: str | None = None
    existing_type: TypeEngine[Any] | None = None
    existing_nullable: bool | None = None
    existing_server_default: ServerDefault | Literal[False] = False
    existing_comment: str | None = None
    #: Dialect options such as ``postgresql_using`` or MySQL's ``autoincrement``.
    kw: Mapping[str, Any] = field(default_factory=dict)
    #: The dialect options of :meth:`reverse`'s operation when they differ from ``kw``
    #: (``postgresql_using`` converts the other way); ``None``: the same.
    reverse_kw: Mapping[str, Any] | None = None

    def has_changes(self) -> bool:
        """Whether the operation changes anything at all."""
        return (
            self.modify_type is not None
            or self.modify_nullable is not None
            or self.modify_server_default is not False
            or self.modify_comment is not False
            or self.modify_name is not None
            or "autoincrement" in self.kw
        )

    def reverse(self) -> AlterColumnOp:
        """The same column changed back: ``modify_*`` and ``existing_*`` swap places.

        Every changed aspect needs its ``existing_*`` value, or the reverse would guess.
        """
        missing = [
            option
            for option, changed, known in (
                ("existing_type", self.modify_type is not None, self.existing_type is not None),
                (
                    "existing_nullable",
                    self.modify_nullable is not None,
                    self.existing_nullable is not None,
                ),
                (
                    "existing_server_default",
                    self.modify_server_default is not False,
                    self.existing_server_default is not False,
                ),
            )
            if changed and not known
        ]
        if missing:
            raise IrreversibleOperation(
                describe("alter_column", self.table_name, self.column_name),
                f"pass {', '.join(missing)} so that the old state is known",
            )
        new_comment: str | None | Literal[False] = (
            self.existing_comment if self.modify_comment is not False else False
        )
        now_comment = (
            self.modify_comment if self.modify_comment is not False else self.existing_comment
        )
        return AlterColumnOp(
            self.table_name,
            self.modify_name or self.column_name,
            self.schema,
            modify_type=self.existing_type if self.modify_type is not None else None,
            modify_nullable=(self.existing_nullable if self.modify_nullable is not None else None),
            modify_server_default=(
                self.existing_server_default if self.modify_server_default is not False else False
            ),
            modify_comment=new_comment,
            modify_name=self.column_name if self.modify_name is not None else None,
            existing_type=self.modify_type or self.existing_type,
            existing_nullable=(
                self.modify_nullable if self.modify_nullable is not None else self.existing_nullable
            ),
            existing_server_default=(
                self.modify_server_default
                if self.modify_server_default is not False
                else self.existing_server_default
            ),
            existing_comment=now_comment,
            kw=_swapped(self.kw) if self.reverse_kw is None else self.reverse_kw,
            reverse_kw=None if self.reverse_kw is None else self.kw,
        )


def _swapped(kw: Mapping[str, Any]) -> dict[str, Any]:
    """Dialect options with each ``X``/``existing_X`` pair swapped (``autoincrement``).

    How MySQL runs the change (``mysql_algorithm``, ``mysql_lock``) is left out: the change
    back may not run that way (narrowing a VARCHAR copies the table).
    """
    out = {key: value for key, value in kw.items() if key not in MYSQL_ONLINE}
    for key in kw:
        old = f"existing_{key}"
        if not key.startswith("existing_") and old in kw:
            out[key], out[old] = kw[old], kw[key]
    return out
