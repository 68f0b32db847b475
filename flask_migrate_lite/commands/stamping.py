"""``stamp``: set the version table without running migrations, on the database or as SQL.

Re-exported by :mod:`flask_migrate_lite.commands`, with the other commands.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from ..appstate import AppState, Database, app_state
from ..engine.errors import RangeNotAllowed, UsageError
from ..engine.script.ranges import RangeText
from .advice import flask_advice
from .running import (
    Directory,
    Report,
    RunResult,
    check_known,
    database_label,
    migration_context,
    reporter,
    sql_output,
)
from .validate import file_checksums

if TYPE_CHECKING:
    from ..engine.config import RunOptions
    from ..engine.runtime.plan import Step, VersionChange
    from ..engine.script.graph import RevisionGraph

__all__ = ["check_stamp_arguments", "stamp", "stamp_database", "stamp_offline"]


def check_stamp_arguments(targets: list[str], sql: bool, purge: bool) -> list[RangeText]:
    """The revisions given to ``stamp``, refused when they do not suit ``--sql``/``--purge``."""
    if sql and purge:
        raise UsageError(
            "stamp --purge empties the version table it reads from the database, so it "
            "cannot be combined with --sql; leave out one of them."
        )
    given = [RangeText.parse(name) for name in targets]
    if not sql:
        for name, value in zip(targets, given, strict=True):
            if value.is_range:
                raise RangeNotAllowed(
                    name,
                    "stamp takes revisions, not a range (a range start:end is for --sql, "
                    "which does not read the database); run 'flask db stamp "
                    f"{value.end or 'head'}'",
                )
    return given


@flask_advice
def stamp(
    directory: Directory = None,
    revision: str | Sequence[str] = "head",
    sql: bool = False,
    tag: str | None = None,
    purge: bool = False,
    *,
    report: Report | None = None,
    bind: str | None = None,
) -> list[RunResult]:
    """Set the version table to ``revision`` without running any migration.

    With ``sql`` the statements are written to standard output instead; a revision may then
    be ``start:end`` to write the changes from ``start`` (which must be the same for every
    revision) rather than from an empty version table.
    """
    targets = [revision] if isinstance(revision, str) else list(revision) or ["head"]
    given = check_stamp_arguments(targets, sql, purge)
    state = app_state(directory)
    options = state.run_options(sql=sql, tag=tag)
    echo = reporter(report)
    multidb = state.multidb
    results = []
    with sql_output() if sql else contextlib.nullcontext(sys.stdout) as output:
        for database in state.target_databases(bind):
            label = database_label(database, multidb)
            if sql:
                results.append(
                    stamp_offline(
                        state, database, options, given, output, echo, label, multidb=multidb
                    )
                )
            else:
                results.append(
                    stamp_database(state, database, options, targets, purge, echo, label)
                )
    return results


def stamp_database(
    state: AppState,
    database: Database,
    options: RunOptions,
    targets: list[str],
    purge: bool,
    echo: Report,
    label: str,
) -> RunResult:
    """Stamp one database at ``targets``, under its migration lock."""
    from ..engine.runtime.plan import plan_stamp, with_rows
    from ..engine.runtime.version import heads_after

    scripts = state.scripts
    graph = scripts.graph()
    result = RunResult(database=database.url)
    with migration_context(database, options, echo, label=label) as context:

        def plan(found: tuple[str, ...]) -> list[VersionChange]:
            result.heads_before = found
            # In the graph as this database sees it (a squash or the revisions it replaces).
            view, seen = scripts.view(() if purge else found)
            current = found if purge else view.translate(found)
            if not purge:
                check_known(seen, current, database, state)
            steps = plan_stamp(seen, current, targets, purge)
            if not view.aliases:
                return steps
            moved = with_rows([_stamp_step(steps)], found, view.aliases)
            return list(moved[0].changes)

        changes = context.stamp(plan, checksum=file_checksums(graph))
        result.heads_after = heads_after(result.heads_before, changes)
    echo(
        f"Stamped {database.url} at {', '.join(result.heads_after) or 'base'}"
        + (" (no change)" if not changes else "")
        + "."
    )
    return result


def stamp_offline(
    state: AppState,
    database: Database,
    options: RunOptions,
    given: list[RangeText],
    output: TextIO,
    echo: Report,
    label: str,
    *,
    multidb: bool = False,
) -> RunResult:
    """Write the statements of a stamp of one database to ``output``."""
    from ..engine.runtime.version import heads_after

    graph = state.scripts.graph()
    start, ends = _stamp_range(graph, given)
    bind = database.name if multidb else None
    with migration_context(
        database, options, echo, label=label, bind=bind, output=output
    ) as context:
        changes = context.stamp(
            functools.partial(_plan_stamp_offline, graph, ends),
            offline_heads=start,
            checksum=file_checksums(graph),
        )
    return RunResult(database.url, [], start, heads_after(start, changes))


def _stamp_step(changes: list[VersionChange]) -> Step:
    """Stamp changes as one step, so that :func:`with_rows` can name the rows they touch."""
    from ..engine.runtime.plan import Step as PlanStep
    from ..engine.script.graph import Revision as PlanRevision

    return PlanStep(PlanRevision("stamp"), True, tuple(changes), (), ())


def _plan_stamp_offline(
    graph: RevisionGraph, ends: list[str], found: tuple[str, ...]
) -> list[VersionChange]:
    from ..engine.runtime.plan import plan_stamp

    return plan_stamp(graph, found, ends, purge=False)


def _stamp_range(
    graph: RevisionGraph, targets: list[RangeText]
) -> tuple[tuple[str, ...], list[str]]:
    """Split offline stamp targets ``start:end`` into the start heads and the ends."""
    starts = {value.start or "" for value in targets if value.is_range}
    if len(starts) > 1:
        raise UsageError(
            f"stamp --sql writes the changes from one starting revision, but several are "
            f"given ({', '.join(sorted(starts))}); run it once per starting revision."
        )
    start = graph.resolve(starts.pop() or "base") if starts else ()
    return tuple(start), [value.end or "head" for value in targets]
