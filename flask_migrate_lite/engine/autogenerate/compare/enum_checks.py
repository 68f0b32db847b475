"""Enum columns whose values change, where the values live on the column, not in a type.

A non-native enum (``native_enum=False``, or any enum on SQLite) is a text column; with
``create_constraint=True`` a CHECK constraint holds it to its values. The type-bound check
is not compared with the others (:mod:`.checks`), so it is compared here: when the
database's check of that name lists other values than the model, it is dropped and created
again with the model's values (in a batch on SQLite, which rebuilds the table; when the
column's type changes too, the rebuilt table takes the new check from the new type).

MySQL/MariaDB's ``ENUM`` column takes its values in the column type, so a change of values
is a type change (:mod:`.types`) written as ``alter_column``, which keeps the rows whose
values remain. For both kinds, values the model no longer has are a warning that gives the
count of rows holding them in the database compared (the change fails on those rows, or
the database empties them). PostgreSQL's enum types are compared in :mod:`.enums`.

A value lost and one gained may be one value renamed (:mod:`.enum_values` asks); the
renames found are returned with the changes, for :func:`.enum_values.keep_renamed_values`
to write the rows' update between the widening and the narrowing of the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, Column, Table
from sqlalchemy import types as sqltypes
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.sql import visitors

from ...operations.ops import CreateCheckConstraintOp, DropConstraintOp
from ..reflect import ReflectedTable
from ..reflect.enum_usage import rows_holding
from .context import CompareContext
from .enum_values import ValueRename, renamed_values
from .found import Found
from .naming import constraint_name
from .types import type_changed

__all__ = ["EnumColumnChanges", "compare_enum_columns", "check_values"]

# A quoted literal as a catalog prints it: '' or \' inside.
_LITERAL = re.compile(r"'((?:[^'\\]|''|\\.)*)'")


def check_values(sqltext: str) -> list[str]:
    """The string literals of a CHECK constraint's text (``state IN ('a', 'b')``), in order."""
    values: list[str] = []
    for match in _LITERAL.finditer(sqltext):
        value = re.sub(r"\\(.)", r"\1", match.group(1).replace("''", "'"))
        if value not in values:
            values.append(value)
    return values


def _type_check(column: Column[Any], table: Table) -> CheckConstraint | None:
    """The CHECK constraint a non-native enum column's type brings, if any."""
    for constraint in table.constraints:
        if (
            isinstance(constraint, CheckConstraint)
            and getattr(constraint, "_type_bound", False)
            and any(element is column for element in visitors.iterate(constraint.sqltext))
        ):
            return constraint
    return None


def _enum_impl(column: Column[Any], ctx: CompareContext) -> sqltypes.Enum | None:
    type_ = column.type
    variants = getattr(type_, "_variant_mapping", None)
    if variants and ctx.dialect.name in variants:
        type_ = variants[ctx.dialect.name]
    return type_ if isinstance(type_, sqltypes.Enum) else None


@dataclass
class EnumColumnChanges(Found):
    """The changes, and the columns whose renamed values their rows keep."""

    renamed: list[ValueRename] = field(default_factory=list)


def compare_enum_columns(
    ctx: CompareContext, table: Table, item: ReflectedTable, label: str
) -> EnumColumnChanges:
    """Enum CHECK constraints to make again, and warnings for values rows still hold."""
    found = EnumColumnChanges()
    reflected: dict[str, ReflectedColumn] = {col["name"]: col for col in item.columns}
    checks = {check.get("name"): check for check in item.checks if check.get("name")}
    for column in table.columns:
        enum_type = _enum_impl(column, ctx)
        theirs = reflected.get(column.name)
        if enum_type is None or theirs is None:
            continue
        if ctx.rules.named_enum_types and enum_type.native_enum:
            continue  # a type of its own: see .enums
        wanted = list(enum_type.enums)
        before: list[str] | None = None
        if isinstance(theirs["type"], sqltypes.Enum):
            before = list(theirs["type"].enums)
        constraint = _type_check(column, table) if enum_type.create_constraint else None
        name = constraint_name(constraint, ctx.dialect) if constraint is not None else None
        check = checks.get(name) if name else None
        if check is not None and before is None:
            before = check_values(str(check["sqltext"]))
        if before is None:
            continue
        target = f"{label}.{column.name}"
        pairs = renamed_values(ctx, target, "column", before, wanted)
        if pairs:
            moved = ", ".join(f"'{old}' to '{new}'" for old, new in pairs)
            found.messages.append(f"Detected renamed values of enum column '{target}': {moved}")
            native = isinstance(theirs["type"], sqltypes.Enum)
            found.renamed.append(ValueRename(column.name, pairs, tuple(before), native, name))
        gone = [value for value in before if value not in wanted and value not in dict(pairs)]
        if gone:
            found.warnings.append(_warning(ctx, item, label, column.name, gone))
        if check is None or name is None or set(before) == set(wanted):
            continue
        found.messages.append(
            f"Detected changed values of enum column '{label}.{column.name}': check "
            f"constraint '{name}'"
        )
        condition = _condition(ctx, column.name, wanted)
        # The downgrade writes the old values as the model wrote them, so that the database
        # stores the same text as before.
        condition_before = _condition(ctx, column.name, before)
        old = CreateCheckConstraintOp(name, table.name, condition_before, item.schema)
        found.drops.append(DropConstraintOp(name, table.name, "check", item.schema, old))
        if getattr(ctx.rules, "batch_rebuilds", False) and type_changed(ctx, column, theirs, None):
            continue  # the rebuilt table takes the check from the column's new type
        found.creates.append(CreateCheckConstraintOp(name, table.name, condition, item.schema))
    return found


def _condition(ctx: CompareContext, column: str, values: list[str]) -> str:
    """``column IN ('a', 'b')`` as this database's DDL writes it (literals escaped)."""
    condition = sa.column(column).in_(values)
    compiled = condition.compile(dialect=ctx.dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)


def _warning(
    ctx: CompareContext, item: ReflectedTable, label: str, column: str, gone: list[str]
) -> str:
    count = rows_holding(ctx.connection, item.schema, item.name, column, gone)
    where = f"'{label}.{column}'"
    if not count:
        return f"Enum column {where} loses values {gone}; no row holds them now."
    rows = "1 row holds" if count == 1 else f"{count} rows hold"
    return (
        f"Enum column {where} loses values {gone}, and {rows} them: the database refuses "
        "the change or empties those values; update or delete those rows before you upgrade."
    )
