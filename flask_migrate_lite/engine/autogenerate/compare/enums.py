"""Enum types that are schema objects of their own (PostgreSQL's): new types, new values.

Creating a table creates the types it uses (here and with Alembic); for new columns only,
the type is created first. The downgrade drops a type after the tables and columns that use
it. Values cannot be removed from such a type: values the models no longer list are a
warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Table
from sqlalchemy import types as sqltypes

from ..directives import Directive, EnumTypeOp
from .context import CompareContext

__all__ = ["EnumChanges", "compare_enums"]


@dataclass
class EnumChanges:
    """The enum type directives, and what to tell the user about them."""

    directives: list[Directive] = field(default_factory=list)
    #: Types that creating a table creates (``UpgradeOps.implicit_enum_types``).
    implicit: list[EnumTypeOp] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def compare_enums(
    ctx: CompareContext, tables: Iterable[Table], created: list[Table]
) -> EnumChanges:
    """The named enum types the compared ``tables`` need: new ones, and new values."""
    changes = EnumChanges()
    if not ctx.rules.named_enum_types:
        return changes
    existing: dict[tuple[str | None, str], list[str]] = {}
    for enum in ctx.inspector.get_enums(schema="*"):  # type: ignore[attr-defined]
        key = (ctx.schema(enum.get("schema")), enum["name"])
        existing[key] = list(enum["labels"])
    seen: set[tuple[str | None, str]] = set()
    with_tables = {key for table in created for key, _ in _enum_types(ctx, table)}
    for table in tables:
        for key, enum_type in _enum_types(ctx, table):
            if key in seen:
                continue
            seen.add(key)
            wanted = tuple(enum_type.enums)
            if key not in existing:
                changes.messages.append(f"Detected added enum type '{key[1]}'")
                directive = EnumTypeOp("create", key[1], wanted, key[0])
                if key in with_tables:
                    changes.implicit.append(directive)
                else:
                    changes.directives.append(directive)
                continue
            new_values = tuple(v for v in wanted if v not in existing[key])
            gone = [v for v in existing[key] if v not in wanted]
            if gone:
                changes.warnings.append(
                    f"Enum type '{key[1]}' has values the models no longer list ({gone}); "
                    "PostgreSQL cannot remove values from an enum type, so they stay: "
                    "update the rows that use them and recreate the type by hand if needed."
                )
            if new_values:
                changes.messages.append(
                    f"Detected new values {list(new_values)} of enum type '{key[1]}'"
                )
                changes.directives.append(EnumTypeOp("add_values", key[1], new_values, key[0]))
    return changes


def _enum_types(
    ctx: CompareContext, table: Table
) -> Iterator[tuple[tuple[str | None, str], sqltypes.Enum]]:
    """The named native enum types of the table's columns, keyed (schema, name)."""
    for column in table.columns:
        enum_type = column.type
        if isinstance(enum_type, sqltypes.Enum) and enum_type.native_enum and enum_type.name:
            schema = ctx.schema(enum_type.schema or table.schema)
            yield (schema, enum_type.name), enum_type
