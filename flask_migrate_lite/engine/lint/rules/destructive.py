"""Tables and columns dropped or renamed while the running release still uses them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from ...operations import ops
from ..findings import Finding
from .base import Judge, Rule, flat

__all__ = ["RULES", "judge"]

_ALL = ("postgresql", "mysql", "sqlite")
_LOCKS = {
    "*": (
        "a brief exclusive lock; the harm is not the lock: the release still running "
        "queries the old name between the migration and its own restart, and fails"
    )
}
_CONTRACT = (
    "expand and contract: first release code that no longer uses it (for SQLAlchemy models, "
    "remove the attribute or mark it deferred), then drop it in a later revision, and "
    "suppress this finding there with the reason"
)
_RENAME = (
    "expand and contract: add the new one, write both and backfill, switch the code to the "
    "new name, then drop the old one in a later release"
)

DROP_TABLE = Rule("drop-table", _ALL, "A table is dropped.", _LOCKS, {"*": _CONTRACT})
DROP_COLUMN = Rule("drop-column", _ALL, "A column is dropped.", _LOCKS, {"*": _CONTRACT})
RENAME_TABLE = Rule("rename-table", _ALL, "A table is renamed.", _LOCKS, {"*": _RENAME})
RENAME_COLUMN = Rule("rename-column", _ALL, "A column is renamed.", _LOCKS, {"*": _RENAME})

RULES = (DROP_TABLE, DROP_COLUMN, RENAME_TABLE, RENAME_COLUMN)


def judge(judge: Judge) -> Iterator[Finding]:
    """The findings of the destructive-change rules.

    In a downgrade they are ``info``: dropping or renaming back what the revision's upgrade
    added is what a downgrade is for, and it runs when the release using those names is
    being rolled back. They are still listed, since the code running at that moment may
    use them; the locks a downgrade takes are judged by the other rules as in an upgrade.
    """
    for finding in _findings(judge):
        if judge.phase == "downgrade":
            finding = dataclasses.replace(finding, severity="info")
        yield finding


def _findings(judge: Judge) -> Iterator[Finding]:
    for entry, operation in flat(judge.entries()):
        if isinstance(operation, ops.DropTableOp):
            if judge.existing(operation.table_name, operation.schema):
                yield judge.finding(
                    DROP_TABLE, entry, f"Table '{operation.table_name}' is dropped."
                )
        elif isinstance(operation, ops.DropColumnOp):
            if judge.existing(operation.table_name, operation.schema):
                yield judge.finding(
                    DROP_COLUMN,
                    entry,
                    f"Column '{operation.table_name}.{operation.column_name}' is dropped.",
                )
        elif isinstance(operation, ops.RenameTableOp):
            if judge.existing(operation.old_table_name, operation.schema):
                yield judge.finding(
                    RENAME_TABLE,
                    entry,
                    f"Table '{operation.old_table_name}' is renamed to "
                    f"'{operation.new_table_name}'.",
                )
        elif isinstance(operation, ops.AlterColumnOp) and operation.modify_name is not None:
            if judge.existing(operation.table_name, operation.schema):
                yield judge.finding(
                    RENAME_COLUMN,
                    entry,
                    f"Column '{operation.table_name}.{operation.column_name}' is renamed to "
                    f"'{operation.modify_name}'.",
                )
