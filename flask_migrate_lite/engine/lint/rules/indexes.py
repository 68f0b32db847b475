"""Indexes and unique constraints built on an existing table while it is locked."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...operations import ops
from ..findings import Finding
from .base import Judge, Rule, online_mysql

__all__ = ["RULES", "judge"]

CREATE_INDEX = Rule(
    "create-index",
    ("postgresql", "mysql"),
    "An index is built on an existing table in a way that blocks writes to it.",
    {
        "postgresql": (
            "SHARE lock on the table: every INSERT, UPDATE and DELETE waits until the index is "
            "built (seconds per million rows, minutes on a big table)"
        ),
        "mysql": (
            "without ALGORITHM=INPLACE, LOCK=NONE the server may pick a copying or locking "
            "build and block writes for the whole build (minutes on a big table)"
        ),
    },
    {
        "postgresql": (
            "with op.get_context().autocommit_block(): op.create_index(..., "
            "postgresql_concurrently=True) (and drop it with postgresql_concurrently=True "
            "in the downgrade)"
        ),
        "mysql": (
            'op.create_index("ix_name", "t", ["col"], mysql_algorithm="INPLACE", '
            'mysql_lock="NONE") (or op.execute("ALTER TABLE t ADD INDEX ix_name (col), '
            'ALGORITHM=INPLACE, LOCK=NONE")): the statement fails rather than lock when the '
            "server cannot build it online"
        ),
    },
)

ADD_UNIQUE = Rule(
    "add-unique-constraint",
    ("postgresql", "mysql"),
    "A unique constraint is added to an existing table, building its index under a lock.",
    {
        "postgresql": (
            "ACCESS EXCLUSIVE lock (no reads, no writes) while the unique index is built: "
            "seconds to minutes on a big table"
        ),
        "mysql": "writes blocked while the unique index is built (minutes on a big table)",
    },
    {
        "postgresql": (
            "build the index first, with op.get_context().autocommit_block(): "
            "op.create_index('uq_name', 't', ['col'], unique=True, postgresql_concurrently=True), "
            'then op.execute("ALTER TABLE t ADD CONSTRAINT uq_name UNIQUE USING INDEX uq_name")'
        ),
        "mysql": (
            'op.execute("ALTER TABLE t ADD UNIQUE INDEX uq_name (col), ALGORITHM=INPLACE, '
            'LOCK=NONE")'
        ),
    },
)

RULES = (CREATE_INDEX, ADD_UNIQUE)

_ADD_INDEX = re.compile(r"\bADD\s+(UNIQUE\s+)?(INDEX|KEY)\b", re.I)
# PostgreSQL: a unique constraint that builds its own index (not ``UNIQUE USING INDEX``).
_ADD_UNIQUE = re.compile(r"\bADD\s+(CONSTRAINT\s+\S+\s+)?UNIQUE\s*(NULLS\b.*)?\(", re.I | re.S)


def judge(judge: Judge) -> Iterator[Finding]:
    """The findings of the index rules in one recorded function."""
    database = judge.database
    for entry in judge.entries():
        operation = entry.operation
        if isinstance(operation, ops.CreateIndexOp):
            if not judge.existing(operation.table_name, operation.schema):
                continue
            if database == "postgresql":
                concurrently = bool(operation.kw.get("postgresql_concurrently"))
                if not concurrently:
                    yield judge.finding(
                        CREATE_INDEX,
                        entry,
                        f"CREATE INDEX on existing table '{operation.table_name}' without "
                        "CONCURRENTLY blocks writes to it while the index is built.",
                    )
                elif not entry.autocommit:
                    yield judge.finding(
                        CREATE_INDEX,
                        entry,
                        "CREATE INDEX CONCURRENTLY cannot run inside the migration's "
                        "transaction; put it in op.get_context().autocommit_block().",
                    )
            elif database == "mysql" and not online_mysql(operation.kw):
                yield judge.finding(
                    CREATE_INDEX,
                    entry,
                    f"CREATE INDEX on existing table '{operation.table_name}' without "
                    "ALGORITHM=INPLACE, LOCK=NONE may block writes while it is built.",
                )
        elif isinstance(operation, ops.CreateUniqueConstraintOp):
            if judge.existing(operation.table_name, operation.schema):
                yield judge.finding(
                    ADD_UNIQUE,
                    entry,
                    f"Adding a unique constraint to existing table '{operation.table_name}' "
                    "builds its index while the table is locked.",
                )
    for entry, statement in judge.statements():
        if statement.index_table is not None and judge.existing(statement.index_table):
            table = statement.index_table
            if database == "postgresql" and not statement.concurrent:
                yield judge.finding(
                    CREATE_INDEX,
                    entry,
                    f"CREATE INDEX on existing table '{table}' without CONCURRENTLY blocks "
                    "writes to it while the index is built.",
                )
            elif database == "postgresql" and not entry.autocommit:
                yield judge.finding(
                    CREATE_INDEX,
                    entry,
                    "CREATE INDEX CONCURRENTLY cannot run inside the migration's "
                    "transaction; put it in op.get_context().autocommit_block().",
                )
            elif database == "mysql" and not statement.online:
                yield judge.finding(
                    CREATE_INDEX,
                    entry,
                    f"CREATE INDEX on existing table '{table}' without ALGORITHM=INPLACE, "
                    "LOCK=NONE may block writes while it is built.",
                )
        elif (
            database == "postgresql"
            and statement.altered_table is not None
            and _ADD_UNIQUE.search(statement.text)
            and judge.existing(statement.altered_table)
        ):
            yield judge.finding(
                ADD_UNIQUE,
                entry,
                f"Adding a unique constraint to existing table '{statement.altered_table}' "
                "builds its index while the table is locked.",
            )
        elif (
            database == "mysql"
            and statement.altered_table is not None
            and _ADD_INDEX.search(statement.text)
            and not statement.online
            and judge.existing(statement.altered_table)
        ):
            yield judge.finding(
                CREATE_INDEX,
                entry,
                f"ALTER TABLE {statement.altered_table} ADD INDEX without ALGORITHM=INPLACE, "
                "LOCK=NONE may block writes while it is built.",
            )
