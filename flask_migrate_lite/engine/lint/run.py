"""Linting revisions: record each one, judge it with the rules, apply the suppressions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect

from ..errors import MigrateError
from ..operations import ops
from .facts import Facts, NoFacts
from .findings import Finding
from .recording import Recording, record
from .rules import RULES, Judge, judge_all
from .rules.base import database_of
from .suppress import BAD_SUPPRESSION, read_suppressions

__all__ = ["LintTarget", "RULE_IDS", "check_ignore", "lint"]

#: Every rule id, the suppression rule's included.
RULE_IDS: tuple[str, ...] = (*(rule.id for rule in RULES), BAD_SUPPRESSION.id)


@dataclass(frozen=True)
class LintTarget:
    """One revision to lint: its id, file, and the functions to record (None: none)."""

    revision: str
    path: str
    upgrade: Callable[[], Any] | None
    downgrade: Callable[[], Any] | None = None


def check_ignore(ignore: Collection[str]) -> None:
    """Refuse an ignore list entry that names no rule (``rule`` or ``rule@revision``)."""
    for entry in ignore:
        rule = entry.split("@", 1)[0]
        if rule not in RULE_IDS:
            raise MigrateError(
                f"lint_ignore names '{entry}', which is no lint rule; give a rule id "
                f"({', '.join(RULE_IDS)}), optionally as rule@revision."
            )


def _created(recording: Recording) -> set[tuple[str | None, str]]:
    made: set[tuple[str | None, str]] = set()
    for entry in recording.entries:
        operation = entry.operation
        if isinstance(operation, ops.CreateTableOp):
            made.add((operation.schema, operation.table_name))
        elif isinstance(operation, ops.RenameTableOp):
            made.add((operation.schema, operation.new_table_name))
    return made


def lint(
    targets: Sequence[LintTarget],
    dialect: Dialect,
    facts: Facts | None = None,
    *,
    ignore: Collection[str] = (),
    lock_timeout: bool = False,
    x_args: Mapping[str, str] | None = None,
) -> list[Finding]:
    """The findings of ``targets`` (in the order they would run) on ``dialect``'s database.

    ``facts`` answers questions about the database as it is before the first target
    (:class:`NoFacts` when None); ``ignore`` lists rule ids (or ``rule@revision``) silenced
    by configuration; ``lock_timeout`` says the run sets a lock timeout itself; ``x_args``
    are what the revisions read from ``op.get_context().x_args``.
    """
    check_ignore(ignore)
    facts = facts if facts is not None else NoFacts()
    database = database_of(dialect.name)
    created: set[tuple[str | None, str]] = set()
    findings: list[Finding] = []
    for target in targets:
        try:
            with open(target.path, encoding="utf-8") as handle:
                source = handle.read()
        except OSError:
            source = ""
        suppressions = read_suppressions(source, RULE_IDS)
        found: list[Finding] = list(suppressions.findings(target.revision, target.path))
        for phase, function in (("upgrade", target.upgrade), ("downgrade", target.downgrade)):
            if function is None:
                continue
            recording = record(function, target.path, dialect, x_args or {})
            if phase == "upgrade":
                created |= _created(recording)
            judge = Judge(
                database,
                facts,
                target.revision,
                phase,
                recording,
                created=created,
                lock_timeout=lock_timeout,
            )
            found.extend(judge_all(judge, dialect))
        for finding in found:
            reason = suppressions.reason(finding.rule, finding.line)
            if reason is None and (
                finding.rule in ignore or f"{finding.rule}@{target.revision}" in ignore
            ):
                reason = "lint_ignore"
            if finding.rule == BAD_SUPPRESSION.id:
                reason = None
            findings.append(dataclasses.replace(finding, suppressed=reason))
    return findings
