"""Constraints validated against every row while the table is locked (PostgreSQL), and
foreign keys that make MySQL/MariaDB copy the table."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...operations import ops
from ..findings import Finding
from ..recording import Recorded
from .base import Judge, Rule

__all__ = ["RULES", "judge"]

ADD_FOREIGN_KEY = Rule(
    "add-foreign-key",
    ("postgresql", "mysql"),
    "A foreign key is added to an existing table and checked against every row at once.",
    {
        "postgresql": (
            "SHARE ROW EXCLUSIVE lock on both tables: writes to the table and to the table it "
            "references wait while every row is checked (seconds to minutes on a big table)"
        ),
        "mysql": (
            "with foreign_key_checks on (the default) the server can only add the key by "
            "copying the table (ALGORITHM=COPY), writes blocked for the whole copy (minutes on "
            "a big table)"
        ),
    },
    {
        "postgresql": (
            "op.create_foreign_key(..., postgresql_not_valid=True) (takes the locks only for "
            'a moment), then op.execute("ALTER TABLE t VALIDATE CONSTRAINT fk_name") in the '
            "same or a later revision (checks the rows without blocking writes)"
        ),
        "mysql": (
            "check first that no row points nowhere (SELECT ... LEFT JOIN the referenced "
            "table ... WHERE its key IS NULL), then "
            'op.execute("SET SESSION foreign_key_checks = 0"); op.execute("ALTER TABLE t ADD '
            "CONSTRAINT fk_name FOREIGN KEY (col) REFERENCES other (id), ALGORITHM=INPLACE, "
            'LOCK=NONE"); op.execute("SET SESSION foreign_key_checks = 1"): added in place '
            "without a copy, and without checking the rows that are already there"
        ),
    },
)

ADD_CHECK = Rule(
    "add-check-constraint",
    ("postgresql",),
    "A CHECK constraint is added to an existing table and checked against every row at once.",
    {
        "postgresql": (
            "ACCESS EXCLUSIVE lock (no reads, no writes) while every row is checked (seconds "
            "to minutes on a big table)"
        )
    },
    {
        "postgresql": (
            "op.create_check_constraint(..., postgresql_not_valid=True), then "
            'op.execute("ALTER TABLE t VALIDATE CONSTRAINT ck_name") (checks the rows '
            "without blocking writes)"
        )
    },
)

SET_NOT_NULL = Rule(
    "set-not-null",
    ("postgresql",),
    "SET NOT NULL on an existing column scans the whole table under an exclusive lock.",
    {
        "postgresql": (
            "ACCESS EXCLUSIVE lock (no reads, no writes) while every row is scanned (seconds "
            "to minutes on a big table)"
        )
    },
    {
        "postgresql": (
            "PostgreSQL 12 and later skip the scan when a validated CHECK (col IS NOT NULL) "
            "exists: op.create_check_constraint('ck_col_not_null', 't', 'col IS NOT NULL', "
            'postgresql_not_valid=True); op.execute("ALTER TABLE t VALIDATE CONSTRAINT '
            'ck_col_not_null"); op.alter_column("t", "col", nullable=False); then '
            "op.drop_constraint('ck_col_not_null', 't')"
        )
    },
)

RULES = (ADD_FOREIGN_KEY, ADD_CHECK, SET_NOT_NULL)

_ADD_FK = re.compile(r"\bADD\s+(CONSTRAINT\s+\S+\s+)?FOREIGN\s+KEY\b", re.I)
_ADD_CHECK = re.compile(r"\bADD\s+(CONSTRAINT\s+\S+\s+)?CHECK\b", re.I)
_NOT_VALID = re.compile(r"\bNOT\s+VALID\b", re.I)
_IS_NOT_NULL = re.compile(r"^\s*\(?\s*\"?(\w+)\"?\s+IS\s+NOT\s+NULL\s*\)?\s*$", re.I)


def _not_null_checks(judge: Judge, before: Recorded) -> set[tuple[str, str]]:
    """The (table, column) pairs given a validated ``CHECK (col IS NOT NULL)`` before ``before``."""
    checks: dict[str, tuple[str, str]] = {}
    validated: set[tuple[str, str]] = set()
    for entry in judge.entries():
        if entry is before:
            break
        operation = entry.operation
        if isinstance(operation, ops.CreateCheckConstraintOp) and operation.constraint_name:
            found = _IS_NOT_NULL.match(str(operation.condition))
            if found:
                pair = (operation.table_name, found.group(1))
                if operation.kw.get("postgresql_not_valid"):
                    checks[str(operation.constraint_name)] = pair
                else:
                    validated.add(pair)
    for entry, statement in judge.statements():
        if entry is before:
            break
        if statement.validates in checks:
            validated.add(checks[statement.validates])
    return validated


def _mysql_foreign_keys(judge: Judge) -> Iterator[Finding]:
    """Foreign keys added to an existing table on MySQL/MariaDB, unless asked in place."""
    for entry in judge.entries():
        operation = entry.operation
        if isinstance(operation, ops.CreateForeignKeyOp) and judge.existing(
            operation.source_table, operation.source_schema
        ):
            yield judge.finding(
                ADD_FOREIGN_KEY,
                entry,
                f"Foreign key added to existing table '{operation.source_table}' makes the "
                "server copy the table with writes blocked.",
            )
    for entry, statement in judge.statements():
        altered = statement.altered_table
        if (
            altered is not None
            and _ADD_FK.search(statement.text)
            and not statement.online
            and judge.existing(altered)
        ):
            yield judge.finding(
                ADD_FOREIGN_KEY,
                entry,
                f"Foreign key added to existing table '{altered}' without ALGORITHM=INPLACE, "
                "LOCK=NONE makes the server copy the table with writes blocked.",
            )


def judge(judge: Judge) -> Iterator[Finding]:
    """The findings of the constraint rules in one recorded function."""
    if judge.database == "mysql":
        yield from _mysql_foreign_keys(judge)
    if judge.database != "postgresql":
        return
    old = judge.facts.server_version is not None and judge.facts.server_version < (12,)
    for entry in judge.entries():
        operation = entry.operation
        if isinstance(operation, ops.CreateForeignKeyOp):
            if judge.existing(operation.source_table, operation.source_schema) and not (
                operation.kw.get("postgresql_not_valid")
            ):
                yield judge.finding(
                    ADD_FOREIGN_KEY,
                    entry,
                    f"Foreign key added to existing table '{operation.source_table}' without "
                    "NOT VALID checks every row while writes to both tables wait.",
                )
        elif isinstance(operation, ops.CreateCheckConstraintOp):
            if judge.existing(operation.table_name, operation.schema) and not (
                operation.kw.get("postgresql_not_valid")
            ):
                yield judge.finding(
                    ADD_CHECK,
                    entry,
                    f"CHECK constraint added to existing table '{operation.table_name}' "
                    "without NOT VALID checks every row under an exclusive lock.",
                )
        elif isinstance(operation, ops.AlterColumnOp) and operation.modify_nullable is False:
            table, column = operation.table_name, operation.column_name
            if not judge.existing(table, operation.schema):
                continue
            if old:
                yield judge.finding(
                    SET_NOT_NULL,
                    entry,
                    f"SET NOT NULL on '{table}.{column}' scans the table under an exclusive "
                    "lock, and this server (before PostgreSQL 12) cannot use a CHECK to skip it.",
                )
            elif (table, column) not in _not_null_checks(
                judge, entry
            ) and not judge.facts.validated_not_null_check(table, column, operation.schema):
                yield judge.finding(
                    SET_NOT_NULL,
                    entry,
                    f"SET NOT NULL on '{table}.{column}' without a validated CHECK "
                    f"({column} IS NOT NULL) first scans the table under an exclusive lock.",
                )
    for entry, statement in judge.statements():
        altered = statement.altered_table
        if altered is None or not judge.existing(altered) or _NOT_VALID.search(statement.text):
            continue
        if _ADD_FK.search(statement.text):
            yield judge.finding(
                ADD_FOREIGN_KEY,
                entry,
                f"Foreign key added to existing table '{altered}' without NOT VALID checks "
                "every row while writes to both tables wait.",
            )
        elif _ADD_CHECK.search(statement.text):
            yield judge.finding(
                ADD_CHECK,
                entry,
                f"CHECK constraint added to existing table '{altered}' without NOT VALID "
                "checks every row under an exclusive lock.",
            )
