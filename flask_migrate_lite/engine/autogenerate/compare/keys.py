"""Keys in the comparison: primary keys the database lacks, and when foreign keys are made.

A table's primary key is compared by its columns. One the models declare on a table that
has none in the database is written as ``create_primary_key`` (its columns' NOT NULL comes
from the column comparison, which runs first); one on other columns than the database's is
written as the old key dropped (before any column changes, since a column cannot become
nullable while it is in a key) and the new one created. A key the database keeps unnamed
(SQLite's) is dropped as ``<table>_pkey``: batch mode drops a table's only primary key by
any name given with ``type_="primary"``.

New tables are created in an order where each comes after the tables its foreign keys point
at. A key that cannot be created with its table is added by ``create_foreign_key`` once
every new table exists: one that closes a cycle (a -> b -> a), and one the models declare
``use_alter=True``, which a ``CREATE TABLE`` leaves out on databases that have
``ALTER TABLE ... ADD CONSTRAINT`` (so written inline, it would never be created). SQLite
has no such statement and accepts a key to a table not created yet, so there a
``use_alter`` key stays in its table's ``create_table`` (written without the flag) unless
it closes a cycle: no table is rebuilt for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ForeignKeyConstraint, Table
from sqlalchemy.sql.elements import conv

from ...operations.ops import CreatePrimaryKeyOp, DropConstraintOp
from ..reflect import ReflectedTable
from .context import CompareContext
from .found import Found
from .naming import constraint_name

__all__ = [
    "PrimaryKeyChange",
    "compare_primary_key",
    "creation_order",
    "nullability_compared",
    "primary_key_changes",
]


def nullability_compared(model_key: bool, database_key: Sequence[str], column: str) -> bool:
    """Whether a column's nullability is compared at all.

    A column that is part of the primary key in both the models and the database is NOT NULL
    by being a key: databases report it NOT NULL, or (SQLite, for a key column declared
    without NOT NULL) nullable, and neither is a change.
    """
    return not (model_key and column in database_key)


@dataclass(frozen=True)
class PrimaryKeyChange:
    """What comparing a table's primary key found: an operation, a message, a warning."""

    operation: CreatePrimaryKeyOp | None = None
    message: str | None = None
    warning: str | None = None
    #: The database's key, dropped first when the models' is on other columns.
    drop: DropConstraintOp | None = None


def compare_primary_key(
    table: Table,
    database_key: Sequence[str],
    label: str,
    schema: str | None,
    name: str | None,
    database_name: str | None = None,
) -> PrimaryKeyChange:
    """The change from the database's primary key columns to the models' ``table``'s.

    ``name`` is the models' name for the key (its own or its naming convention's), if any;
    without one the key is named ``<table>_pkey``, PostgreSQL's own name for it, so that the
    downgrade can drop it by name everywhere. ``database_name`` is the name of the
    database's key, if it has one.
    """
    ours = [str(column.name) for column in table.primary_key.columns]
    theirs = list(database_key)
    if not ours or ours == theirs:
        return PrimaryKeyChange()
    final = name if name is not None else conv(f"{table.name}_pkey"[:63])
    if theirs:
        old = database_name or conv(f"{table.name}_pkey"[:63])
        original = CreatePrimaryKeyOp(old, table.name, tuple(theirs), schema)
        return PrimaryKeyChange(
            operation=CreatePrimaryKeyOp(final, table.name, tuple(ours), schema),
            drop=DropConstraintOp(old, table.name, "primary", schema, original),
            message=(
                f"Detected changed primary key ({', '.join(theirs)}) to ({', '.join(ours)}) "
                f"on table '{label}'"
            ),
        )
    return PrimaryKeyChange(
        operation=CreatePrimaryKeyOp(final, table.name, tuple(ours), schema),
        message=f"Detected added primary key ({', '.join(ours)}) on table '{label}'",
    )


def primary_key_changes(
    ctx: CompareContext, table: Table, item: ReflectedTable, label: str
) -> Found:
    """The change to the primary key of a table the database has."""
    theirs = item.pk.get("constrained_columns") or ()
    name = constraint_name(table.primary_key, ctx.dialect)
    change = compare_primary_key(table, theirs, label, item.schema, name, item.pk.get("name"))
    found = Found()
    if change.message is not None:
        found.messages.append(change.message)
    if change.warning is not None:
        found.warnings.append(change.warning)
    if change.drop is not None:
        found.drops.append(change.drop)
    if change.operation is not None:
        found.creates.append(change.operation)
    return found


def creation_order(
    tables: list[Table], *, defer_use_alter: bool = True
) -> tuple[list[Table], list[ForeignKeyConstraint]]:
    """New tables ordered so that each comes after the tables its foreign keys point at.

    Returns the order and the foreign keys to add once every table exists: those that close
    a cycle, and (with ``defer_use_alter``) those declared ``use_alter=True``, which then do
    not decide the order.
    """
    by_key = {(t.schema, t.name): t for t in tables}
    order: list[Table] = []
    deferred: list[ForeignKeyConstraint] = []
    state: dict[tuple[str | None, str], int] = {}

    def defer(constraint: ForeignKeyConstraint | None) -> None:
        if constraint is not None and not any(c is constraint for c in deferred):
            deferred.append(constraint)

    def visit(key: tuple[str | None, str]) -> None:
        if state.get(key):
            return
        state[key] = 1
        table = by_key[key]
        for fk in sorted(table.foreign_keys, key=lambda f: f.target_fullname):
            if defer_use_alter and fk.constraint is not None and fk.constraint.use_alter:
                defer(fk.constraint)
                continue
            parts = fk.target_fullname.split(".")
            target = (".".join(parts[:-2]) or None, parts[-2])
            if target not in by_key or target == key:
                continue
            if state.get(target) == 1:
                defer(fk.constraint)  # closes a cycle
                continue
            visit(target)
        state[key] = 2
        order.append(table)

    for key in sorted(by_key, key=lambda k: (k[0] or "", k[1])):
        visit(key)
    return order, deferred
