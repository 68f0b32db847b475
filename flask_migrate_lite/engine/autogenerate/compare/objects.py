"""Schema objects built for operations and hooks: copies of the models' columns and
constraints, and the database's table rebuilt from its reflected rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import ReflectedColumn, ReflectedForeignKeyConstraint
from sqlalchemy.schema import DefaultClause, SchemaItem

from ...ddl.compare_rules import CompareRules
from ..reflect import ReflectedTable
from .naming import constraint_columns, constraint_name

__all__ = [
    "copy_column",
    "copy_default",
    "reflected_column",
    "reflected_schema_table",
    "table_constraints",
]


def copy_default(default: Any) -> Any:
    """A server default for a new column: a copy of a default clause, else as it is."""
    if default is None:
        return None
    if isinstance(default, DefaultClause):
        return DefaultClause(default.arg)
    return default


def copy_column(column: Column[Any]) -> Column[Any]:
    """A new column with the same name, type, nullability, default and comment only.

    Keys, unique flags and indexes are compared and rendered as constraints of their own.
    """
    kw: dict[str, Any] = {"nullable": column.nullable}
    default = copy_default(column.server_default)
    if default is not None:
        kw["server_default"] = default
    if column.comment is not None:
        kw["comment"] = column.comment
    if column.autoincrement is not True and column.autoincrement != "auto":
        kw["autoincrement"] = column.autoincrement
    if column.computed is not None:
        return Column(column.name, column.type, column.computed._copy(), **kw)
    if column.identity is not None:
        return Column(column.name, column.type, column.identity._copy(), **kw)
    return Column(column.name, column.type, **kw)


def reflected_column(col: ReflectedColumn, key: bool = False) -> Column[Any]:
    """A reflected column as a :class:`~sqlalchemy.Column` (a serial's sequence left out).

    A primary-key column (``key``) the database reports as not generating its values keeps
    ``autoincrement=False``, so that a table made again from it (a dropped table's
    downgrade) does not get a sequence or ``AUTO_INCREMENT`` it never had.
    """
    kw: dict[str, Any] = {"nullable": bool(col["nullable"])}
    if key and col.get("autoincrement") is False:
        kw["autoincrement"] = False
    default = col.get("default")
    if default is not None and not str(default).lower().startswith("nextval("):
        kw["server_default"] = DefaultClause(text(str(default)))
    if col.get("comment") is not None:
        kw["comment"] = col["comment"]
    return Column(col["name"], col["type"], **kw)


def _fk_constraint(fk: ReflectedForeignKeyConstraint) -> ForeignKeyConstraint:
    ref = fk["referred_table"]
    if fk.get("referred_schema"):
        ref = f"{fk['referred_schema']}.{ref}"
    options = fk.get("options") or {}
    return ForeignKeyConstraint(
        list(fk["constrained_columns"]),
        [f"{ref}.{col}" for col in fk["referred_columns"]],
        name=fk.get("name"),
        ondelete=options.get("ondelete"),
        onupdate=options.get("onupdate"),
        deferrable=options.get("deferrable"),
        initially=options.get("initially"),
    )


def table_constraints(
    table: Table, dialect: Dialect | None = None, skip: Sequence[Any] = ()
) -> list[SchemaItem]:
    """Copies of the table's primary key, foreign keys, unique and named check constraints
    (but those in ``skip``).

    Foreign keys are copied without ``use_alter``: inline in a ``create_table`` the flag
    would make PostgreSQL and MySQL leave the key out (the keys that must wait are in
    ``skip`` and created apart)."""
    items: list[SchemaItem] = []
    pk = table.primary_key
    if pk is not None and len(pk.columns):
        name = constraint_name(pk, dialect)
        items.append(PrimaryKeyConstraint(*[c.name for c in pk.columns], name=name))
    for constraint in sorted(
        table.constraints, key=lambda c: (type(c).__name__, constraint_columns(c))
    ):
        if any(constraint is skipped for skipped in skip):
            continue
        if isinstance(constraint, ForeignKeyConstraint):
            items.append(
                ForeignKeyConstraint(
                    list(constraint_columns(constraint)),
                    [element.target_fullname for element in constraint.elements],
                    name=constraint_name(constraint, dialect),
                    ondelete=constraint.ondelete,
                    onupdate=constraint.onupdate,
                    deferrable=constraint.deferrable,
                    initially=constraint.initially,
                )
            )
        elif isinstance(constraint, UniqueConstraint):
            name = constraint_name(constraint, dialect)
            items.append(UniqueConstraint(*constraint_columns(constraint), name=name))
        elif isinstance(constraint, CheckConstraint) and not getattr(
            constraint, "_type_bound", False
        ):
            name = constraint_name(constraint, dialect)
            items.append(CheckConstraint(constraint.sqltext, name=name))
    return items


def reflected_schema_table(item: ReflectedTable, rules: CompareRules) -> Table:
    """The database's table as a :class:`~sqlalchemy.Table`: what hooks get as reflected."""
    metadata = MetaData()
    pk_cols = item.pk.get("constrained_columns") or []
    columns = [reflected_column(col, col["name"] in pk_cols) for col in item.columns]
    constraints: list[SchemaItem] = []
    if pk_cols:
        constraints.append(PrimaryKeyConstraint(*pk_cols, name=item.pk.get("name")))
    for fk in item.fks:
        name = rules.reflected_foreign_key_name(item.name, fk.get("name"))
        if name != fk.get("name"):
            fk = fk.copy()
            fk["name"] = name
        constraints.append(_fk_constraint(fk))
    for unique in item.uniques:
        constraints.append(UniqueConstraint(*unique["column_names"], name=unique.get("name")))
    for check in item.checks:
        if check.get("name"):
            constraints.append(CheckConstraint(text(check["sqltext"]), name=check["name"]))
    for index in item.indexes:
        names = index.get("column_names") or []
        if index.get("name") and names and None not in names:
            columns_ = [str(name) for name in names]
            constraints.append(Index(index["name"], *columns_, unique=bool(index.get("unique"))))
    kw: dict[str, Any] = {}
    if item.comment is not None:
        kw["comment"] = item.comment
    return Table(item.name, metadata, *columns, *constraints, schema=item.schema, **kw)
