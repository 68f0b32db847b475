"""Foreign keys, compared by what they do: columns, referred table and columns, rules, and
when they are checked (``deferrable``, ``initially``, where the database keeps them).

Names are not compared (a key the database named itself is the same key). Where the
database makes an index for a key and keeps it when the key is dropped (MySQL), a new key
gets an index under its own name, which its downgrade drops with it, and a dropped key's
index is dropped too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint, Table, UniqueConstraint
from sqlalchemy.engine.interfaces import ReflectedForeignKeyConstraint

from ...operations.ops import CreateForeignKeyOp, CreateIndexOp, DropConstraintOp, DropIndexOp
from ..reflect import ReflectedTable
from .context import CompareContext, parents
from .found import Found
from .indexes import index_columns
from .naming import constraint_columns, constraint_name, drop_name, final_name

__all__ = ["compare_foreign_keys", "create_fk_op", "reflected_fk_op"]


def compare_foreign_keys(
    ctx: CompareContext, table: Table, item: ReflectedTable, label: str, dropped: set[str]
) -> Found:
    """The foreign keys to create and drop (``dropped``: see :func:`.indexes.compare_indexes`)."""
    found = Found()
    schema = item.schema
    parent_names = parents(schema, table.name)
    indexes_keys = ctx.rules.indexes_foreign_keys
    model_fk_columns = {
        constraint_columns(c) for c in table.constraints if isinstance(c, ForeignKeyConstraint)
    }
    theirs_fk_columns = {tuple(fk["constrained_columns"]) for fk in item.fks}
    theirs: dict[tuple[Any, ...], list[ReflectedForeignKeyConstraint]] = {}
    for fk in item.fks:
        theirs.setdefault(_reflected_signature(ctx, fk), []).append(fk)
    for constraint in sorted(
        (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)),
        key=lambda c: constraint_columns(c),
    ):
        signature = _model_signature(ctx, constraint)
        if theirs.get(signature):
            theirs[signature].pop(0)
            continue
        name = constraint_name(constraint, ctx.dialect)
        if not ctx.name_ok(name, "foreign_key_constraint", parent_names):
            continue
        if not ctx.object_ok(constraint, name, "foreign_key_constraint", False, None):
            continue
        local, remote = signature[0], signature[3]
        found.messages.append(
            f"Detected added foreign key ({', '.join(local)})({', '.join(remote)}) on table {label}"
        )
        operation = create_fk_op(ctx, constraint, schema)
        if indexes_keys and local not in theirs_fk_columns and not _indexed(table, item, local):
            # The database would make an index for the key and keep it when the key is
            # dropped (MySQL); made here under the key's name, the downgrade drops it too.
            key_index = CreateIndexOp(operation.constraint_name, table.name, local, schema)
            found.creates.append(key_index)
        found.creates.append(operation)
    for remaining in theirs.values():
        for fk in remaining:
            name = fk.get("name")
            if not ctx.name_ok(name, "foreign_key_constraint", parent_names):
                continue
            existing = ctx.reflected_object(
                item, ForeignKeyConstraint, name, fk["constrained_columns"]
            )
            if not ctx.object_ok(existing, name, "foreign_key_constraint", True, None):
                continue
            original = reflected_fk_op(fk, table.name, schema, ctx.schema)
            found.messages.append(
                f"Detected removed foreign key ({', '.join(original.local_cols)})"
                f"({', '.join(original.remote_cols)}) on table {label}"
            )
            if not name and dropped.intersection(original.local_cols):
                found.restore.append(original)  # dropped with the column, by SQLite's batch mode
                continue
            drop_as = name or drop_name(
                found,
                ctx.rules,
                "fk",
                f"fk_{table.name}_{'_'.join(original.local_cols)}_{original.referent_table}",
                "foreign key",
                original.local_cols,
                label,
            )
            found.drops.append(
                DropConstraintOp(drop_as, table.name, "foreignkey", schema, original)
            )
            local = tuple(fk["constrained_columns"])
            if indexes_keys and local not in model_fk_columns:
                # The index the database made for the key stays unless dropped with it.
                declared = {str(ix.name) for ix in table.indexes if ix.name}
                for index in item.indexes:
                    index_name = index["name"]
                    if ctx.rules.is_foreign_key_index(index, fk) and (
                        index_name is not None and index_name not in declared
                    ):
                        found.drops.append(
                            DropIndexOp(index_name, table.name, schema, columns=local, unique=False)
                        )
    return found


def create_fk_op(
    ctx: CompareContext, constraint: ForeignKeyConstraint, schema: str | None
) -> CreateForeignKeyOp:
    """``create_foreign_key`` for a model's key; an unnamed key gets a final name."""
    table = constraint.table
    local, ref_schema, ref_table, remote = _model_signature(ctx, constraint)[:4]
    given = (
        constraint_name(constraint, ctx.dialect) or f"fk_{table.name}_{'_'.join(local)}_{ref_table}"
    )
    return CreateForeignKeyOp(
        final_name(constraint, given, ctx.dialect),
        table.name,
        ref_table,
        local,
        remote,
        onupdate=constraint.onupdate,
        ondelete=constraint.ondelete,
        deferrable=constraint.deferrable,
        initially=constraint.initially,
        source_schema=schema,
        referent_schema=ref_schema,
    )


def reflected_fk_op(
    fk: ReflectedForeignKeyConstraint,
    table_name: str,
    schema: str | None,
    normal_schema: Callable[[str | None], str | None],
) -> CreateForeignKeyOp:
    """``create_foreign_key`` that makes a reflected key again (reversed, it drops it)."""
    options = fk.get("options") or {}
    return CreateForeignKeyOp(
        fk.get("name"),
        table_name,
        fk["referred_table"],
        tuple(fk["constrained_columns"]),
        tuple(fk["referred_columns"]),
        onupdate=options.get("onupdate"),
        ondelete=options.get("ondelete"),
        deferrable=options.get("deferrable"),
        initially=options.get("initially"),
        source_schema=schema,
        referent_schema=normal_schema(fk.get("referred_schema")),
    )


def _indexed(table: Table, item: ReflectedTable, columns: tuple[str, ...]) -> bool:
    """Whether an index of the database or the models starts with ``columns``."""
    width = len(columns)
    found: list[tuple[Any, ...]] = [
        tuple(index.get("column_names") or ())[:width] for index in item.indexes
    ]
    found.append(tuple(item.pk.get("constrained_columns") or ())[:width])
    found.extend(tuple(u["column_names"])[:width] for u in item.uniques)
    found.extend(index_columns(index)[:width] for index in table.indexes)
    found.extend(
        constraint_columns(c)[:width]
        for c in table.constraints
        if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)
    )
    return columns in found


def _model_signature(ctx: CompareContext, constraint: ForeignKeyConstraint) -> tuple[Any, ...]:
    local = constraint_columns(constraint)
    targets = [element.target_fullname.split(".") for element in constraint.elements]
    ref_schema_parts = targets[0][:-2]
    ref_schema = ctx.schema(".".join(ref_schema_parts) or None)
    ref_table = targets[0][-2]
    remote = tuple(parts[-1] for parts in targets)
    return (
        local,
        ref_schema,
        ref_table,
        remote,
        ctx.rules.foreign_key_rule(constraint.ondelete),
        ctx.rules.foreign_key_rule(constraint.onupdate),
        ctx.rules.foreign_key_timing(constraint.deferrable, constraint.initially),
    )


def _reflected_signature(ctx: CompareContext, fk: ReflectedForeignKeyConstraint) -> tuple[Any, ...]:
    options = fk.get("options") or {}
    return (
        tuple(fk["constrained_columns"]),
        ctx.schema(fk.get("referred_schema")),
        fk["referred_table"],
        tuple(fk["referred_columns"]),
        ctx.rules.foreign_key_rule(options.get("ondelete")),
        ctx.rules.foreign_key_rule(options.get("onupdate")),
        ctx.rules.foreign_key_timing(options.get("deferrable"), options.get("initially")),
    )
