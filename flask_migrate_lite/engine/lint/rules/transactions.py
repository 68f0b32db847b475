"""How a revision's statements share transactions and wait for locks."""

from __future__ import annotations

from collections.abc import Iterator

from ...operations import ops
from ..findings import Finding
from ..recording import AutocommitBlock, BatchRebuild, Recorded
from ..sqltext import read_statement
from .base import Judge, Rule, table_of

__all__ = ["RULES", "judge"]

DDL_WITH_DATA = Rule(
    "ddl-with-data-update",
    ("postgresql", "sqlite"),
    "A data update runs in the same transaction as DDL on an existing table.",
    {
        "postgresql": (
            "the DDL's lock (often ACCESS EXCLUSIVE) is held until the update of every row "
            "commits: the table is blocked for the whole update (minutes on a big table)"
        ),
        "sqlite": "the database's write lock is held for the DDL and the whole update",
    },
    {
        "*": (
            "put the data update in a revision of its own (or in "
            "op.get_context().autocommit_block()), and update big tables in batches of a few "
            "thousand rows"
        )
    },
)

NO_LOCK_TIMEOUT = Rule(
    "no-lock-timeout",
    ("postgresql", "mysql"),
    "DDL on an existing table runs without a lock timeout.",
    {
        "postgresql": (
            "a DDL statement waiting behind a long transaction queues every query that "
            "arrives after it: the table stalls for as long as that transaction runs"
        ),
        "mysql": (
            "a DDL statement waiting for the metadata lock queues every query after it; the "
            "default lock_wait_timeout is one year"
        ),
    },
    {
        "postgresql": (
            "set MIGRATE_DDL_LOCK_TIMEOUT, or op.execute(\"SET lock_timeout = '2s'\") first in "
            "the revision (or ALTER ROLE ... SET lock_timeout for the migration user)"
        ),
        "mysql": (
            'set MIGRATE_DDL_LOCK_TIMEOUT, or op.execute("SET SESSION lock_wait_timeout = 5") '
            "first in the revision"
        ),
    },
)

NON_ATOMIC = Rule(
    "non-atomic",
    ("postgresql", "mysql", "sqlite"),
    "The revision uses autocommit_block(), so it is not applied as one transaction.",
    {"*": ""},
    {
        "*": (
            "keep the block to the statements that need it, and write them so that running "
            "the revision again after a failure is harmless (IF NOT EXISTS)"
        )
    },
    severity="info",
)

NOT_RECORDED = Rule(
    "not-recorded",
    ("postgresql", "mysql", "sqlite"),
    "The revision stopped while it was being recorded; what followed was not judged.",
    {"*": ""},
    {"*": "write data migrations with op.execute() so that they can be recorded"},
    severity="info",
)

RULES = (DDL_WITH_DATA, NO_LOCK_TIMEOUT, NON_ATOMIC, NOT_RECORDED)


def _ddl_on_existing(judge: Judge, entry: Recorded) -> bool:
    operation = entry.operation
    if isinstance(operation, AutocommitBlock | ops.BulkInsertOp | ops.CreateTableOp):
        return False
    if isinstance(operation, ops.ExecuteSQLOp):
        statement = read_statement(operation.sqltext)
        table = statement.index_table or statement.altered_table
        return statement.ddl and (table is None or judge.existing(table))
    if isinstance(operation, BatchRebuild) or not isinstance(operation, ops.ExecuteSQLOp):
        table, schema = table_of(operation)
        return table is not None and judge.existing(table, schema)
    return False


def judge(judge: Judge) -> Iterator[Finding]:
    """The findings of the transaction and lock-wait rules in one recorded function."""
    database = judge.database
    entries = list(judge.entries())
    for entry in entries:
        if isinstance(entry.operation, AutocommitBlock):
            yield judge.finding(
                NON_ATOMIC,
                entry,
                "This revision commits part of its work in autocommit_block(): if it fails "
                "after the block, what the block did stays applied.",
            )
            break
    if judge.recording.error is not None:
        last = entries[-1].line if entries else 0
        yield Finding(
            rule=NOT_RECORDED.id,
            revision=judge.revision,
            path=judge.recording.path,
            line=last,
            phase=judge.phase,
            message=f"The {judge.phase}() stopped while recorded ({judge.recording.error}).",
            locks="",
            recipe=NOT_RECORDED.text(NOT_RECORDED.recipe, database),
            severity="info",
        )
    if DDL_WITH_DATA.applies(database):
        in_tx = [entry for entry in entries if not entry.autocommit]
        ddl = [entry for entry in in_tx if _ddl_on_existing(judge, entry)]
        if ddl:
            for entry in in_tx:
                operation = entry.operation
                if (
                    isinstance(operation, ops.ExecuteSQLOp)
                    and read_statement(operation.sqltext).data
                ):
                    yield judge.finding(
                        DDL_WITH_DATA,
                        entry,
                        f"This data change shares its transaction with DDL on an existing "
                        f"table (line {ddl[0].line}), which stays locked until it commits.",
                    )
    if NO_LOCK_TIMEOUT.applies(database) and judge.phase == "upgrade" and not judge.lock_timeout:
        for entry in entries:
            operation = entry.operation
            if isinstance(operation, ops.ExecuteSQLOp):
                if read_statement(operation.sqltext).sets_lock_timeout:
                    return
            if _ddl_on_existing(judge, entry):
                if judge.facts.lock_timeout_set():
                    return
                yield judge.finding(
                    NO_LOCK_TIMEOUT,
                    entry,
                    "DDL on an existing table runs with no lock timeout set.",
                )
                return
