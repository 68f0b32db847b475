"""The commands on targets: ``upgrade``, ``downgrade``, ``stamp``, ``current`` and ``status``
with ``--target``, ``--targets`` or ``--all-targets`` (see :mod:`.targets`).

``upgrade``/``downgrade``/``stamp`` run on the targets at once through :func:`.fleet.run_fleet`
and return its :class:`~.fleet.FleetResult`; with ``sql`` they write one script per target
instead. ``current`` and ``status`` read each target in turn.

Re-exported by :mod:`flask_migrate_lite.commands`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from ..appstate import AppState, Database, app_state
from ..engine.errors import UsageError
from .advice import flask_advice
from .arguments import check_target
from .fleet import FleetResult, Notes, TargetOutcome, Work, run_fleet, step_guard
from .fleet_processes import run_in_processes, worker_processes
from .running import (
    Directory,
    Report,
    RunResult,
    database_heads,
    load_steps,
    offline_database,
    offline_graph,
    offline_plan,
    reporter,
    run_database,
    sql_output,
)
from .stamping import check_stamp_arguments, stamp_database, stamp_offline
from .status import StatusResult, database_status
from .targets import Selection, Target, select_targets

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..engine.runtime.plan import Step
    from ..engine.script.graph import RevisionGraph

__all__ = [
    "TargetCheck",
    "TargetCurrent",
    "check_targets",
    "current_targets",
    "move_targets",
    "stamp_targets",
    "status_targets",
]

#: Told of each finished target (and, with None, of the time passing); see run_fleet.
OnEvent = Callable[[FleetResult, TargetOutcome | None], None]


def _prepare(state: AppState) -> RevisionGraph:
    """Read the folder and load every revision file once, before the worker threads start."""
    from ..engine.errors import ScriptError

    scripts = state.scripts
    graph = scripts.graph()
    for rev in graph.history(None, None):
        try:
            scripts.load_module(rev.revision)
        except ScriptError:
            pass  # reported by the run of each target that needs it
    return graph


@flask_advice
def move_targets(
    directory: Directory,
    revision: str,
    selection: Selection,
    *,
    upgrade: bool,
    tag: str | None = None,
    x_arg: Sequence[str] | None = None,
    jobs: int = 1,
    fail_fast: bool = False,
    on_event: OnEvent | None = None,
    report: Report | None = None,
) -> FleetResult:
    """``upgrade`` or ``downgrade`` every selected target to ``revision``, ``jobs`` at once."""
    from ..engine.runtime.plan import plan_downgrade, plan_upgrade

    check_target(revision, upgrade=upgrade, sql=False)
    _check_jobs(jobs)
    state = app_state(directory, x_arg)
    targets = select_targets(state, selection)
    _prepare(state)
    notes = Notes(reporter(report))
    before = None
    if upgrade:
        from .lint import upgrade_lint

        before = _once_per_plan(upgrade_lint(state, notes))
    planner = plan_upgrade if upgrade else plan_downgrade
    options = state.run_options(tag=tag)

    def plan(graph: RevisionGraph, found: tuple[str, ...]) -> list[Step]:
        return planner(graph, found, revision)

    def work(target: Target, stop: Callable[[], bool], outcome: TargetOutcome) -> None:
        if upgrade:
            target = target.writing()
        guard = step_guard(stop)

        def on_step(step: Step) -> None:
            if outcome.before is None:
                outcome.before = step.heads_before
            guard(step)

        result = run_database(
            state,
            target.database,
            target.run_options(options),
            plan,
            direction="upgrade" if upgrade else "downgrade",
            echo=notes,
            run_bind=None,
            label=target.label,
            before=before,
            on_step=on_step,
        )
        outcome.before, outcome.after = result.heads_before, result.heads_after

    return _run(state, targets, work, jobs, fail_fast, on_event, notes)


@flask_advice
def stamp_targets(
    directory: Directory,
    revisions: Sequence[str],
    selection: Selection,
    *,
    purge: bool = False,
    tag: str | None = None,
    jobs: int = 1,
    fail_fast: bool = False,
    on_event: OnEvent | None = None,
    report: Report | None = None,
) -> FleetResult:
    """``stamp`` every selected target at ``revisions``, ``jobs`` at once."""
    names = list(revisions) or ["head"]
    check_stamp_arguments(names, sql=False, purge=purge)
    _check_jobs(jobs)
    state = app_state(directory)
    targets = select_targets(state, selection)
    state.scripts.graph()
    notes = Notes(reporter(report))
    options = state.run_options(tag=tag)

    def work(target: Target, stop: Callable[[], bool], outcome: TargetOutcome) -> None:
        target = target.writing()
        result = stamp_database(
            state, target.database, target.run_options(options), names, purge, notes, target.label
        )
        outcome.before, outcome.after = result.heads_before, result.heads_after

    return _run(state, targets, work, jobs, fail_fast, on_event, notes)


def _run(
    state: AppState,
    targets: Sequence[Target],
    work: Work,
    jobs: int,
    fail_fast: bool,
    on_event: OnEvent | None,
    notes: Notes,
) -> FleetResult:
    """The workers as threads of this process, or spread over one process per core."""
    processes = worker_processes(min(jobs, len(targets)))
    if processes > 1:
        return run_in_processes(
            state,
            targets,
            work,
            jobs=jobs,
            processes=processes,
            fail_fast=fail_fast,
            on_event=on_event,
            notes=notes,
        )
    return run_fleet(state, targets, work, jobs=jobs, fail_fast=fail_fast, on_event=on_event)


Before = Callable[[Database, list["Step"], "Connection | None"], None]


def _once_per_plan(before: Before | None) -> Before | None:
    """The lint before an upgrade, run once for each list of migrations: the targets that
    apply the same revisions share its findings (read on the first of them), and a refusal."""
    if before is None:
        return None
    done: dict[tuple[str, ...], BaseException | None] = {}
    lock = threading.Lock()

    def once(database: Database, steps: list[Step], connection: Connection | None) -> None:
        key = tuple(step.revision.revision for step in steps)
        with lock:
            if key not in done:
                try:
                    before(database, steps, connection)
                except Exception as exc:
                    done[key] = exc
                    raise
                done[key] = None
                return
            found = done[key]
        if found is not None:
            raise found

    return once


def _check_jobs(jobs: int) -> None:
    if jobs < 1:
        raise UsageError(f"-j {jobs} is no number of workers; give 1 or more.")


def _script_header(target: Target, output: TextIO) -> None:
    """What each target's part of a script begins with: its name; for a schema, the
    ``search_path`` its statements run in."""
    output.write(f"-- Target: {target.name}\n\n")
    if target.schema is not None:
        preparer = target.database.engine.dialect.identifier_preparer
        output.write(f"SET search_path TO {preparer.quote_schema(target.schema)};\n\n")


@flask_advice
def offline_targets(
    directory: Directory,
    revision: str,
    selection: Selection,
    *,
    upgrade: bool,
    tag: str | None = None,
    x_arg: Sequence[str] | None = None,
    report: Report | None = None,
) -> list[RunResult]:
    """``upgrade``/``downgrade --sql``: one script for each selected target, one after the
    other on standard output, each headed by ``-- Target: NAME``."""
    check_target(revision, upgrade=upgrade, sql=True)
    state = app_state(directory, x_arg)
    targets = select_targets(state, selection)
    scripts = state.scripts
    start, plan = offline_plan(offline_graph(scripts, revision), revision, upgrade=upgrade)
    load_steps(
        scripts, plan, None, "no SQL was written; fix or remove the file and run the command again"
    )
    options = state.run_options(sql=True, tag=tag)
    echo = Notes(reporter(report))
    results = []
    with sql_output() as output:
        for target in targets:
            _script_header(target, output)
            results.append(
                offline_database(
                    state,
                    target.database,
                    target.run_options(options),
                    plan,
                    start,
                    output,
                    echo,
                    target.label,
                    None,
                )
            )
    return results


@flask_advice
def stamp_offline_targets(
    directory: Directory,
    revisions: Sequence[str],
    selection: Selection,
    *,
    tag: str | None = None,
    report: Report | None = None,
) -> list[RunResult]:
    """``stamp --sql``: the statements for each selected target, one after the other."""
    names = list(revisions) or ["head"]
    given = check_stamp_arguments(names, sql=True, purge=False)
    state = app_state(directory)
    targets = select_targets(state, selection)
    options = state.run_options(sql=True, tag=tag)
    echo = Notes(reporter(report))
    results = []
    with sql_output() as output:
        for target in targets:
            _script_header(target, output)
            results.append(
                stamp_offline(
                    state,
                    target.database,
                    target.run_options(options),
                    given,
                    output,
                    echo,
                    target.label,
                )
            )
    return results


@dataclass
class TargetCurrent:
    """The revisions one target is at (``problem``: why the folder cannot be read for it)."""

    name: str
    heads: tuple[str, ...]
    line: str
    at_head: bool
    problem: str = ""


@flask_advice
def current_targets(directory: Directory, selection: Selection) -> list[TargetCurrent]:
    """The revision(s) each selected target is at, one line each: ``NAME: REV (head)``."""
    from ..engine.errors import MigrateError
    from ..engine.script.formatting import RevisionView
    from .fleet import describe_error

    state = app_state(directory)
    targets = select_targets(state, selection)
    state.scripts.graph()
    options = state.run_options()
    found = []
    for target in targets:
        heads = database_heads(state, target.database, target.run_options(options))
        try:
            squashes, graph = state.scripts.view(heads)
        except MigrateError as exc:
            problem = describe_error(exc, target.name)
            found.append(
                TargetCurrent(target.name, heads, f"{target.name}: {problem}.", False, problem)
            )
            continue
        shown = []
        for rev_id in heads:
            if rev_id in graph:
                shown.append(RevisionView(graph, graph.get(rev_id)).line(branches=True))
            elif rev_id in squashes.aliases:
                shown.append(
                    f"{rev_id} (replaced by the squash revision {squashes.aliases[rev_id]})"
                )
            else:
                shown.append(f"{rev_id} (unknown: no revision file has this id)")
        line = f"{target.name}: {'; '.join(shown) or 'base'}"
        rows = squashes.translate(heads)
        found.append(TargetCurrent(target.name, heads, line, set(rows) == set(graph.heads)))
    return found


@flask_advice
def status_targets(
    directory: Directory, selection: Selection, verbose: bool = False
) -> list[StatusResult]:
    """``status`` of each selected target (each result headed ``Target: NAME``)."""
    from ..engine.errors import CommandError, MigrateError
    from .fleet import describe_error

    state = app_state(directory)
    targets = select_targets(state, selection)
    options = state.run_options()
    results = []
    for target in targets:
        try:
            result = database_status(
                state,
                target.database,
                verbose=verbose,
                options=target.run_options(options),
                heading=f"Target: {target.label}",
            )
        except MigrateError as exc:
            raise CommandError(
                f"Target {target.name}: {describe_error(exc, target.name)}."
            ) from None
        result.upgrade_command = f"flask db upgrade --target {target.name}"
        results.append(result)
    return results


@dataclass
class TargetCheck:
    """What ``check`` found on one target: the changes (empty when in sync), or why it could
    not be compared (a target not at the head revisions)."""

    name: str
    messages: list[str]
    problem: str = ""


@flask_advice
def check_targets(directory: Directory, selection: Selection) -> list[TargetCheck]:
    """Compare the models with each selected target; nothing is written."""
    from ..engine.errors import MigrateError
    from .autogenerate import check_models
    from .fleet import describe_error

    state = app_state(directory)
    found = []
    for target in select_targets(state, selection):
        try:
            result = check_models(state, [target.database])
        except MigrateError as exc:
            found.append(TargetCheck(target.name, [], describe_error(exc, target.name)))
            continue
        found.append(TargetCheck(target.name, result.messages))
    return found
