"""Columns added or changed in ways that rewrite or fail on a table with rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from ...operations import ops
from ..findings import Finding
from .base import Judge, Rule, online_mysql

__all__ = ["RULES", "judge"]

VOLATILE_DEFAULT = Rule(
    "add-column-volatile-default",
    ("postgresql", "mysql"),
    "A column is added to an existing table with a default computed per row.",
    {
        "postgresql": (
            "ACCESS EXCLUSIVE lock (no reads, no writes) while the whole table is rewritten "
            "to store a value in every row (minutes on a big table); before PostgreSQL 11 "
            "any default does this"
        ),
        "mysql": (
            "the table is copied to store a value in every row, blocking writes for the whole "
            "copy (minutes on a big table)"
        ),
    },
    {
        "*": (
            "add the column without a default (or with a constant one), backfill it in small "
            "batches from the application or later revisions, then set the default for new rows"
        )
    },
)

NOT_NULL_NO_DEFAULT = Rule(
    "add-column-not-null",
    ("postgresql", "mysql", "sqlite"),
    "A NOT NULL column without a default is added to a table that has rows.",
    {
        "postgresql": "fails at once on a table with rows (the existing rows would be NULL)",
        "sqlite": "fails at once on a table with rows (the existing rows would be NULL)",
        "mysql": (
            "the existing rows get the type's zero value ('' or 0) silently, or the statement "
            "fails in strict mode"
        ),
    },
    {
        "*": (
            "add the column nullable (or with a constant server_default), backfill it in "
            "batches, then make it NOT NULL (on PostgreSQL through a validated CHECK, see "
            "set-not-null)"
        )
    },
)

TYPE_REWRITE = Rule(
    "alter-column-type",
    ("postgresql", "mysql"),
    "A column type change that rewrites the whole table.",
    {
        "postgresql": (
            "ACCESS EXCLUSIVE lock (no reads, no writes) while the table and its indexes are "
            "rewritten (minutes on a big table); widening a VARCHAR, VARCHAR to TEXT and "
            "raising a NUMERIC's precision do not rewrite and are not reported"
        ),
        "mysql": (
            "the table is copied with writes blocked for the whole copy (minutes on a big "
            "table); widening a VARCHAR within the same length-prefix size is in place and "
            "not reported"
        ),
    },
    {
        "*": (
            "expand and contract: add a new column of the new type, write both from the "
            "application, backfill in batches, switch reads, then drop the old column in a "
            "later release"
        )
    },
)

RULES = (VOLATILE_DEFAULT, NOT_NULL_NO_DEFAULT, TYPE_REWRITE)

_VOLATILE = re.compile(
    r"\b(random|gen_random_uuid|uuid_generate_v\d\w*|clock_timestamp|timeofday|nextval|"
    r"statement_timestamp|uuid|uuid_short|rand|sysdate)\s*\(",
    re.I,
)


def _default_text(column: sa.Column[Any]) -> str | None:
    default = column.server_default
    if default is None:
        return None
    arg = getattr(default, "arg", default)
    return str(arg)


def _length(type_: TypeEngine[Any]) -> int | None:
    return getattr(type_, "length", None)


def _in_place(old: TypeEngine[Any], new: TypeEngine[Any], database: str, dialect: Dialect) -> bool:
    """Whether changing ``old`` to ``new`` leaves the rows where they are."""
    try:
        if old.compile(dialect) == new.compile(dialect):
            return True
    except sa.exc.CompileError:
        return False
    text_types = (sa.Text, sa.UnicodeText)
    if isinstance(old, sa.String) and not isinstance(old, text_types):
        if isinstance(new, sa.String) and not isinstance(new, text_types):
            old_len, new_len = _length(old), _length(new)
            if database == "postgresql":
                return new_len is None or (old_len is not None and new_len >= old_len)
            if old_len is None or new_len is None or new_len < old_len:
                return False
            # utf8mb4: up to 63 characters fit a one-byte length prefix.
            return (old_len <= 63) == (new_len <= 63)
        return database == "postgresql" and isinstance(new, text_types)
    if isinstance(old, sa.Numeric) and isinstance(new, sa.Numeric) and database == "postgresql":
        if isinstance(old, sa.Float) != isinstance(new, sa.Float):
            return False
        if new.precision is None and new.scale is None:
            return True
        return (
            old.precision is not None
            and new.precision is not None
            and new.precision >= old.precision
            and (old.scale or 0) == (new.scale or 0)
        )
    return False


def judge(judge: Judge, dialect: Dialect) -> Iterator[Finding]:
    """The findings of the column rules in one recorded function."""
    database = judge.database
    version = judge.facts.server_version
    for entry in judge.entries():
        operation = entry.operation
        if isinstance(operation, ops.AddColumnOp):
            table, column = operation.table_name, operation.column
            if not judge.existing(table, operation.schema):
                continue
            default = _default_text(column)
            # Asked in place, the server refuses rather than copy the table.
            in_place = database == "mysql" and online_mysql(operation.kw)
            if database in VOLATILE_DEFAULT.databases and default is not None and not in_place:
                old_pg = database == "postgresql" and version is not None and version < (11,)
                if old_pg or _VOLATILE.search(default):
                    yield judge.finding(
                        VOLATILE_DEFAULT,
                        entry,
                        f"Column '{table}.{column.name}' is added with the default {default}, "
                        "which rewrites every row of the table.",
                    )
            if (
                not column.nullable
                and default is None
                and not column.primary_key
                and judge.busy(table, operation.schema)
            ):
                rows = "has rows" if judge.facts.known else "may have rows"
                yield judge.finding(
                    NOT_NULL_NO_DEFAULT,
                    entry,
                    f"NOT NULL column '{table}.{column.name}' without a server default is "
                    f"added to a table that {rows}.",
                )
        elif isinstance(operation, ops.AlterColumnOp) and operation.modify_type is not None:
            if database not in TYPE_REWRITE.databases:
                continue
            if not judge.existing(operation.table_name, operation.schema):
                continue
            where = f"'{operation.table_name}.{operation.column_name}'"
            old = operation.existing_type
            if old is None:
                yield judge.finding(
                    TYPE_REWRITE,
                    entry,
                    f"The type of {where} changes and its existing_type is not given, so the "
                    "change may rewrite the table; give existing_type to let lint tell.",
                )
            elif not _in_place(old, operation.modify_type, database, dialect):
                change = (
                    f"Changing {where} from {old.compile(dialect)} to "
                    f"{operation.modify_type.compile(dialect)} rewrites the table"
                )
                if database == "mysql" and online_mysql(operation.kw):
                    change += (
                        ", so the server will refuse the ALGORITHM/LOCK asked for and the "
                        "migration will fail"
                    )
                yield judge.finding(TYPE_REWRITE, entry, change + ".")
