"""What autogenerate cannot tell from the schemas alone, and asks whoever runs it.

A column dropped and another added on the same table may be one column renamed; a table
dropped and another added may be one table renamed; the rows of a table that gets a
``NOT NULL`` column need a value for it; a value an enum loses and one it gains may be one
value renamed. The comparison hands each such question to a
:class:`Decisions` object and writes the migration its answers call for: a rename instead of
a drop and an add, a fill of the existing rows before ``NOT NULL`` is set.

Without an object (``CompareOptions.decisions`` left ``None``) nothing is renamed and no
value is given, as :class:`NoDecisions` answers: the migration drops and adds, and a warning
names the data it drops or the column whose ``NOT NULL`` the rows cannot meet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "ColumnRename",
    "Decisions",
    "EnumValueRename",
    "FillNeeded",
    "NoDecisions",
    "TableRename",
    "qualified",
]


def qualified(schema: str | None, *names: str) -> str:
    """``schema.table.column`` as the questions and flags spell it (no schema by default)."""
    return ".".join([schema, *names] if schema else names)


@dataclass(frozen=True)
class ColumnRename:
    """A column the models no longer have and one they add, on the same table.

    ``similar`` is true when both have the same type, nullability and server default: a
    likely rename, the only kind asked about in a terminal.
    """

    schema: str | None
    table: str
    old: str
    new: str
    similar: bool

    @property
    def old_label(self) -> str:
        return qualified(self.schema, self.table, self.old)

    @property
    def new_label(self) -> str:
        return qualified(self.schema, self.table, self.new)


@dataclass(frozen=True)
class TableRename:
    """A table the models no longer have and one they add, in the same schema.

    ``similar`` is true when both have the same columns (names and types).
    """

    schema: str | None
    old: str
    new: str
    similar: bool

    @property
    def old_label(self) -> str:
        return qualified(self.schema, self.old)

    @property
    def new_label(self) -> str:
        return qualified(self.schema, self.new)


@dataclass(frozen=True)
class EnumValueRename:
    """A value an enum no longer has and one it gains.

    ``target`` names the enum: a PostgreSQL enum type (``status``, ``schema.status``
    outside the default schema), or the column whose values live in its type or a CHECK
    constraint (``table.column``). ``similar`` is true when the enum loses as many values
    as it gains and this pair stands in the same place among them: a likely rename, the
    only kind asked about in a terminal.
    """

    target: str
    old: str
    new: str
    similar: bool
    #: ``"type"`` (PostgreSQL) or ``"column"``.
    kind: str = "type"


@dataclass(frozen=True)
class FillNeeded:
    """A ``NOT NULL`` column whose existing rows need a value.

    ``added`` is true for a new column (every row needs the value), false for a column that
    becomes ``NOT NULL`` while ``rows`` of its rows hold NULL. ``try_value`` runs a value
    against the database being compared and returns the database's error, or ``None`` when
    the value can be read there.
    """

    schema: str | None
    table: str
    column: str
    rows: int
    added: bool
    try_value: Callable[[str], str | None]

    @property
    def label(self) -> str:
        return qualified(self.schema, self.table, self.column)


class Decisions(Protocol):
    """The answers the comparison asks for, one question at a time."""

    def rename_column(self, candidate: ColumnRename) -> bool:
        """Whether ``candidate.old`` was renamed to ``candidate.new``."""

    def rename_table(self, candidate: TableRename) -> bool:
        """Whether table ``candidate.old`` was renamed to ``candidate.new``."""

    def rename_enum_value(self, candidate: EnumValueRename) -> bool:
        """Whether value ``candidate.old`` of ``candidate.target`` was renamed to
        ``candidate.new``."""

    def fill_value(self, need: FillNeeded) -> str | None:
        """SQL (a literal such as ``0`` or ``'n/a'``, or an expression such as
        ``lower(name)``) for the rows of ``need``; ``None`` leaves the migration as it is."""


class NoDecisions:
    """Answers no question: no renames, no values."""

    def rename_column(self, candidate: ColumnRename) -> bool:
        return False

    def rename_table(self, candidate: TableRename) -> bool:
        return False

    def rename_enum_value(self, candidate: EnumValueRename) -> bool:
        return False

    def fill_value(self, need: FillNeeded) -> str | None:
        return None
