"""Enum values renamed: a value an enum loses paired with one it gains, when the
comparison's decisions say so (see :class:`~..decisions.EnumValueRename`).

Every pair of a lost and a gained value is put to the decisions as not similar (a flag
may take it); then, when the values left lost are as many as those left gained, each with
the one in the same place among them as similar (asked about at a terminal). The pairs
taken are written as renames, so that the rows holding the old value hold the new one
after the upgrade (and the old one again after the downgrade).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import DefaultClause
from sqlalchemy import text as sa_text
from sqlalchemy import types as sqltypes
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeEngine

from ...operations.ops import AlterColumnOp, DropConstraintOp
from ..data_steps import RenameValuesOp
from ..decisions import EnumValueRename
from ..directives import Directive, ModifyTableOps
from .context import CompareContext
from .renames import decisions_of

__all__ = ["ValueRename", "keep_renamed_values", "renamed_values", "value_map"]

Pairs = tuple[tuple[str, str], ...]


def renamed_values(
    ctx: CompareContext, target: str, kind: str, before: Sequence[str], wanted: Sequence[str]
) -> Pairs:
    """The (old, new) value pairs of ``target`` that were renamed."""
    gone = [value for value in before if value not in wanted]
    new = [value for value in wanted if value not in before]
    if not gone or not new:
        return ()
    decisions = decisions_of(ctx)
    pairs: list[tuple[str, str]] = []
    # Any pair the decisions take without asking (a flag) first, then the likely ones.
    for old in gone:
        for value in new:
            if decisions.rename_enum_value(EnumValueRename(target, old, value, False, kind)):
                pairs.append((old, value))
                new.remove(value)
                break
    gone = [value for value in gone if value not in dict(pairs)]
    if len(gone) == len(new):
        for old, value in zip(gone, new, strict=True):
            if decisions.rename_enum_value(EnumValueRename(target, old, value, True, kind)):
                pairs.append((old, value))
    return tuple(pairs)


def value_map(before: Sequence[str], pairs: Pairs) -> list[str]:
    """``before`` with each renamed value under its new name."""
    renamed = dict(pairs)
    return [renamed.get(value, value) for value in before]


@dataclass(frozen=True)
class ValueRename:
    """Renamed values of an enum column (MySQL/MariaDB ``ENUM``, or a non-native enum)."""

    column: str
    renamed: Pairs
    #: The values the database has now.
    before: tuple[str, ...]
    #: The column's type is an ``ENUM`` (MySQL/MariaDB), not text with a CHECK constraint.
    native: bool
    #: The enum's CHECK constraint, dropped before the rows are updated.
    check: str | None = None


def keep_renamed_values(
    directives: list[Directive], renames: Sequence[ValueRename]
) -> list[Directive]:
    """``directives`` with each table change that alters a column of ``renames`` split in
    two around the update of its rows: first the column widened (an ``ENUM`` of the old and
    the new values, or text long enough for both) and its CHECK constraint dropped, then
    the rows updated, then the column narrowed to its new values and the check created."""
    result = list(directives)
    for rename in renames:
        for position, directive in enumerate(result):
            if not isinstance(directive, ModifyTableOps):
                continue
            split = _split(directive, rename)
            if split is not None:
                result[position : position + 1] = split
                break
    return result


def _split(ops: ModifyTableOps, rename: ValueRename) -> list[Directive] | None:
    alter: AlterColumnOp | None = None
    boundary = -1
    for index, op in enumerate(ops.ops):
        if (
            isinstance(op, AlterColumnOp)
            and op.column_name == rename.column
            and op.modify_type is not None
        ):
            alter = op
            boundary = index
        elif (
            isinstance(op, DropConstraintOp)
            and rename.check is not None
            and op.constraint_name == rename.check
        ):
            boundary = max(boundary, index)
    if boundary < 0:
        return None
    first = list(ops.ops[: boundary + 1])
    second = list(ops.ops[boundary + 1 :])
    if alter is not None and alter.modify_type is not None:
        wider = _wider(alter.modify_type, rename)
        first[first.index(alter)] = replace(alter, modify_type=wider)
        nullable = alter.modify_nullable
        if nullable is None:
            nullable = alter.existing_nullable
        default = (
            alter.existing_server_default
            if alter.modify_server_default is False
            else alter.modify_server_default
        )
        if rename.native:
            default = _renamed_default(default, rename.renamed)
        narrow = replace(
            alter,
            existing_type=wider,
            modify_nullable=None,
            modify_server_default=False,
            modify_comment=False,
            existing_nullable=nullable,
            existing_server_default=default,
        )
        second.insert(0, narrow)
    update = RenameValuesOp(ops.table_name, rename.column, rename.renamed, ops.schema)
    return [
        replace(ops, ops=first, restore=[]),
        update,
        ModifyTableOps(
            ops.table_name,
            second,
            ops.schema,
            restore=list(ops.restore),
            naming_convention=dict(ops.naming_convention),
        ),
    ]


def _wider(wanted: TypeEngine[Any], rename: ValueRename) -> TypeEngine[Any]:
    """A type holding the values before and after: both sets of an ``ENUM``, or text."""
    values = list(rename.before)
    values += [value for value in _values(wanted) if value not in values]
    if rename.native:
        return sqltypes.Enum(*values, name=getattr(wanted, "name", None))
    return sqltypes.String(max(len(value) for value in values))


def _renamed_default(default: Any, pairs: Pairs) -> Any:
    """An ``ENUM`` column's default naming a renamed value, under its new name (MySQL
    states the default again with the narrowed type, which no longer has the old value)."""
    arg = getattr(default, "arg", None)
    if isinstance(arg, TextClause):
        text = arg.text.strip()
        for old, new in pairs:
            if text == _quoted(old):
                return DefaultClause(sa_text(_quoted(new)))
    return default


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _values(type_: TypeEngine[Any]) -> list[str]:
    return list(getattr(type_, "enums", ()))
