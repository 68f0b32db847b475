"""What the operation classes share: the element types and the scratch tables they build."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NoReturn, TypeAlias

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql.elements import ColumnElement, TextClause
from sqlalchemy.types import NULLTYPE

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - exercised on Python 3.10 only

    def assert_never(value: NoReturn) -> NoReturn:
        """Fail loudly if a ``match`` over a closed union missed a case."""
        raise AssertionError(f"Unhandled operation: {value!r}")


__all__ = [
    "MYSQL_ONLINE",
    "ConstraintType",
    "IndexColumn",
    "add_referents",
    "assert_never",
    "bare_table",
    "describe",
    "name_columns",
    "table_from_items",
]

#: The options saying how MySQL/MariaDB run an ALTER: ``ALGORITHM=...``, ``LOCK=...``.
MYSQL_ONLINE = ("mysql_algorithm", "mysql_lock")
#: An index element: a column name, or an expression such as ``text("lower(name)")``.
IndexColumn: TypeAlias = str | TextClause | ColumnElement[Any]
#: The ``type_`` of :meth:`Operations.drop_constraint`, as Alembic spells it.
ConstraintType: TypeAlias = Literal["foreignkey", "primary", "unique", "check"]


def name_columns(names: Sequence[str]) -> list[Column[Any]]:
    """Type-less columns: operations name columns only, which is enough to compile references."""
    return [Column(name, NULLTYPE) for name in names]


def bare_table(name: str, schema: str | None, columns: Sequence[str] = (), **kw: Any) -> Table:
    """A table of its own MetaData holding just the named (type-less) columns."""
    return Table(name, MetaData(), *name_columns(columns), schema=schema, **kw)


def table_from_items(
    name: str, schema: str | None, items: Sequence[SchemaItem], kw: Mapping[str, Any]
) -> Table:
    """The table an operation's columns and constraints make, with stand-in referents."""
    # Column objects belong to one Table. When this op (or its reverse) was turned into a
    # table before, copy that table instead of re-attaching the same columns.
    for item in items:
        if isinstance(item, Column) and isinstance(getattr(item, "table", None), Table):
            return item.table.to_metadata(MetaData())
    table = Table(name, MetaData(), *items, schema=schema, **dict(kw))
    add_referents(table)
    return table


def add_referents(table: Table) -> None:
    """Put stand-ins for the tables ``table``'s foreign keys point at into its MetaData.

    SQLAlchemy resolves a ``ForeignKey("user.id")`` through the MetaData when it compiles the
    REFERENCES clause; a migration names tables that exist only in the database.
    """
    metadata = table.metadata
    for constraint in table.foreign_key_constraints:
        for element in constraint.elements:
            *qualifier, table_name, column_name = element.target_fullname.split(".")
            schema = ".".join(qualifier) or None
            key = f"{schema}.{table_name}" if schema else table_name
            referent = metadata.tables.get(key)
            if referent is None:
                referent = Table(table_name, metadata, schema=schema)
            if column_name not in referent.c:
                referent.append_column(Column(column_name, NULLTYPE))


def describe(call: str, *args: object) -> str:
    """How an operation reads in a message: ``op.drop_table('account')``."""
    return f"op.{call}({', '.join(repr(a) for a in args)})"
