"""Views of state the way Django shows them: ``flask db status`` and ``upgrade --plan``.

``status`` lists every revision from the oldest with ``[X]`` (applied) or ``[ ]`` (pending);
``plan`` says which migrations an upgrade or downgrade would run, in order. Neither takes
the migration lock nor changes anything.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from .appstate import app_state
from .engine.runtime.plan import Step

__all__ = ["PlanResult", "StatusResult", "StatusRow", "plan", "status"]

Directory = str | os.PathLike[str] | None


@dataclass
class StatusRow:
    """One revision and whether the database has it."""

    revision: str
    message: str
    applied: bool
    marks: list[str] = field(default_factory=list)

    def line(self) -> str:
        """``[X] 21fa69deb961 User Model (head)``."""
        box = "[X]" if self.applied else "[ ]"
        marks = f" ({', '.join(self.marks)})" if self.marks else ""
        text = f" {self.message}" if self.message else ""
        return f"{box} {self.revision}{text}{marks}"


@dataclass
class StatusResult:
    """The status of one database."""

    database: str
    rows: list[StatusRow] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def pending(self) -> list[StatusRow]:
        """The revisions not applied yet."""
        return [row for row in self.rows if not row.applied]

    def lines(self) -> list[str]:
        """What ``flask db status`` prints for this database."""
        out = [f"Database: {self.database}"]
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
                f"migration{'s' if count != 1 else ''}: run 'flask db upgrade'."
            )
        else:
            out.append(f"All {len(self.rows)} applied.")
        return out


def status(directory: Directory = None, bind: str | None = None) -> list[StatusResult]:
    """Every revision, oldest first, marked applied or pending, for each database."""
    from .commands import _read_heads

    state = app_state(directory)
    graph = state.scripts.graph()
    order = list(reversed(graph.history(None, None)))
    heads = set(graph.heads)
    results = []
    for database in state.target_databases(bind):
        found = _read_heads(state, database)
        known = [rev_id for rev_id in found if rev_id in graph]
        applied = graph.ancestors(known)
        result = StatusResult(database.url, unknown=[r for r in found if r not in graph])
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
            result.rows.append(StatusRow(rev.revision, rev.doc, rev.revision in applied, marks))
        results.append(result)
    return results


@dataclass
class PlanResult:
    """What an upgrade or downgrade would run on one database."""

    database: str
    heads: tuple[str, ...]
    steps: list[Step]

    def lines(self) -> list[str]:
        """What ``--plan`` prints for this database."""
        out = [f"Database: {self.database} (at {', '.join(self.heads) or 'base'})"]
        if not self.steps:
            out.append("Nothing to do.")
        out.extend(f"Would run {step.describe()}" for step in self.steps)
        return out


def plan(
    directory: Directory = None,
    revision: str = "head",
    *,
    upgrade: bool = True,
    bind: str | None = None,
    x_arg: Sequence[str] | None = None,
) -> list[PlanResult]:
    """The migrations ``upgrade``/``downgrade revision`` would run, without running them."""
    from .commands import _read_heads
    from .engine.runtime.plan import plan_downgrade, plan_upgrade

    state = app_state(directory, x_arg)
    graph = state.scripts.graph()
    results = []
    for database in state.target_databases(bind):
        found = _read_heads(state, database)
        planner = plan_upgrade if upgrade else plan_downgrade
        results.append(PlanResult(database.url, found, planner(graph, found, revision)))
    return results
