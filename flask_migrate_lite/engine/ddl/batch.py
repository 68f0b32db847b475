"""What batch mode asks of a database: whether it rebuilds tables, and what a rebuild keeps.

``op.batch_alter_table`` (:mod:`flask_migrate_lite.engine.operations.batch`) turns its
changes into ALTER TABLE statements where the database can make them, and otherwise rebuilds
the table ("move and copy"). The answers that depend on the database are methods of its
implementation: :class:`BatchSupport` holds the defaults every :class:`~.base.DefaultImpl`
inherits (no rebuilds; a CAST wherever the compiled type changes), and a dialect that differs
overrides them in its own module (SQLite: :class:`~.sqlite.SQLiteImpl`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import Column, Table, cast
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

__all__ = ["BatchSupport"]


class BatchSupport:
    """The batch-mode defaults of :class:`~.base.DefaultImpl`."""

    dialect: Dialect

    #: Whether ``batch_alter_table(recreate="auto")`` rebuilds a table for the changes its
    #: ALTER TABLE cannot make (SQLite). Elsewhere every batch change is an ALTER statement.
    batch_rebuilds: ClassVar[bool] = False

    def adds_column_in_place(self, table_name: str, column: Column[Any]) -> bool:
        """Whether a batch on a rebuilding database adds ``column`` with ALTER TABLE."""
        return True

    def alters_column_in_place(
        self, *, type_: bool, nullable: bool, server_default: bool, name: bool
    ) -> bool:
        """Whether a batch on a rebuilding database changes a column's type, nullability,
        server default or name (those given as True) with ALTER TABLE."""
        return True

    def check_rebuild(self, table_name: str, schema: str | None) -> None:
        """Raise when rebuilding ``table_name`` now would harm other tables' rows."""

    def rebuild_extras(self, table: Table) -> tuple[list[tuple[str, str]], dict[str, Any]]:
        """What reflecting ``table`` misses and its rebuild must keep: indexes as
        ``(name, CREATE INDEX statement)`` and table options (``sqlite_autoincrement``...)."""
        return [], {}

    def needs_cast(self, old: TypeEngine[Any], new: TypeEngine[Any]) -> bool:
        """Whether values copied from a column of type ``old`` into one of type ``new``
        need a CAST: wherever the compiled type differs."""
        compile_type = self.dialect.type_compiler_instance.process
        return bool(compile_type(old) != compile_type(new))

    def copy_value(
        self, value: ColumnElement[Any], old: TypeEngine[Any], new: TypeEngine[Any]
    ) -> ColumnElement[Any]:
        """What a rebuild's ``INSERT ... SELECT`` copies for a column whose type changes
        from ``old`` to ``new``: the value, with a CAST where :meth:`needs_cast` says so."""
        return cast(value, new) if self.needs_cast(old, new) else value

    def check_copy(
        self,
        table_name: str,
        column_name: str,
        value: ColumnElement[Any],
        copied: ColumnElement[Any],
        old: TypeEngine[Any],
        new: TypeEngine[Any],
    ) -> None:
        """Raise, before the rebuild starts, when stored values of ``column_name`` would
        arrive in a form the new type cannot read (``value``: the stored column; ``copied``:
        the copy's expression of it)."""
