"""Indexes and unique constraints, compared together.

Databases keep a unique constraint as a unique index or the other way round (MySQL has only
unique indexes; PostgreSQL reports the index behind each unique constraint), so a unique
index of the models may be found as a constraint in the database and the other way round;
neither is a change. Indexes the database made itself (for a primary key, a unique
constraint, MySQL's for a foreign key) are not compared.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Index, Table, UniqueConstraint, text
from sqlalchemy.engine.interfaces import ReflectedIndex, ReflectedUniqueConstraint
from sqlalchemy.sql.elements import TextClause, UnaryExpression
from sqlalchemy.sql.functions import FunctionElement

from ...ddl.compare_rules import CompareRules
from ...operations.ops import (
    CreateIndexOp,
    CreateUniqueConstraintOp,
    DropConstraintOp,
    IndexColumn,
)
from ..reflect import ReflectedTable, unreflected_index
from .context import CompareContext, parents
from .found import Found
from .index_shapes import index_shape_changed
from .naming import constraint_columns, constraint_name, drop_name, final_name, looks_user_named

__all__ = [
    "added_index_message",
    "compare_indexes",
    "create_index_op",
    "index_columns",
    "plain_indexes",
    "reflected_index_op",
]


def plain_indexes(
    rules: CompareRules, item: ReflectedTable, declared: frozenset[str] = frozenset()
) -> list[ReflectedIndex]:
    """The table's indexes that are not the database's own for a constraint.

    ``declared`` names the model's indexes: one of those is kept even where the
    database would have made an index of its own (MySQL's index for a foreign key).
    """
    unique_names = {u.get("name") for u in item.uniques if u.get("name")}
    pk_columns = tuple(item.pk.get("constrained_columns") or ())
    result = []
    for index in item.indexes:
        if index.get("duplicates_constraint") or index.get("name") in unique_names:
            continue
        columns = tuple(index.get("column_names") or ())
        if (
            rules.indexes_foreign_keys
            and index.get("name") not in declared
            and any(rules.is_foreign_key_index(index, fk) for fk in item.fks)
        ):
            continue  # the database's index for a foreign key (MySQL's)
        if pk_columns and columns == pk_columns and index.get("unique"):
            continue
        result.append(index)
    return result


def compare_indexes(
    ctx: CompareContext,
    table: Table,
    item: ReflectedTable,
    label: str,
    dropped: set[str],
    unreflected: set[tuple[str | None, str]],
) -> Found:
    """The indexes and unique constraints to create and drop.

    ``dropped`` names the columns the table loses: an unnamed constraint on one of them goes
    with its column (SQLite's batch) and only the downgrade creates it again. ``unreflected``
    holds ``(schema, name)`` of indexes that exist but could not be read (never compared).
    """
    found = Found()
    schema = item.schema
    parent_names = parents(schema, table.name)
    declared = frozenset(str(ix.name) for ix in table.indexes if ix.name)
    theirs_indexes = {
        ix["name"]: ix for ix in plain_indexes(ctx.rules, item, declared) if ix.get("name")
    }
    theirs_uniques = list(item.uniques)
    claimed_uniques: set[int] = set()
    from_indexes: set[int] = set()  # unique indexes the models declare as constraints

    def take_unique(name: str | None, cols: tuple[str, ...]) -> bool:
        for position, unique in enumerate(theirs_uniques):
            if position in claimed_uniques:
                continue
            same_name = name is not None and unique.get("name") == name
            same_cols = tuple(unique["column_names"]) == cols
            if same_name or (same_cols and (name is None or not unique.get("name"))):
                claimed_uniques.add(position)
                return True
            if same_cols and not same_name and name is not None:
                # Named differently by the database (PostgreSQL's book_isbn_key).
                if not looks_user_named(unique.get("name")):
                    claimed_uniques.add(position)
                    return True
        return False

    for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
        if not ctx.name_ok(index.name, "index", parent_names):
            continue
        cols = index_columns(index)
        theirs = theirs_indexes.pop(index.name, None) if index.name else None
        if (schema, index.name) in unreflected:
            # It exists; its expressions are compared where they can be read another way.
            theirs = unreflected_index(ctx.connection, schema, str(index.name))
            if theirs is None:
                continue
        if theirs is None and index.unique and take_unique(index.name, cols):
            continue  # MySQL and others keep a unique index as a unique constraint
        compare_to = None if theirs is None else ctx.reflected_object(item, Index, index.name, cols)
        if not ctx.object_ok(index, index.name, "index", False, compare_to):
            continue
        if theirs is not None:
            same_unique = bool(theirs.get("unique")) == bool(index.unique)
            if same_unique and not index_shape_changed(ctx, index, theirs):
                continue
            found.messages.append(f"Detected changed index '{index.name}' on '{label}'")
            found.drops.append(reflected_index_op(theirs, table.name, schema).reverse())
        else:
            found.messages.append(added_index_message(index))
        found.creates.append(create_index_op(index, table.name, schema))
    for name, theirs in sorted(theirs_indexes.items()):
        if not ctx.name_ok(name, "index", parent_names):
            continue
        column_names = theirs.get("column_names") or ()
        existing = ctx.reflected_object(item, Index, name, column_names)
        if not ctx.object_ok(existing, name, "index", True, None):
            continue
        # A unique index the models declare as a unique constraint.
        if theirs.get("unique") and any(
            isinstance(c, UniqueConstraint) and constraint_columns(c) == tuple(column_names)
            for c in table.constraints
        ):
            from_indexes.add(len(theirs_uniques))
            constraint: ReflectedUniqueConstraint = {
                "name": name,
                "column_names": [str(column) for column in theirs["column_names"]],
            }
            theirs_uniques.append(constraint)
            continue
        found.messages.append(f"Detected removed index '{name}' on '{label}'")
        found.drops.append(reflected_index_op(theirs, table.name, schema).reverse())

    for model_unique in [c for c in table.constraints if isinstance(c, UniqueConstraint)]:
        unique_name = constraint_name(model_unique, ctx.dialect)
        cols = constraint_columns(model_unique)
        if not ctx.name_ok(unique_name, "unique_constraint", parent_names):
            continue
        if take_unique(unique_name, cols):
            continue
        if not ctx.object_ok(model_unique, unique_name, "unique_constraint", False, None):
            continue
        given = unique_name or f"uq_{table.name}_{'_'.join(cols)}"
        found.messages.append(f"Detected added unique constraint '{given}' on '{list(cols)}'")
        final = final_name(model_unique, given, ctx.dialect)
        found.creates.append(CreateUniqueConstraintOp(final, table.name, cols, schema))
    for position, unique in enumerate(theirs_uniques):
        if position in claimed_uniques or position in from_indexes:
            continue
        reflected_name = unique.get("name")
        if not ctx.name_ok(reflected_name, "unique_constraint", parent_names):
            continue
        existing = ctx.reflected_object(
            item, UniqueConstraint, reflected_name, unique["column_names"]
        )
        if not ctx.object_ok(existing, reflected_name, "unique_constraint", True, None):
            continue
        cols = tuple(unique["column_names"])
        found.messages.append(
            f"Detected removed unique constraint '{reflected_name}' on '{list(cols)}'"
        )
        original = CreateUniqueConstraintOp(reflected_name, table.name, cols, schema)
        if not reflected_name and dropped.intersection(cols):
            found.restore.append(original)  # dropped with the column, by SQLite's batch mode
            continue
        drop_as = reflected_name or drop_name(
            found,
            ctx.rules,
            "uq",
            f"uq_{table.name}_{'_'.join(cols)}",
            "unique constraint",
            cols,
            label,
        )
        found.drops.append(DropConstraintOp(drop_as, table.name, "unique", schema, original))
    return found


def index_columns(index: Index) -> tuple[Any, ...]:
    """The names of a model's index's columns (``None`` for an expression)."""
    names: list[Any] = []
    for expression in index.expressions:
        names.append(expression.name if isinstance(expression, Column) else None)
    return tuple(names)


def _index_elements(index: Index) -> tuple[IndexColumn, ...]:
    elements: list[IndexColumn] = []
    for expression in index.expressions:
        if isinstance(expression, Column):
            elements.append(str(expression.name))
        elif isinstance(expression, str):
            elements.append(expression)
        else:
            # Columns unqualified: a database refuses ``table.column`` in an index (SQLite).
            compiled = expression.compile(
                compile_kwargs={"literal_binds": True, "include_table": False}
            )
            # An expression other than a call or a sort order in parentheses, as the
            # databases want it.
            grouped = isinstance(expression, FunctionElement | TextClause | UnaryExpression)
            elements.append(text(str(compiled) if grouped else f"({compiled})"))
    return tuple(elements)


def added_index_message(index: Index) -> str:
    """``Detected added index ...`` for a model's index."""
    elements = [
        element if isinstance(element, str) else element.text
        for element in _index_elements(index)
        if isinstance(element, str | TextClause)
    ]
    return f"Detected added index '{index.name}' on '{elements}'"


def create_index_op(index: Index, table_name: str, schema: str | None) -> CreateIndexOp:
    """``create_index`` for a model's index."""
    return CreateIndexOp(
        index.name if index.name is not None else None,
        table_name,
        _index_elements(index),
        schema,
        bool(index.unique),
        kw=dict(index.dialect_kwargs),
    )


def reflected_index_op(found: ReflectedIndex, table_name: str, schema: str | None) -> CreateIndexOp:
    """``create_index`` that makes a reflected index again (reversed, it drops it)."""
    columns: list[IndexColumn] = []
    expressions = found.get("expressions") or []
    for position, name in enumerate(found.get("column_names") or []):
        if name is None and position < len(expressions):
            columns.append(text(expressions[position]))
        elif name is not None:
            columns.append(str(name))
    # Options the database reports at their defaults (postgresql_include=[]) are left out.
    kw = {
        key: value
        for key, value in (found.get("dialect_options") or {}).items()
        if value is not None and value != [] and value != ()
    }
    return CreateIndexOp(
        found["name"], table_name, tuple(columns), schema, bool(found.get("unique")), kw=kw
    )
