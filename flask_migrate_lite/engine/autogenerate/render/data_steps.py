"""The directives that keep data, as Python: fills of existing rows and sequence renames.

A fill is one ``op.execute("UPDATE ...")``; a fill in batches reads the key's range with
``op.get_bind()`` and updates one slice of it per statement. SQL text goes through
``op.execute``, which reads ``:name`` as a bound parameter, so colons that could be read so
are escaped.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from ..data_steps import (
    FillRowsOp,
    RenameIndexOp,
    RenamePrimaryKeyOp,
    RenameSequenceOp,
    RenameValuesOp,
)
from .context import RenderContext
from .layout import STEP, call, layout, list_node, literals, name_arg

__all__ = [
    "fill_rows_lines",
    "rename_index_lines",
    "rename_primary_key_lines",
    "rename_sequence_lines",
    "rename_values_lines",
    "sql_for_execute",
]

_BIND = re.compile(r"(?<![:\w\\]):(?=\w)")


def sql_for_execute(sql: str) -> str:
    """``sql`` with each colon that ``op.execute`` would read as a parameter escaped."""
    return _BIND.sub(r"\\:", sql)


def _table(context: RenderContext, table: str, schema: str | None) -> str:
    preparer = context.dialect.identifier_preparer
    name = preparer.quote(table)
    return f"{preparer.quote_schema(schema)}.{name}" if schema else name


def rename_values_lines(
    op: RenameValuesOp, context: RenderContext, indent: int = STEP
) -> list[str]:
    """One ``UPDATE`` per renamed enum value."""
    preparer = context.dialect.identifier_preparer
    table = _table(context, op.table_name, op.schema)
    column = preparer.quote(op.column_name)
    lines: list[str] = []
    for old, new in op.renamed:
        update = sql_for_execute(
            f"UPDATE {table} SET {column} = {_quoted(new)} WHERE {column} = {_quoted(old)}"
        )
        lines += layout(call("op.execute", [repr(update)]), indent)
    return lines


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def fill_rows_lines(op: FillRowsOp, context: RenderContext, indent: int = STEP) -> list[str]:
    """The statements of a fill (none for its reverse)."""
    if op.undo:
        return []
    pad = " " * indent
    preparer = context.dialect.identifier_preparer
    table = _table(context, op.table_name, op.schema)
    column = preparer.quote(op.column_name)
    update = sql_for_execute(f"UPDATE {table} SET {column} = {op.value} WHERE {column} IS NULL")
    if op.key is None or not op.batch_rows:
        return layout(call("op.execute", [repr(update)]), indent)
    key = preparer.quote(op.key)
    step = op.batch_rows
    bounds = f"SELECT MIN({key}), MAX({key}) FROM {table}"
    piece = f" AND {key} >= {{start}} AND {key} < {{start + {step}}}"
    return [
        f"{pad}# {op.table_name}.{op.column_name}: {step} key values per UPDATE",
        f"{pad}fill = {update!r}",
        f"{pad}low, high = op.get_bind().execute(sa.text({bounds!r})).one()",
        f"{pad}for start in range(low or 0, (high or -1) + 1, {step}):",
        *layout(
            call("op.execute", ["fill + f" + repr(sql_for_execute(piece))]),
            indent + STEP,
        ),
    ]


def rename_sequence_lines(op: RenameSequenceOp, indent: int = STEP) -> list[str]:
    """``ALTER SEQUENCE ... RENAME TO ...`` (PostgreSQL)."""
    preparer = sa.dialects.registry.load("postgresql")().identifier_preparer
    old = preparer.quote(op.old_name)
    if op.schema:
        old = f"{preparer.quote_schema(op.schema)}.{old}"
    sql = f"ALTER SEQUENCE {old} RENAME TO {preparer.quote(op.new_name)}"
    return layout(call("op.execute", [repr(sql_for_execute(sql))]), indent)


def rename_index_lines(op: RenameIndexOp, context: RenderContext, indent: int = STEP) -> list[str]:
    """The index renamed where the database can rename one, else dropped and made again."""
    preparer = context.dialect.identifier_preparer
    old, new = preparer.quote(str(op.old_name)), preparer.quote(str(op.new_name))
    if context.dialect_name == "postgresql":
        if op.schema:
            old = f"{preparer.quote_schema(op.schema)}.{old}"
        sql = f"ALTER INDEX {old} RENAME TO {new}"
    elif context.dialect_name in ("mysql", "mariadb"):
        table = _table(context, op.table_name, op.schema)
        sql = f"ALTER TABLE {table} RENAME INDEX {old} TO {new}"
    else:
        where = literals(table_name=op.table_name, schema=op.schema)
        drop = call("op.drop_index", [name_arg(op.old_name, "op")], where)
        create = call(
            "op.create_index",
            [name_arg(op.new_name, "op"), repr(op.table_name), list_node(map(repr, op.columns))],
            [("unique", repr(op.unique)), *literals(schema=op.schema)],
        )
        return layout(drop, indent) + layout(create, indent)
    return layout(call("op.execute", [repr(sql_for_execute(sql))]), indent)


def rename_primary_key_lines(
    op: RenamePrimaryKeyOp, context: RenderContext, indent: int = STEP
) -> list[str]:
    """``ALTER TABLE ... RENAME CONSTRAINT`` on PostgreSQL; nothing elsewhere."""
    if context.dialect_name != "postgresql":
        return []
    preparer = context.dialect.identifier_preparer
    table = _table(context, op.table_name, op.schema)
    old, new = preparer.quote(op.old_name), preparer.quote(op.new_name)
    sql = f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}"
    return layout(call("op.execute", [repr(sql_for_execute(sql))]), indent)
