"""Enum types that are schema objects of their own (PostgreSQL's): new, renamed and changed.

Creating a table creates the types it uses (here and with Alembic); for new columns only,
the type is created first. The downgrade drops a type after the tables and columns that use
it. A type the models name that the database lacks, while the database has a type with the
same values that no model names, is renamed (``ALTER TYPE ... RENAME TO``).

When the models give a type other values: new values that keep the existing ones in their
order are added with ``ALTER TYPE ... ADD VALUE`` placed ``BEFORE``/``AFTER`` a neighbour,
inside an autocommit block when the server needs it (before PostgreSQL 12, or when the
revision's own defaults use a new value, which the adding transaction cannot). Any other
change (a value removed or renamed, the order changed) makes the type again and converts
each column that uses it with ``USING col::text::type``; the migration first checks that no
row holds a removed value, and autogenerate warns with the count of rows that do in the
database it compares with. The downgrade of added values makes the type again without them.

A value lost and one gained may be one value renamed (:mod:`.enum_values` asks): alone, the
renames are written as ``ALTER TYPE ... RENAME VALUE``; with other changes, the type is made
again and the ``USING`` expression gives the rows holding an old value the new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy import types as sqltypes
from sqlalchemy.sql.elements import TextClause

from ..decisions import qualified
from ..directives import Directive, EnumColumn, EnumTypeOp, recreate_or_add
from ..reflect.enum_usage import enum_columns, rows_holding
from .context import CompareContext, label
from .enum_values import renamed_values

__all__ = ["EnumChanges", "compare_enums", "enum_renames"]

Key = tuple[str | None, str]


@dataclass
class EnumChanges:
    """The enum type directives, and what to tell the user about them."""

    directives: list[Directive] = field(default_factory=list)
    #: Types that creating a table creates (``UpgradeOps.implicit_enum_types``).
    implicit: list[EnumTypeOp] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _existing(ctx: CompareContext) -> dict[Key, list[str]]:
    existing: dict[Key, list[str]] = {}
    for enum in ctx.inspector.get_enums(schema="*"):  # type: ignore[attr-defined]
        key = (ctx.schema(enum.get("schema")), enum["name"])
        existing[key] = list(enum["labels"])
    return existing


def _model_types(ctx: CompareContext, tables: Iterable[Table]) -> dict[Key, sqltypes.Enum]:
    found: dict[Key, sqltypes.Enum] = {}
    for table in tables:
        for key, enum_type, _ in _enum_columns(ctx, table):
            found.setdefault(key, enum_type)
    return found


def enum_renames(ctx: CompareContext, tables: Iterable[Table]) -> dict[Key, Key]:
    """Types the models name that the database has under another name: new key by old key.

    A type is taken as renamed when the database lacks its name and has exactly one type of
    the same schema with the same values (in the same order) that no model names, and every
    column using that type is a column the models declare with the new one.
    """
    if not ctx.rules.named_enum_types:
        return {}
    tables = list(tables)
    existing = _existing(ctx)
    wanted = _model_types(ctx, tables)
    declared = {
        (ctx.schema(table.schema), table.name, column.name): key
        for table in tables
        for key, _, column in _enum_columns(ctx, table)
    }
    unused = [key for key in existing if key not in wanted]
    renames: dict[Key, Key] = {}
    for key, enum_type in wanted.items():
        if key in existing:
            continue
        same = [
            old
            for old in unused
            if old[0] == key[0] and existing[old] == list(enum_type.enums) and old not in renames
        ]
        if len(same) != 1:
            continue
        uses = _columns(ctx, same[0])
        if uses and all(declared.get((u.schema, u.table, u.column)) == key for u in uses):
            renames[same[0]] = key
    return renames


def compare_enums(
    ctx: CompareContext,
    tables: Iterable[Table],
    created: list[Table],
    renames: dict[Key, Key] | None = None,
) -> EnumChanges:
    """The named enum types the compared ``tables`` need: new, renamed, and changed ones."""
    changes = EnumChanges()
    if not ctx.rules.named_enum_types:
        return changes
    renames = renames or {}
    renamed_to = {new: old for old, new in renames.items()}
    existing = _existing(ctx)
    seen: set[Key] = set()
    with_tables = {key for table in created for key, _, _ in _enum_columns(ctx, table)}
    defaults: dict[Key, list[str]] = {}
    model: dict[Key, sqltypes.Enum] = {}
    for table in tables:
        for key, enum_type, column in _enum_columns(ctx, table):
            defaults.setdefault(key, []).append(_default_text(column))
            if key not in seen:
                seen.add(key)
                model[key] = enum_type
    remade: list[EnumTypeOp] = []
    added: list[EnumTypeOp] = []
    for key, enum_type in model.items():
        wanted = tuple(enum_type.enums)
        if key in renamed_to:
            old = renamed_to[key]
            changes.messages.append(f"Detected renamed enum type '{old[1]}' to '{key[1]}'")
            changes.directives.append(EnumTypeOp("rename", old[1], wanted, old[0], new_name=key[1]))
            continue
        if key not in existing:
            changes.messages.append(f"Detected added enum type '{key[1]}'")
            directive = EnumTypeOp("create", key[1], wanted, key[0])
            if key in with_tables:
                changes.implicit.append(directive)
            else:
                changes.directives.append(directive)
            continue
        now = tuple(existing[key])
        if wanted == now:
            continue
        new_values = [v for v in wanted if v not in now]
        autocommit = _needs_autocommit(ctx, new_values, defaults.get(key, []))
        columns = _columns(ctx, key)
        renamed = renamed_values(ctx, qualified(key[0], key[1]), "type", now, wanted)
        directive = recreate_or_add(key[1], wanted, now, key[0], columns, autocommit, renamed)
        if renamed:
            moved = ", ".join(f"'{old}' to '{new}'" for old, new in renamed)
            changes.messages.append(f"Detected renamed values of enum type '{key[1]}': {moved}")
        if directive.action == "rename_values":
            remade.append(directive)
            continue
        if directive.action == "add_values":
            changes.messages.append(f"Detected new values {new_values} of enum type '{key[1]}'")
            added.append(directive)
            continue
        gone = [v for v in now if v not in wanted and v not in dict(renamed)]
        changes.messages.append(
            f"Detected changed values of enum type '{key[1]}': {list(now)} to {list(wanted)}"
        )
        if gone:
            changes.warnings.append(_removal_warning(ctx, key, gone, columns))
        remade.append(directive)
    # Checked changes first: a refused upgrade must not have committed an autocommit block.
    in_transaction = [d for d in added if not d.autocommit]
    committed = [d for d in added if d.autocommit]
    changes.directives += [*remade, *in_transaction, *committed]
    return changes


def _columns(ctx: CompareContext, key: Key) -> tuple[EnumColumn, ...]:
    return tuple(
        EnumColumn(use.table, use.column, ctx.schema(use.schema), use.default, use.array)
        for use in enum_columns(ctx.connection, key[1], key[0])
    )


def _removal_warning(
    ctx: CompareContext, key: Key, gone: list[str], columns: tuple[EnumColumn, ...]
) -> str:
    counts = []
    total = 0
    for column in columns:
        number = rows_holding(
            ctx.connection, column.schema, column.table, column.column, gone, array=column.array
        )
        total += number
        if number:
            counts.append(f"{label(column.schema, column.table)}.{column.column}: {number}")
    if not total:
        return (
            f"Enum type '{key[1]}' loses values {gone}; no row holds them now. The upgrade "
            "makes the type again and stops if a row holds one of them by then."
        )
    rows = "1 row holds" if total == 1 else f"{total} rows hold"
    return (
        f"Enum type '{key[1]}' loses values {gone}, and {rows} them ({', '.join(counts)}): "
        "the upgrade stops without changing anything until they are updated or deleted."
    )


def _needs_autocommit(ctx: CompareContext, new_values: list[str], defaults: list[str]) -> bool:
    """Whether new values must be committed before the rest of the migration runs."""
    version = ctx.dialect.server_version_info or ()
    if tuple(version) < (12,):
        return True  # ADD VALUE cannot run inside a transaction block
    # The transaction that adds a value cannot use it: a default naming it would fail.
    return any(value in defaults for value in new_values)


def _default_text(column: Column[Any]) -> str:
    """The value a column's server default gives (its text without quotes), or ``""``."""
    default = column.server_default
    arg = getattr(default, "arg", None)
    if isinstance(arg, TextClause):
        arg = arg.text
    if not isinstance(arg, str):
        return ""
    return arg.strip().split("::")[0].strip("'")


def _enum_columns(
    ctx: CompareContext, table: Table
) -> Iterator[tuple[Key, sqltypes.Enum, Column[Any]]]:
    """The named native enum types of the table's columns (or of their arrays), keyed
    (schema, name)."""
    for column in table.columns:
        enum_type = column.type
        if isinstance(enum_type, sqltypes.ARRAY):
            enum_type = enum_type.item_type
        if isinstance(enum_type, sqltypes.Enum) and enum_type.native_enum and enum_type.name:
            schema = ctx.schema(enum_type.schema or table.schema)
            yield (schema, enum_type.name), enum_type, column
