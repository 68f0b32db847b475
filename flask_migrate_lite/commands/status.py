"""Views of state the way Django shows them: ``flask db status`` and ``upgrade --plan``.

``status`` lists every revision from the oldest with ``[X]`` (applied) or ``[ ]`` (pending);
``plan`` says which migrations an upgrade or downgrade would run, in order. Neither takes
the migration lock nor changes anything.

Both load the revision files an upgrade (or, for ``plan``, the downgrade) would run, as the
run itself does before it starts, and report each file that does not load in ``broken``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..appstate import AppState, Database, app_state
from ..engine.errors import RevisionNotLoadable
from ..engine.script.atomicity import NON_ATOMIC, uses_autocommit_block
from .advice import flask_advice
from .applied import describe_row, last_applied
from .arguments import check_target
from .running import database_heads, unloadable
from .validate import read_log_rows

if TYPE_CHECKING:
    from ..engine.config import RunOptions
    from ..engine.runtime.plan import Step

__all__ = ["PlanResult", "StatusResult", "StatusRow", "database_status", "plan", "status"]

Directory = str | os.PathLike[str] | None


@dataclass
class StatusRow:
    """One revision and whether the database has it."""

    revision: str
    message: str
    applied: bool
    marks: list[str] = field(default_factory=list)
    #: With ``status -v``: what the applied log says of it.
    detail: str = ""

    def line(self) -> str:
        """``[X] 21fa69deb961 User Model (head)``."""
        box = "[X]" if self.applied else "[ ]"
        marks = f" ({', '.join(self.marks)})" if self.marks else ""
        text = f" {self.message}" if self.message else ""
        detail = f" - {self.detail}" if self.detail else ""
        return f"{box} {self.revision}{text}{marks}{detail}"


@dataclass
class StatusResult:
    """The status of one database."""

    database: str
    rows: list[StatusRow] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    broken: list[RevisionNotLoadable] = field(default_factory=list)
    #: The first line: ``Database: URL``, or ``Target: NAME``.
    heading: str = ""
    #: The command that applies what is pending.
    upgrade_command: str = "flask db upgrade"

    @property
    def pending(self) -> list[StatusRow]:
        """The revisions not applied yet."""
        return [row for row in self.rows if not row.applied]

    def lines(self) -> list[str]:
        """What ``flask db status`` prints for this database."""
        out = [self.heading or f"Database: {self.database}"]
        out.extend(row.line() for row in self.rows)
        for rev_id in self.unknown:
            out.append(f"[?] {rev_id} (in the database, but no revision file has this id)")
        applied = len(self.rows) - len(self.pending)
        if not self.rows:
            out.append(
                "No revisions yet: create one with 'flask db revision' or 'flask db migrate'."
            )
        elif self.pending:
            count = len(self.pending)
            out.append(
                f"{applied} of {len(self.rows)} applied; {count} pending "
                f"migration{'s' if count != 1 else ''}: run '{self.upgrade_command}'."
            )
        else:
            out.append(f"All {len(self.rows)} applied.")
        return out


def _outcome(command: str) -> str:
    return f"'flask db {command}' would stop before running any migration; fix or remove the file"


@flask_advice
def status(
    directory: Directory = None, bind: str | None = None, verbose: bool = False
) -> list[StatusResult]:
    """Every revision, oldest first, marked applied or pending, for each database.

    With ``verbose``, each applied revision also says what the applied log holds of it
    (when, how long, who), or that the log never saw it.

    The files of the pending revisions are loaded: those that do not load are marked
    ``cannot be loaded`` and listed in :attr:`StatusResult.broken`.
    """
    state = app_state(directory)
    multidb = state.multidb
    return [
        database_status(
            state,
            database,
            verbose=verbose,
            bind=database.name if multidb else None,
            heading=f"Database: {database.url}",
        )
        for database in state.target_databases(bind)
    ]


def database_status(
    state: AppState,
    database: Database,
    *,
    verbose: bool,
    heading: str,
    bind: str | None = None,
    options: RunOptions | None = None,
) -> StatusResult:
    """The status of one database (``bind`` its name in a multi-database folder)."""
    scripts = state.scripts
    found = database_heads(state, database, options)
    graph, found = scripts.graph_for(found)
    order = list(reversed(graph.history(None, None)))
    heads = set(graph.heads)
    known = [rev_id for rev_id in found if rev_id in graph]
    applied = graph.ancestors(known)
    result = StatusResult(database.url, unknown=[r for r in found if r not in graph])
    result.heading = heading
    for rev in order:
        marks = []
        if rev.revision in heads:
            marks.append("head")
        if len(rev.down_revisions) > 1:
            marks.append("mergepoint")
        if graph.is_branch_point(rev.revision):
            marks.append("branchpoint")
        if rev.revision in found:
            marks.append("current")
        marks.extend(sorted(rev.branch_labels))
        if _non_atomic(rev.path, "upgrade", bind):
            marks.append(NON_ATOMIC)
        result.rows.append(StatusRow(rev.revision, rev.doc, rev.revision in applied, marks))
    if verbose:
        _details(state, database, result.rows)
    pending = [rev for rev in order if rev.revision not in applied]
    result.broken = unloadable(scripts, pending, True, bind, _outcome("upgrade"))
    failed = {error.revision for error in result.broken}
    for row in result.rows:
        if row.revision in failed:
            row.marks.append("cannot be loaded")
    return result


def _details(state: AppState, database: Database, rows: list[StatusRow]) -> None:
    if state.options.log_table_name is None:
        return
    with database.connect() as connection:
        log = last_applied(read_log_rows(state, connection)[1])
    for row in rows:
        if row.applied:
            found = log.get(row.revision)
            in_log = found is not None and found.direction != "downgrade"
            row.detail = describe_row(found) if found and in_log else "not in the applied log"


@dataclass
class PlanResult:
    """What an upgrade or downgrade would run on one database."""

    database: str
    heads: tuple[str, ...]
    steps: list[Step]
    broken: list[RevisionNotLoadable] = field(default_factory=list)
    #: The revisions among the steps whose migration uses ``autocommit_block()``.
    non_atomic: set[str] = field(default_factory=set)

    def lines(self) -> list[str]:
        """What ``--plan`` prints for this database."""
        out = [f"Database: {self.database} (at {', '.join(self.heads) or 'base'})"]
        if not self.steps:
            out.append("Nothing to do.")
        failed = {error.revision for error in self.broken}
        for step in self.steps:
            marks = [NON_ATOMIC] if step.revision.revision in self.non_atomic else []
            if step.revision.revision in failed:
                marks.append("cannot be loaded")
            out.append(f"Would run {step.describe()}" + (f" ({'; '.join(marks)})" if marks else ""))
        return out


@flask_advice
def plan(
    directory: Directory = None,
    revision: str = "head",
    *,
    upgrade: bool = True,
    bind: str | None = None,
    x_arg: Sequence[str] | None = None,
) -> list[PlanResult]:
    """The migrations ``upgrade``/``downgrade revision`` would run, without running them.

    Their files are loaded, as the run itself does before it starts; those that do not load
    are listed in :attr:`PlanResult.broken`.
    """
    from ..engine.runtime.plan import plan_downgrade, plan_upgrade

    check_target(revision, upgrade=upgrade, sql=False)
    state = app_state(directory, x_arg)
    scripts = state.scripts
    multidb = state.multidb
    outcome = _outcome("upgrade" if upgrade else "downgrade")
    results = []
    for database in state.target_databases(bind):
        found = database_heads(state, database)
        planner = plan_upgrade if upgrade else plan_downgrade
        graph, current = scripts.graph_for(found)
        steps = planner(graph, current, revision)
        broken = unloadable(
            scripts,
            [step.revision for step in steps],
            upgrade,
            database.name if multidb else None,
            outcome,
        )
        direction = "upgrade" if upgrade else "downgrade"
        non_atomic = {
            step.revision.revision
            for step in steps
            if _non_atomic(step.revision.path, direction, database.name if multidb else None)
        }
        results.append(PlanResult(database.url, found, steps, broken, non_atomic))
    return results


def _non_atomic(path: str | None, direction: str, bind: str | None) -> bool:
    """Whether the function a run calls (``upgrade``, or a bind's ``upgrade_<bind>``, as
    the migration context picks it) uses ``autocommit_block()``."""
    if bind is not None and uses_autocommit_block(path, f"{direction}_{bind}"):
        return True
    return not bind and uses_autocommit_block(path, direction)
