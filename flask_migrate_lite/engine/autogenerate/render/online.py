"""Online-safe rendering (``Migrate(..., online_safe=True)``): the forms that keep a busy
table writable, on PostgreSQL.

* An index created or dropped on an existing table is written with
  ``postgresql_concurrently=True`` inside ``with op.get_context().autocommit_block():``
  (``CREATE INDEX CONCURRENTLY`` cannot run in a transaction; a plain ``CREATE INDEX``
  blocks every write to the table until it is built).
* A foreign key or a check constraint is added ``NOT VALID`` (``postgresql_not_valid=True``:
  no scan, a short lock), then validated in an autocommit block, where ``VALIDATE
  CONSTRAINT`` scans the table without blocking writes.
* A unique constraint is built as a unique index ``CONCURRENTLY`` in an autocommit block,
  then attached with ``ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name`` (a
  moment's lock); the downgrade drops the constraint, and its index with it. A constraint
  with options (``deferrable``, ...) stays plain.
* ``nullable=False`` on an existing column goes through a ``NOT VALID`` check ``col IS NOT
  NULL``, validated in an autocommit block; ``SET NOT NULL`` then uses the validated check
  instead of scanning the table under its exclusive lock (PostgreSQL 12 and later), and the
  check is dropped.

On MySQL/MariaDB an index on plain columns is added and dropped with ``ALTER TABLE ...
ALGORITHM=INPLACE, LOCK=NONE`` (through ``op.execute``): the server builds it while the table
stays writable, or refuses at once instead of falling back to copying the table under a lock.
Two column changes get the same guarantee through ``mysql_algorithm``/``mysql_lock``:

* a plain column added nullable or with a constant default (no key, index, unique, check
  or computed value): ``mysql_algorithm="INSTANT"`` (MariaDB 10.3.7+, MySQL 8.0.12+; an
  instant change takes no lock to ask about, and MySQL refuses a LOCK clause with it);
* a VARCHAR made longer, nothing else changed, while its length prefix keeps its size
  (at most 63 characters, or from 256 characters on: one and two bytes in every character
  set): ``mysql_algorithm="INPLACE", mysql_lock="NONE"``.

Other column changes (a new type, a VARCHAR growing past the prefix size, NOT NULL) copy
the table on these servers: they stay plain, since ``LOCK=NONE`` would only make them fail.

Changes to a table the same migration creates stay plain (it is empty and nobody uses it
yet), and so does everything on SQLite. A revision written this way is not atomic:
see the migration context.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from ...operations import ops
from ..directives import TableOp

__all__ = ["Chunk", "Item", "online_chunks"]

#: What a chunk holds: table operations, or SQL (``VALIDATE CONSTRAINT``).
Item = TableOp | ops.ExecuteSQLOp
#: Operations in their order: those of an autocommit block (``True``) apart from the others.
Chunk = tuple[bool, list[Item]]

# PostgreSQL's longest name.
_NAME_LENGTH = 63


def online_chunks(table_ops: Sequence[TableOp], dialect: Dialect) -> list[Chunk]:
    """``table_ops`` in runs: those of autocommit blocks, and the rest."""
    chunks: list[Chunk] = []

    def add(in_block: bool, item: Item) -> None:
        if chunks and chunks[-1][0] == in_block:
            chunks[-1][1].append(item)
        else:
            chunks.append((in_block, [item]))

    for op in table_ops:
        if dialect.name == "postgresql" and _has_online_form(op):
            for in_block, item in _online(op, dialect):
                add(in_block, item)
        elif dialect.name in ("mysql", "mariadb") and _mysql_index(op):
            add(False, _mysql_online(op, dialect))
        elif dialect.name in ("mysql", "mariadb"):
            add(False, _mysql_column(op, dialect))
        else:
            add(False, op)
    return chunks


def _mysql_index(op: TableOp) -> bool:
    """An index MySQL/MariaDB can build in place: named, on plain columns, no options."""
    if isinstance(op, ops.CreateIndexOp):
        return bool(op.index_name) and not op.kw and not op.if_not_exists and _plain(op.columns)
    if isinstance(op, ops.DropIndexOp):
        return bool(op.table_name) and not op.kw and not op.if_exists
    return False


def _plain(columns: Sequence[ops.IndexColumn]) -> bool:
    return bool(columns) and all(isinstance(column, str) for column in columns)


def _mysql_online(op: TableOp, dialect: Dialect) -> ops.ExecuteSQLOp:
    quote = dialect.identifier_preparer.quote
    assert isinstance(op, ops.CreateIndexOp | ops.DropIndexOp)
    assert op.table_name is not None and op.index_name is not None  # _mysql_index
    table = f"{quote(op.schema)}.{quote(op.table_name)}" if op.schema else quote(op.table_name)
    if isinstance(op, ops.CreateIndexOp):
        columns = ", ".join(quote(str(column)) for column in op.columns)
        kind = "UNIQUE INDEX" if op.unique else "INDEX"
        change = f"ADD {kind} {quote(op.index_name)} ({columns})"
    else:
        change = f"DROP INDEX {quote(op.index_name)}"
    return ops.ExecuteSQLOp(f"ALTER TABLE {table} {change}, ALGORITHM=INPLACE, LOCK=NONE")


def _mysql_column(op: TableOp, dialect: Dialect) -> TableOp:
    """``op`` with the ALGORITHM/LOCK options of the column changes that run without
    copying the table; any other operation as it is."""
    if isinstance(op, ops.AddColumnOp) and _instant_column(op.column):
        return dataclasses.replace(op, kw={**op.kw, "mysql_algorithm": "INSTANT"})
    if isinstance(op, ops.AlterColumnOp) and _widens_varchar(op, dialect):
        online = {"mysql_algorithm": "INPLACE", "mysql_lock": "NONE"}
        return dataclasses.replace(op, kw={**op.kw, **online})
    return op


_CALL = re.compile(r"\w\s*\(")


def _instant_column(column: sa.Column[Any]) -> bool:
    """A column the server adds by changing the table's definition only."""
    if (
        column.primary_key
        or column.unique
        or column.index
        or column.foreign_keys
        or column.constraints
        or column.computed is not None
        or column.identity is not None
        or column.autoincrement is True
    ):
        return False
    default = column.server_default
    if default is None:
        return bool(column.nullable)
    # A constant only: MySQL adds a column with an expression default by copying the table.
    arg = getattr(default, "arg", None)
    return isinstance(arg, str) or (
        isinstance(arg, sa.sql.elements.TextClause) and not _CALL.search(arg.text)
    )


def _varchar_length(type_: sa.types.TypeEngine[Any] | None, dialect: Dialect) -> int | None:
    if not isinstance(type_, sa.String) or isinstance(type_, sa.Text | sa.Enum):
        return None
    try:
        compiled = type_.compile(dialect)
    except sa.exc.CompileError:
        return None
    found = re.fullmatch(r"VARCHAR\((\d+)\)", compiled)
    return int(found.group(1)) if found else None


def _widens_varchar(op: ops.AlterColumnOp, dialect: Dialect) -> bool:
    """A VARCHAR made longer, and nothing else, within the size of its length prefix."""
    if (
        op.modify_nullable is not None
        or op.modify_server_default is not False
        or op.modify_comment is not False
        or op.modify_name is not None
        or any(key in op.kw for key in ("autoincrement", "mysql_algorithm", "mysql_lock"))
    ):
        return False
    old = _varchar_length(op.existing_type, dialect)
    new = _varchar_length(op.modify_type, dialect)
    if old is None or new is None or new <= old:
        return False
    assert isinstance(op.existing_type, sa.String) and isinstance(op.modify_type, sa.String)
    if op.existing_type.collation != op.modify_type.collation:
        return False
    return new <= 63 or old >= 256


def _has_online_form(op: TableOp) -> bool:
    match op:
        case ops.CreateIndexOp() | ops.DropIndexOp():
            return True
        case ops.CreateForeignKeyOp() | ops.CreateCheckConstraintOp():
            return op.constraint_name is not None
        case ops.CreateUniqueConstraintOp():
            return op.constraint_name is not None and not op.kw and bool(op.columns)
        case ops.AlterColumnOp():
            return _only_sets_not_null(op)
        case _:
            return False


def _only_sets_not_null(op: ops.AlterColumnOp) -> bool:
    return (
        op.modify_nullable is False
        and op.modify_type is None
        and op.modify_server_default is False
        and op.modify_comment is False
        and op.modify_name is None
    )


def _online(op: TableOp, dialect: Dialect) -> list[tuple[bool, Item]]:
    """The online form of ``op`` as (in an autocommit block, item) pairs; empty when it has
    none."""
    if not _has_online_form(op):
        return []
    quote = dialect.identifier_preparer.quote
    match op:
        case ops.CreateIndexOp() | ops.DropIndexOp():
            return [(True, dataclasses.replace(op, kw={**op.kw, "postgresql_concurrently": True}))]
        case ops.CreateForeignKeyOp() | ops.CreateCheckConstraintOp():
            assert op.constraint_name is not None  # _has_online_form
            table, schema = _table(op)
            not_valid = dataclasses.replace(op, kw={**op.kw, "postgresql_not_valid": True})
            return [(False, not_valid), (True, _validate(quote, table, schema, op.constraint_name))]
        case ops.CreateUniqueConstraintOp():
            name = op.constraint_name
            assert name is not None  # _has_online_form
            index = ops.CreateIndexOp(
                name,  # a name marked final (op.f) stays so
                op.table_name,
                tuple(op.columns),
                op.schema,
                unique=True,
                kw={"postgresql_concurrently": True},
            )
            qualified = (
                f"{quote(op.schema)}.{quote(op.table_name)}" if op.schema else quote(op.table_name)
            )
            attach = ops.ExecuteSQLOp(
                f"ALTER TABLE {qualified} ADD CONSTRAINT {quote(name)} "
                f"UNIQUE USING INDEX {quote(name)}"
            )
            return [(True, index), (False, attach)]
        case ops.AlterColumnOp():
            check = _check_name(op.table_name, op.column_name)
            condition = f"{quote(op.column_name)} IS NOT NULL"
            create = ops.CreateCheckConstraintOp(
                check, op.table_name, condition, op.schema, kw={"postgresql_not_valid": True}
            )
            drop = ops.DropConstraintOp(check, op.table_name, "check", op.schema)
            return [
                (False, create),
                (True, _validate(quote, op.table_name, op.schema, check)),
                (False, op),
                (False, drop),
            ]
        case _:
            return []


def _table(op: ops.CreateForeignKeyOp | ops.CreateCheckConstraintOp) -> tuple[str, str | None]:
    if isinstance(op, ops.CreateForeignKeyOp):
        return op.source_table, op.source_schema
    return op.table_name, op.schema


def _validate(
    quote: Callable[[str], str], table: str, schema: str | None, name: str
) -> ops.ExecuteSQLOp:
    qualified = f"{quote(schema)}.{quote(table)}" if schema else quote(table)
    return ops.ExecuteSQLOp(f"ALTER TABLE {qualified} VALIDATE CONSTRAINT {quote(name)}")


def _check_name(table: str, column: str) -> str:
    name = f"ck_{table}_{column}_not_null"
    return name if len(name) <= _NAME_LENGTH else name[: _NAME_LENGTH - 9] + "_not_null"
