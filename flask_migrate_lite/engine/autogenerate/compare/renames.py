"""Renames: a column dropped and one added on the same table, or a table dropped and one
added, that the developer says are one renamed.

Each pair is put to ``CompareOptions.decisions`` (see :mod:`..decisions`); a pair of the
same type, nullability and server default (tables: the same columns) is marked ``similar``.
A confirmed column rename becomes ``alter_column(..., new_column_name=...)`` (with any other
change of the column), a confirmed table rename ``rename_table``, followed by the changes
between the renamed table and the model. PostgreSQL sequences of serial columns, named
``<table>_<column>_seq`` by default, are renamed with their table or column. A similar pair
left unconfirmed is dropped and added as before, with a warning naming the data it drops.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Column, Table, func, select, table, text
from sqlalchemy import column as sql_column
from sqlalchemy import types as sqltypes
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.schema import DefaultClause

from ...operations.ops import AddColumnOp, AlterColumnOp, CreateIndexOp, DropColumnOp, DropIndexOp
from ..data_steps import RenameIndexOp, RenamePrimaryKeyOp, RenameSequenceOp
from ..decisions import ColumnRename, Decisions, NoDecisions, TableRename
from ..reflect import ReflectedTable
from .columns import ColumnChanges, compare_column
from .context import CompareContext
from .found import Found
from .naming import constraint_name
from .server_defaults import model_default_text, normalise_default
from .types import types_differ

__all__ = [
    "RenamedTable",
    "decisions_of",
    "follow_table_renames",
    "index_renames",
    "primary_key_rename",
    "rename_columns",
    "rename_tables",
    "serial_sequence_renames",
]

_NEXTVAL = re.compile(r"nextval\('(?:(?:\"[^\"]+\"|[^.'\"]+)\.)?\"?([^'\"]+)\"?'(?:::regclass)?\)")


def decisions_of(ctx: CompareContext) -> Decisions:
    """The comparison's decisions (none: :class:`NoDecisions`)."""
    decisions = ctx.options.decisions
    return NoDecisions() if decisions is None else decisions


def _same_type(ctx: CompareContext, found: ReflectedColumn, column: Column[Any]) -> bool:
    if isinstance(found["type"], sqltypes.NullType):
        return True
    return not types_differ(found["type"], column.type, ctx.rules)


def _similar(ctx: CompareContext, found: ReflectedColumn, column: Column[Any]) -> bool:
    """Same type, nullability and server default."""
    if bool(found["nullable"]) != bool(column.nullable) or not _same_type(ctx, found, column):
        return False
    boolean = isinstance(column.type, sqltypes.Boolean)
    ours = normalise_default(model_default_text(column, ctx.dialect), ctx.rules, boolean=boolean)
    reflected = found.get("default")
    if reflected is not None and str(reflected).lower().startswith("nextval("):
        reflected = None  # a serial column's own sequence
    theirs = normalise_default(
        None if reflected is None else str(reflected), ctx.rules, boolean=boolean
    )
    return ours == theirs


def _values(ctx: CompareContext, item: ReflectedTable, column: str) -> int:
    """How many rows hold a value in ``column`` (read from the database being compared)."""
    target = table(item.name, sql_column(column), schema=item.schema)
    query = select(func.count(target.c[column]))
    return int(ctx.connection.execute(query).scalar_one())


def rename_columns(
    ctx: CompareContext, table_: Table, item: ReflectedTable, changes: ColumnChanges, label: str
) -> list[str]:
    """Turn the confirmed drop-and-add pairs of ``changes`` into renames; the warnings about
    similar pairs left as they are."""
    added = [op for op in changes.added if isinstance(op, AddColumnOp)]
    dropped = [op for op in changes.dropped if isinstance(op, DropColumnOp)]
    if not added or not dropped:
        return []
    decisions = decisions_of(ctx)
    reflected = {col["name"]: col for col in item.columns}
    schema = item.schema
    taken: set[str] = set()
    warnings: list[str] = []
    for drop in dropped:
        found = reflected[drop.column_name]
        for add in added:
            new = add.column.name
            if new in taken:
                continue
            model_column = table_.columns[new]
            similar = _similar(ctx, found, model_column)
            candidate = ColumnRename(schema, table_.name, drop.column_name, new, similar)
            if decisions.rename_column(candidate):
                taken.add(new)
                _rename(ctx, table_, model_column, found, drop, add, changes, label)
                changes.renamed[drop.column_name] = new
                break
            if similar:
                count = _values(ctx, item, drop.column_name)
                warnings.append(
                    f"The migration drops column '{label}.{drop.column_name}' with the "
                    f"{count} value{'s' if count != 1 else ''} it holds and adds "
                    f"'{label}.{new}' empty; if the column was renamed, its data is lost."
                )
    return warnings


def _rename(
    ctx: CompareContext,
    table_: Table,
    column: Column[Any],
    found: ReflectedColumn,
    drop: DropColumnOp,
    add: AddColumnOp,
    changes: ColumnChanges,
    label: str,
) -> None:
    old, new = drop.column_name, column.name
    changes.added.remove(add)
    changes.dropped.remove(drop)
    changes.dropped_names.discard(old)
    changes.messages.remove(f"Detected added column '{label}.{new}'")
    changes.messages.remove(f"Detected removed column '{label}.{old}'")
    changes.messages.append(f"Detected renamed column '{label}.{old}' to '{label}.{new}'")
    alter, messages, warnings = compare_column(ctx, table_, column, found, None, label)
    changes.messages += messages
    changes.warnings += warnings
    if alter is None:
        default = found.get("default")
        alter = AlterColumnOp(
            table_.name,
            new,
            ctx.schema(table_.schema),
            existing_type=found["type"],
            existing_nullable=bool(found["nullable"]),
            existing_server_default=(
                None if default is None else DefaultClause(text(str(default)))
            ),
            existing_comment=found.get("comment"),
        )
    changes.altered.insert(0, replace(alter, column_name=old, modify_name=new))


def serial_sequence_renames(
    ctx: CompareContext,
    item: ReflectedTable,
    new_table: str,
    columns: Mapping[str, str] | None = None,
) -> list[RenameSequenceOp]:
    """The sequences of ``item``'s serial columns named ``<table>_<column>_seq`` that follow
    the table renamed to ``new_table`` and its columns renamed as ``columns`` maps them.

    Only PostgreSQL gives a column a ``nextval('<sequence>'::regclass)`` default.
    """
    renames = columns or {}
    out = []
    for col in item.columns:
        default = col.get("default")
        match = _NEXTVAL.fullmatch(str(default)) if default is not None else None
        if match is None:
            continue
        old_sequence = match[1]
        if old_sequence != f"{item.name}_{col['name']}_seq":
            continue
        new_sequence = f"{new_table}_{renames.get(col['name'], col['name'])}_seq"
        if new_sequence != old_sequence and len(new_sequence) <= 63:
            out.append(RenameSequenceOp(old_sequence, new_sequence, item.schema))
    return out


@dataclass(frozen=True)
class RenamedTable:
    """A table of the database that is the models' ``new`` table renamed."""

    old: str
    new: str


def _same_columns(ctx: CompareContext, model: Table, item: ReflectedTable) -> bool:
    reflected = {col["name"]: col for col in item.columns}
    if set(reflected) != set(model.columns.keys()):
        return False
    return all(_same_type(ctx, reflected[c.name], c) for c in model.columns)


def rename_tables(
    ctx: CompareContext,
    schema: str | None,
    new: Iterable[Table],
    gone: Iterable[ReflectedTable],
) -> list[RenamedTable]:
    """The pairs of a dropped and an added table confirmed as renames."""
    decisions = decisions_of(ctx)
    new = list(new)
    taken: set[str] = set()
    out = []
    for item in gone:
        for model in new:
            if model.name in taken:
                continue
            similar = _same_columns(ctx, model, item)
            if decisions.rename_table(TableRename(schema, item.name, model.name, similar)):
                taken.add(model.name)
                out.append(RenamedTable(item.name, model.name))
                break
    return out


def follow_table_renames(
    ctx: CompareContext,
    schema: str | None,
    renamed: Iterable[RenamedTable],
    tables: Iterable[ReflectedTable],
) -> None:
    """Point the reflected foreign keys of ``tables`` at the renamed tables' new names.

    The databases keep a key on its table when the table it refers to is renamed, so such a
    key is no change.
    """
    names = {r.old: r.new for r in renamed}
    if not names:
        return
    for item in tables:
        keys = []
        for fk in item.fks:
            target = fk["referred_table"]
            if target in names and ctx.schema(fk.get("referred_schema")) == schema:
                fk = fk.copy()
                fk["referred_table"] = names[target]
            keys.append(fk)
        item.fks = keys


def index_renames(
    indexes: Found, table_name: str, schema: str | None, renamed: Mapping[str, str]
) -> list[RenameIndexOp]:
    """Take out of ``indexes`` each index dropped and created again on the same columns
    (after the column renames ``renamed``) with the same uniqueness: a rename of it."""
    out = []
    for drop in [op for op in indexes.drops if isinstance(op, DropIndexOp)]:
        if not drop.columns or not all(isinstance(c, str) for c in drop.columns):
            continue
        old_columns = tuple(str(c) for c in drop.columns)
        columns = tuple(renamed.get(c, c) for c in old_columns)
        for create in [op for op in indexes.creates if isinstance(op, CreateIndexOp)]:
            if create.index_name is None or create.kw or create.unique != drop.unique:
                continue
            if tuple(create.columns) != columns:
                continue
            indexes.drops.remove(drop)
            indexes.creates.remove(create)
            out.append(
                RenameIndexOp(
                    drop.index_name,
                    create.index_name,
                    table_name,
                    columns,
                    drop.unique,
                    schema,
                )
            )
            break
    return out


def primary_key_rename(
    ctx: CompareContext, item: ReflectedTable, model: Table
) -> list[RenamePrimaryKeyOp]:
    """The primary key of ``item``, renamed to ``model``, when its name came from the old
    table's name (``<table>_pkey`` or the naming convention's) and the new one gives
    another."""
    old_name = item.pk.get("name")
    if not old_name or not item.pk.get("constrained_columns") or item.name == model.name:
        return []
    expected = str(constraint_name(model.primary_key, ctx.dialect) or f"{model.name}_pkey")
    if expected == old_name or old_name.replace(item.name, model.name, 1) != expected:
        return []
    return [RenamePrimaryKeyOp(model.name, old_name, expected, item.schema)]
