"""Directives that keep data: the rows of a column filled before it becomes ``NOT NULL``, and
the database objects (sequences, indexes, primary keys) renamed together with their table or column.

Both are rendered as ``op.execute(...)`` (and, for a fill in batches, ``op.get_bind()``),
calls Alembic has too, so the revision files stay runnable by it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FillRowsOp",
    "RenameIndexOp",
    "RenamePrimaryKeyOp",
    "RenameSequenceOp",
    "RenameValuesOp",
]


@dataclass(frozen=True)
class FillRowsOp:
    """``UPDATE table SET column = value WHERE column IS NULL``.

    ``value`` is SQL (a literal or an expression over the row's columns). With ``batch_rows``
    and an integer key column ``key``, the rows are updated that many key values at a time,
    so that no single statement holds every row of a big table. Its reverse does nothing
    (``undo``): the downgrade drops the column or makes it nullable again, and the values
    may stay.
    """

    table_name: str
    column_name: str
    value: str
    schema: str | None = None
    key: str | None = None
    batch_rows: int | None = None
    undo: bool = False

    def reverse(self) -> FillRowsOp:
        """Nothing to do on the way down."""
        return FillRowsOp(
            self.table_name,
            self.column_name,
            self.value,
            self.schema,
            self.key,
            self.batch_rows,
            not self.undo,
        )


@dataclass(frozen=True)
class RenameValuesOp:
    """``UPDATE table SET column = 'new' WHERE column = 'old'`` for each renamed enum value
    (a MySQL/MariaDB ``ENUM`` column, or a non-native enum's text column)."""

    table_name: str
    column_name: str
    renamed: tuple[tuple[str, str], ...]
    schema: str | None = None

    def reverse(self) -> RenameValuesOp:
        """The values given their old names back."""
        back = tuple((new, old) for old, new in self.renamed)
        return RenameValuesOp(self.table_name, self.column_name, back, self.schema)


@dataclass(frozen=True)
class RenameSequenceOp:
    """``ALTER SEQUENCE old RENAME TO new`` (PostgreSQL): a serial column's sequence, whose
    default name (``<table>_<column>_seq``) follows its table and column."""

    old_name: str
    new_name: str
    schema: str | None = None

    def reverse(self) -> RenameSequenceOp:
        """Renaming it back."""
        return RenameSequenceOp(self.new_name, self.old_name, self.schema)


@dataclass(frozen=True)
class RenameIndexOp:
    """An index that keeps its columns (renamed or not) under the name its table's or
    column's new name gives it.

    Rendered as ``ALTER INDEX ... RENAME TO ...`` (PostgreSQL), ``ALTER TABLE ... RENAME
    INDEX ... TO ...`` (MySQL, MariaDB), else as the index dropped and created again.
    ``columns`` are the index's columns when it is renamed, in both directions: the upgrade
    renames it after its table and columns, the downgrade before renaming them back.
    """

    old_name: str
    new_name: str
    table_name: str
    columns: tuple[str, ...]
    unique: bool = False
    schema: str | None = None

    def reverse(self) -> RenameIndexOp:
        """Renaming it back."""
        return RenameIndexOp(
            self.new_name,
            self.old_name,
            self.table_name,
            self.columns,
            self.unique,
            self.schema,
        )


@dataclass(frozen=True)
class RenamePrimaryKeyOp:
    """A renamed table's primary key given the name the table's new name gives it
    (``<table>_pkey``, or the naming convention's): ``ALTER TABLE ... RENAME CONSTRAINT``
    on PostgreSQL. Other databases name it ``PRIMARY`` (MySQL) or cannot rename it (SQLite);
    for them it renders as nothing."""

    table_name: str
    old_name: str
    new_name: str
    schema: str | None = None

    def reverse(self) -> RenamePrimaryKeyOp:
        """Renaming it back."""
        return RenamePrimaryKeyOp(self.table_name, self.new_name, self.old_name, self.schema)
