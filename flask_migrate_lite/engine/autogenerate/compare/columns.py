"""Columns added, removed and altered (type, collation, nullability, server default,
comment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table, text
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.schema import DefaultClause

from ...operations.ops import AddColumnOp, AlterColumnOp, DropColumnOp
from ..directives import TableOp
from ..reflect import ReflectedTable
from .collations import collation_change
from .comments import column_comment_changed
from .context import CompareContext, parents
from .identities import autoincrement_change, identity_change
from .keys import nullability_compared
from .objects import copy_column, copy_default, reflected_column
from .server_defaults import default_changed
from .type_changes import TypeChange, TypeConversion, convert_type
from .types import type_changed

__all__ = ["ColumnChanges", "compare_column", "compare_columns"]


@dataclass
class ColumnChanges:
    """The columns of one table that are added, altered and dropped."""

    added: list[TableOp] = field(default_factory=list)
    altered: list[TableOp] = field(default_factory=list)
    dropped: list[TableOp] = field(default_factory=list)
    #: The names of the dropped columns.
    dropped_names: set[str] = field(default_factory=set)
    #: Columns renamed: old name to new name.
    renamed: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _NoObjects:
    """Stands in for the reflected columns when no hook needs them."""

    def __getitem__(self, name: str) -> None:
        return None


def compare_columns(
    ctx: CompareContext, table: Table, item: ReflectedTable, label: str
) -> ColumnChanges:
    """The model's columns the database lacks or has otherwise, and the database's columns
    the models no longer have."""
    schema = item.schema
    name = table.name
    changes = ColumnChanges()
    reflected_cols = {col["name"]: col for col in item.columns}
    theirs: Any = ctx.table_of(item).columns if ctx.hooks_see_objects() else _NoObjects()
    parent_names = parents(schema, name)
    database_key = item.pk.get("constrained_columns") or ()
    for column in table.columns:
        if not ctx.name_ok(column.name, "column", parent_names):
            continue
        found = reflected_cols.get(column.name)
        compare_to = theirs[column.name] if found is not None else None
        if not ctx.object_ok(column, column.name, "column", False, compare_to):
            continue
        if found is None:
            changes.messages.append(f"Detected added column '{label}.{column.name}'")
            changes.added.append(AddColumnOp(name, copy_column(column), schema))
            continue
        keyed = not nullability_compared(column.primary_key, database_key, column.name)
        alter, messages, warnings = compare_column(
            ctx, table, column, found, theirs[column.name], label, keyed
        )
        changes.messages += messages
        changes.warnings += warnings
        if alter is not None:
            changes.altered.append(alter)
    model_names = set(table.columns.keys())
    for col in item.columns:
        if col["name"] in model_names:
            continue
        if not ctx.name_ok(col["name"], "column", parent_names):
            continue
        if not ctx.object_ok(theirs[col["name"]], col["name"], "column", True, None):
            continue
        changes.messages.append(f"Detected removed column '{label}.{col['name']}'")
        changes.dropped_names.add(col["name"])
        existing = reflected_column(col)
        changes.dropped.append(DropColumnOp(name, col["name"], schema, existing_column=existing))
    return changes


def compare_column(
    ctx: CompareContext,
    table: Table,
    column: Column[Any],
    found: ReflectedColumn,
    reflected: Column[Any] | None,
    label: str,
    keyed: bool = False,
) -> tuple[AlterColumnOp | None, list[str], list[str]]:
    """The change to one column, and its messages; ``keyed``: a primary-key column in both
    (see :func:`.keys.nullability_compared`), whose nullability is not compared; and the
    warnings about it."""
    messages: list[str] = []
    conversion = TypeConversion()
    where = f"'{label}.{column.name}'"
    reflected_type = found["type"]
    reflected_default = found.get("default")
    existing_default: Any = (
        None if reflected_default is None else DefaultClause(text(str(reflected_default)))
    )
    changes: dict[str, Any] = {}
    if type_changed(ctx, column, found, reflected):
        messages.append(
            f"Detected type change from {reflected_type!r} to {column.type!r} on {where}"
        )
        changes["modify_type"] = column.type
        conversion = convert_type(
            TypeChange(
                ctx, table.name, table.schema, column.name, where, reflected_type, column.type
            )
        )
    collated = collation_change(ctx, table, column, found, label)
    if collated is not None:
        messages.append(collated.message)
        changes["modify_type"] = collated.type_
        reflected_type = collated.existing_type
    if not keyed and bool(found["nullable"]) != bool(column.nullable):
        word = "NULL" if column.nullable else "NOT NULL"
        messages.append(f"Detected {word} on column {where}")
        changes["modify_nullable"] = bool(column.nullable)
    if default_changed(ctx, column, found, reflected):
        messages.append(f"Detected server default on column {where}")
        changes["modify_server_default"] = copy_default(column.server_default)
    identity = identity_change(ctx, column, found, where)
    if identity is not None:
        messages.append(identity.message)
        changes["modify_server_default"] = identity.identity
        existing_default = identity.existing
    flag = autoincrement_change(ctx, column, found, where, keyed)
    if flag is not None:
        word = "added to" if flag["autoincrement"] else "removed from"
        messages.append(f"Detected AUTO_INCREMENT {word} column {where}")
    if column_comment_changed(ctx, column, found):
        messages.append(f"Detected column comment {where}")
        changes["modify_comment"] = column.comment
    if not changes and flag is None:
        return None, messages, []
    alter = AlterColumnOp(
        table.name,
        column.name,
        ctx.schema(table.schema),
        existing_type=reflected_type,
        existing_nullable=bool(found["nullable"]),
        existing_server_default=existing_default,
        existing_comment=found.get("comment"),
        kw={**conversion.kw, **(flag or {})},
        reverse_kw=conversion.reverse_kw,
        **changes,
    )
    return alter, messages, conversion.warnings
