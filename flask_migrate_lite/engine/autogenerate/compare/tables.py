"""Whole tables: those the models add, created with their indexes, and those they no
longer have, dropped (referring tables first)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ForeignKeyConstraint, Table
from sqlalchemy.engine.interfaces import ReflectedForeignKeyConstraint
from sqlalchemy.schema import SchemaItem

from ...operations.ops import CreateIndexOp, CreateTableOp, DropConstraintOp, DropTableOp
from ..directives import Directive, ModifyTableOps, TableOp
from ..reflect import ReflectedTable
from .context import CompareContext
from .foreign_keys import create_fk_op, reflected_fk_op
from .indexes import added_index_message, create_index_op, plain_indexes, reflected_index_op
from .objects import copy_column, table_constraints

__all__ = [
    "NewTable",
    "create_table",
    "cycle_keys",
    "deferred_foreign_key",
    "drop_cycle_key",
    "drop_table",
    "reflected_order",
]


@dataclass
class NewTable:
    """A table to create: the directives, and the messages about its indexes."""

    directives: list[Directive] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def create_table(
    ctx: CompareContext, table: Table, deferred: Sequence[ForeignKeyConstraint] = ()
) -> NewTable:
    """``create_table`` for a model's table (but the keys in ``deferred``), then its indexes."""
    new = NewTable()
    schema = ctx.schema(table.schema)
    items: list[SchemaItem] = [copy_column(column) for column in table.columns]
    items.extend(table_constraints(table, ctx.dialect, skip=deferred))
    kw = dict(table.dialect_kwargs)
    if table.comment is not None:
        kw["comment"] = table.comment
    new.directives.append(CreateTableOp(table.name, tuple(items), schema, kw=kw))
    index_ops: list[TableOp] = []
    for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
        if ctx.object_ok(index, index.name, "index", False, None):
            new.messages.append(added_index_message(index))
            index_ops.append(create_index_op(index, table.name, schema))
    if index_ops:
        new.directives.append(ModifyTableOps(table.name, index_ops, schema))
    return new


def deferred_foreign_key(ctx: CompareContext, constraint: ForeignKeyConstraint) -> ModifyTableOps:
    """A foreign key of a new table added once every new table exists (see
    :func:`.keys.creation_order`)."""
    table = constraint.table
    schema = ctx.schema(table.schema)
    return ModifyTableOps(table.name, [create_fk_op(ctx, constraint, schema)], schema)


def drop_cycle_key(
    ctx: CompareContext, item: ReflectedTable, fk: ReflectedForeignKeyConstraint
) -> ModifyTableOps:
    """Dropping a foreign key of a table about to be dropped that closes a cycle (see
    :func:`cycle_keys`); the downgrade creates it again once both tables exist."""
    original = reflected_fk_op(fk, item.name, item.schema, ctx.schema)
    name = str(fk.get("name") or "")
    drop = DropConstraintOp(name, item.name, "foreignkey", item.schema, original)
    return ModifyTableOps(item.name, [drop], item.schema)


def drop_table(
    ctx: CompareContext, item: ReflectedTable, skip_keys: Sequence[str] = ()
) -> tuple[DropTableOp, list[CreateIndexOp]]:
    """``drop_table`` for a database table, and the indexes it had (which its downgrade
    creates again after the table); the foreign keys named in ``skip_keys`` are dropped
    before it (see :func:`cycle_keys`), so its downgrade leaves them out."""
    table = ctx.table_of(item)
    skip = [
        c
        for c in table.constraints
        if isinstance(c, ForeignKeyConstraint) and c.name is not None and c.name in skip_keys
    ]
    indexes = [
        reflected_index_op(index, item.name, item.schema)
        for index in plain_indexes(ctx.rules, item)
    ]
    items: list[SchemaItem] = [copy_column(column) for column in table.columns]
    items.extend(table_constraints(table, skip=skip))
    kw = {"comment": item.comment} if item.comment is not None else {}
    return DropTableOp(item.name, item.schema, columns=tuple(items), kw=kw), indexes


def reflected_order(items: list[ReflectedTable]) -> list[ReflectedTable]:
    """Reflected tables ordered as they would have been created (referenced ones first)."""
    return _reflected_walk(items)[0]


def cycle_keys(
    items: list[ReflectedTable],
) -> list[tuple[ReflectedTable, ReflectedForeignKeyConstraint]]:
    """The foreign keys among ``items`` that close a cycle (``a -> b -> a``), each with its
    table: dropped first, they let the tables be dropped in :func:`reflected_order`'s
    reverse, referring tables first."""
    return _reflected_walk(items)[1]


def _reflected_walk(
    items: list[ReflectedTable],
) -> tuple[list[ReflectedTable], list[tuple[ReflectedTable, ReflectedForeignKeyConstraint]]]:
    by_key = {(i.schema, i.name): i for i in items}
    order: list[ReflectedTable] = []
    closing: list[tuple[ReflectedTable, ReflectedForeignKeyConstraint]] = []
    state: dict[tuple[str | None, str], int] = {}

    def visit(key: tuple[str | None, str]) -> None:
        if state.get(key):
            return
        state[key] = 1
        for fk in by_key[key].fks:
            target = (fk.get("referred_schema"), fk["referred_table"])
            if target not in by_key or target == key:
                continue
            if state.get(target) == 1:
                closing.append((by_key[key], fk))  # it refers back to a table being visited
                continue
            visit(target)
        state[key] = 2
        order.append(by_key[key])

    for key in sorted(by_key, key=lambda k: (k[0] or "", k[1])):
        visit(key)
    return order, closing
