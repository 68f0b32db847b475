"""What every rule uses: the rule's description, and the judge of one recorded function."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...operations import ops
from ..facts import Facts
from ..findings import Finding, Severity
from ..recording import AutocommitBlock, BatchRebuild, Recorded, Recording
from ..sqltext import Statement, read_statement

__all__ = ["Judge", "Rule", "database_of", "flat", "online_mysql"]


def database_of(dialect_name: str) -> str:
    """The lint's name of a database: ``postgresql``, ``mysql`` (MariaDB too) or ``sqlite``."""
    return "mysql" if dialect_name in ("mysql", "mariadb") else dialect_name


@dataclass(frozen=True)
class Rule:
    """One rule: its id, the databases it applies to, what it locks and the safe recipe.

    ``locks`` and ``recipe`` map a database name to its text (``"*"``: any other).
    """

    id: str
    databases: tuple[str, ...]
    summary: str
    locks: Mapping[str, str]
    recipe: Mapping[str, str]
    severity: Severity = "error"

    def applies(self, database: str) -> bool:
        """Whether the rule judges revisions run on ``database``."""
        return database in self.databases

    def text(self, texts: Mapping[str, str], database: str) -> str:
        return texts.get(database, texts.get("*", ""))


@dataclass
class Judge:
    """One function (``upgrade``/``downgrade``) of one revision, and what is known around it."""

    database: str
    facts: Facts
    revision: str
    phase: str
    recording: Recording
    #: Tables created by the revisions linted so far, this one included: new, so empty.
    created: set[tuple[str | None, str]] = field(default_factory=set)
    #: Whether the migrations run with a lock timeout set for them (the app's setting).
    lock_timeout: bool = False

    def existing(self, table: str | None, schema: str | None = None) -> bool:
        """Whether ``table`` existed before the linted revisions (and was not created by them)."""
        if table is None:
            return False
        if (schema, table) in self.created or (None, table) in self.created:
            return False
        return self.facts.table_exists(table, schema)

    def busy(self, table: str | None, schema: str | None = None) -> bool:
        """Whether ``table`` existed and holds rows (assumed when there is no database)."""
        return (
            table is not None
            and self.existing(table, schema)
            and self.facts.has_rows(table, schema)
        )

    def finding(self, rule: Rule, entry: Recorded, message: str) -> Finding:
        """A finding of ``rule`` at ``entry``'s line."""
        return Finding(
            rule=rule.id,
            revision=self.revision,
            path=self.recording.path,
            line=entry.line,
            phase=self.phase,
            message=message,
            locks=rule.text(rule.locks, self.database),
            recipe=rule.text(rule.recipe, self.database),
            severity=rule.severity,
        )

    def entries(self) -> Iterator[Recorded]:
        """The recorded entries, in order."""
        return iter(self.recording.entries)

    def statements(self) -> Iterator[tuple[Recorded, Statement]]:
        """The ``op.execute()`` entries with what their statement does."""
        for entry in self.recording.entries:
            if isinstance(entry.operation, ops.ExecuteSQLOp):
                yield entry, read_statement(entry.operation.sqltext)


def online_mysql(kw: Mapping[str, Any]) -> bool:
    """Whether ``mysql_algorithm``/``mysql_lock`` ask for a change that blocks no writes:
    ``INSTANT`` (which takes no lock), or ``INPLACE``/``NOCOPY`` with ``LOCK=NONE``. The
    server refuses such a change at once rather than run it another way."""
    algorithm = str(kw.get("mysql_algorithm", "")).upper()
    lock = str(kw.get("mysql_lock", "")).upper()
    return algorithm == "INSTANT" or (algorithm in ("INPLACE", "NOCOPY") and lock == "NONE")


def flat(entries: Iterator[Recorded]) -> Iterator[tuple[Recorded, ops.MigrateOp]]:
    """Each operation, the ones inside a table rebuild included (at the rebuild's line)."""
    for entry in entries:
        operation = entry.operation
        if isinstance(operation, AutocommitBlock):
            continue
        if isinstance(operation, BatchRebuild):
            for inner in operation.operations:
                yield entry, inner
        else:
            yield entry, operation


def table_of(operation: ops.MigrateOp | BatchRebuild) -> tuple[str | None, str | None]:
    """The table an operation changes, and its schema (None for a statement or a new table)."""
    match operation:
        case BatchRebuild():
            return operation.table_name, operation.schema
        case ops.CreateForeignKeyOp():
            return operation.source_table, operation.source_schema
        case ops.RenameTableOp():
            return operation.old_table_name, operation.schema
        case (
            ops.AddColumnOp()
            | ops.DropColumnOp()
            | ops.AlterColumnOp()
            | ops.CreateIndexOp()
            | ops.CreateUniqueConstraintOp()
            | ops.CreateCheckConstraintOp()
            | ops.CreatePrimaryKeyOp()
            | ops.DropTableOp()
            | ops.CreateTableCommentOp()
            | ops.DropTableCommentOp()
        ):
            return operation.table_name, operation.schema
        case ops.DropIndexOp() | ops.DropConstraintOp():
            return operation.table_name, operation.schema
        case _:
            return None, None
