"""Running migrations: ``upgrade``, ``downgrade`` and ``stamp``, on the database or as SQL.

Before the first migration of a run is applied (or its first SQL line written), every
revision file the run needs is loaded and checked for the function the run calls, so that a
file that does not compile, raises while it loads, or lacks ``upgrade()``/``downgrade()``
stops the run with nothing applied rather than halfway through it.

The functions are re-exported by :mod:`flask_migrate_lite.commands`, with the other commands.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from ..appstate import AppState, Database, app_state
from ..engine.errors import (
    CommandError,
    RevisionNotLoadable,
    ScriptError,
)
from ..engine.script.ranges import RangeText
from .advice import flask_advice
from .arguments import check_target
from .validate import validate_before_upgrade

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..engine.config import RunOptions
    from ..engine.errors import TargetNotUpToDate
    from ..engine.runtime.context import MigrationContext
    from ..engine.runtime.plan import Step
    from ..engine.script.directory import ScriptDirectory
    from ..engine.script.graph import Revision, RevisionGraph

__all__ = ["Report", "RunResult", "downgrade", "upgrade"]

Report = Callable[[str], None]
Directory = str | os.PathLike[str] | None

logger = logging.getLogger("flask_migrate_lite")


@contextlib.contextmanager
def sql_output() -> Iterator[TextIO]:
    """Standard output for a SQL script: UTF-8 with bare line feeds whatever the locale or
    platform, since the script's bytes go to a database client, not to a terminal."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a stream without bytes underneath (replaced by the caller)
        yield sys.stdout
        return
    sys.stdout.flush()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="\n", write_through=True)
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()  # leaves sys.stdout's buffer open


def reporter(report: Report | None) -> Report:
    """Where progress lines go: ``report``, else the ``flask_migrate_lite`` logger."""
    return report if report is not None else logger.info


@dataclass
class RunResult:
    """What ``upgrade``/``downgrade``/``stamp`` did, per database."""

    database: str
    steps: list[Step] = field(default_factory=list)
    heads_before: tuple[str, ...] = ()
    heads_after: tuple[str, ...] = ()


def check_known(
    graph: RevisionGraph, found: tuple[str, ...], database: Database, state: AppState
) -> None:
    """Refuse to plan from a version table naming revisions the folder does not have."""
    from ..engine.errors import UnknownDatabaseRevision

    unknown = [rev_id for rev_id in found if rev_id not in graph]
    if unknown:
        raise UnknownDatabaseRevision(database.url, unknown, state.directory)


def planned(
    state: AppState,
    database: Database,
    planner: Callable[[RevisionGraph, tuple[str, ...]], list[Step]],
    found: tuple[str, ...],
) -> list[Step]:
    """The steps ``planner`` makes for a database at ``found``, in the graph as that
    database sees it (squash revisions or the revisions they replace: see
    :mod:`~flask_migrate_lite.engine.script.squashes`)."""
    from ..engine.runtime.plan import with_rows

    view, graph = state.scripts.view(found)
    current = view.translate(found)
    check_known(graph, current, database, state)
    return with_rows(planner(graph, current), found, view.aliases)


def database_label(database: Database, multidb: bool) -> str:
    """The database in messages: its URL, and the bind name in multi-database projects."""
    if not multidb:
        return database.url
    return f"{database.url} ({'bind ' + repr(database.name) if database.name else 'default'})"


def database_heads(
    state: AppState, database: Database, options: RunOptions | None = None
) -> tuple[str, ...]:
    """The revisions the database is at (its version table's rows), read without the lock.

    ``options`` name the version table (default: the run's options).
    """
    from ..engine.runtime.version import read_heads, version_table

    options = options or state.run_options()
    table = version_table(options.version_table, options.version_table_schema)
    with database.connect() as connection:
        return read_heads(connection, table)


def not_up_to_date(
    graph: RevisionGraph, found: Sequence[str], database: str | None = None
) -> TargetNotUpToDate | None:
    """The error saying what is pending, when a database at ``found`` is not at the heads.

    ``database`` names the database in the message (a bind of a multi-database project).
    """
    from ..engine.errors import TargetNotUpToDate
    from ..engine.runtime.plan import pending_revisions

    if set(found) == set(graph.heads):
        return None
    known = all(rev_id in graph for rev_id in found)
    pending = pending_revisions(graph, found) if known else []
    return TargetNotUpToDate(pending, found, graph.heads, database)


# --- what the command line may ask ---------------------------------------------------------


# --- loading the files a run needs ---------------------------------------------------------


def _require_function(
    module: types.ModuleType, rev: Revision, is_upgrade: bool, bind: str | None
) -> None:
    """Raise :class:`ScriptError` when the module lacks the function a run will call.

    The same rule as when the migration runs: a named bind of a multi-database folder calls
    ``upgrade_<bind>()`` when the file has it (and nothing otherwise); the default database
    calls ``upgrade_()`` or ``upgrade()``; a single database, ``upgrade()``.
    """
    name = "upgrade" if is_upgrade else "downgrade"
    if bind is not None and (callable(getattr(module, f"{name}_{bind}", None)) or bind):
        return
    if not callable(getattr(module, name, None)):
        raise ScriptError(rev.path or rev.revision, f"it has no {name}() function")


def unloadable(
    scripts: ScriptDirectory,
    revisions: Iterable[Revision],
    is_upgrade: bool,
    bind: str | None,
    outcome: str,
) -> list[RevisionNotLoadable]:
    """Load each revision's file (once) and check its function; the files that fail.

    Loaded modules stay cached in ``scripts``, so a run that follows does not load them
    again. ``outcome`` says, in each error, what the failure means for the command.
    """
    failed = []
    for rev in revisions:
        try:
            _require_function(scripts.load_module(rev.revision), rev, is_upgrade, bind)
        except ScriptError as exc:
            error = RevisionNotLoadable(exc, outcome, rev.revision)
            error.__cause__ = exc
            failed.append(error)
    return failed


def load_steps(
    scripts: ScriptDirectory, steps: Sequence[Step], bind: str | None, outcome: str
) -> None:
    """Load the file of every step before any runs; raise :class:`RevisionNotLoadable`
    for the first that fails."""
    for step in steps:
        failed = unloadable(scripts, [step.revision], step.is_upgrade, bind, outcome)
        if failed:
            raise failed[0]


def _nothing_applied(heads: Sequence[str]) -> str:
    return (
        f"no migration was run and the database is still at {', '.join(heads) or 'base'}; "
        "fix or remove the file and run the command again"
    )


# --- running on the database ---------------------------------------------------------------


@contextlib.contextmanager
def migration_context(
    database: Database,
    options: RunOptions,
    echo: Report,
    *,
    label: str,
    bind: str | None = None,
    output: TextIO | None = None,
) -> Iterator[MigrationContext]:
    """The migration context of one database of a run, announced on ``echo`` as ``label``.

    With ``output`` the run is offline: the SQL goes there and nothing connects. Otherwise
    the context runs on a connection, closed when the block ends. ``bind`` is the name of
    the database in a multi-database folder (the files' per-database functions), else None.
    """
    from ..engine.runtime.context import MigrationContext

    if output is not None:
        echo(f"Offline SQL for {label} ({database.engine.dialect.name})")
        yield MigrationContext(
            None,
            options,
            dialect=database.engine.dialect,
            output=output,
            url=database.url,
            bind=bind,
        )
        return
    with database.connect() as connection:
        context = MigrationContext(connection, options, url=database.url, bind=bind)
        echo(f"Database: {label}")
        yield context


def _run(
    state: AppState,
    planner: Callable[[RevisionGraph, tuple[str, ...]], list[Step]],
    *,
    direction: str,
    tag: str | None,
    report: Report | None,
    bind: str | None = None,
    before: Callable[[Database, list[Step], Connection | None], None] | None = None,
) -> list[RunResult]:
    scripts = state.scripts
    scripts.graph()  # a folder that cannot be read is reported before any database
    options = state.run_options(tag=tag)
    echo = reporter(report)
    results = []
    multidb = state.multidb
    databases = state.target_databases(bind)
    if len(databases) > 1:
        # A file only a later database needs must not stop the run after the first one
        # was migrated: plan every database first (without the lock) and load those files.
        for database in databases:
            found = database_heads(state, database)
            load_steps(
                scripts,
                planned(state, database, planner, found),
                database.name,
                "no migration was run on any database; fix or remove the file and run the "
                "command again",
            )
    for database in databases:
        results.append(
            run_database(
                state,
                database,
                options,
                planner,
                direction=direction,
                echo=echo,
                run_bind=database.name if multidb else None,
                label=database_label(database, multidb),
                before=before,
            )
        )
    return results


def run_database(
    state: AppState,
    database: Database,
    options: RunOptions,
    planner: Callable[[RevisionGraph, tuple[str, ...]], list[Step]],
    *,
    direction: str,
    echo: Report,
    run_bind: str | None,
    label: str,
    before: Callable[[Database, list[Step], Connection | None], None] | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> RunResult:
    """Run an upgrade or downgrade on one database, under its migration lock.

    ``on_step`` is told of each step before it runs (default: a ``Running ...`` line on
    ``echo``); it may raise to stop the run there, the steps before it staying applied.
    """
    scripts = state.scripts
    result = RunResult(database=database.url)
    with migration_context(database, options, echo, label=label, bind=run_bind) as context:

        def plan(found: tuple[str, ...]) -> list[Step]:
            result.heads_before = found
            if direction == "upgrade":  # under the lock, with the rows read there
                validate_before_upgrade(state, context, database, found, echo)
            steps = planned(state, database, planner, found)
            load_steps(scripts, steps, run_bind, _nothing_applied(found))
            if before is not None and steps:
                before(database, steps, context.connection)
            return steps

        def announce(step: Step) -> None:
            echo(f"Running {step.describe()}")

        result.steps = context.run(
            plan, lambda rev: scripts.load_module(rev.revision), on_step or announce
        )
        # What the run committed under the lock: no second read that a dropped
        # connection could turn into an error after the work is done.
        result.heads_after = result.steps[-1].heads_after if result.steps else result.heads_before
    if not result.steps:
        echo(
            f"Nothing to {direction}: the database is at {', '.join(result.heads_after) or 'base'}."
        )
    return result


@flask_advice
def upgrade(
    directory: Directory = None,
    revision: str = "head",
    sql: bool = False,
    tag: str | None = None,
    x_arg: Sequence[str] | None = None,
    *,
    report: Report | None = None,
    bind: str | None = None,
) -> list[RunResult]:
    """Apply migrations up to ``revision`` (default ``head``).

    Every revision file the upgrade needs is loaded before the first one runs: one that
    does not load raises :class:`~flask_migrate_lite.engine.errors.RevisionNotLoadable`
    with nothing applied.
    """
    check_target(revision, upgrade=True, sql=sql)
    state = app_state(directory, x_arg)
    return _move(state, revision, upgrade=True, sql=sql, tag=tag, report=report, bind=bind)


@flask_advice
def downgrade(
    directory: Directory = None,
    revision: str = "-1",
    sql: bool = False,
    tag: str | None = None,
    x_arg: Sequence[str] | None = None,
    *,
    report: Report | None = None,
    bind: str | None = None,
) -> list[RunResult]:
    """Revert migrations down to ``revision`` (default ``-1``: one step back).

    As for :func:`upgrade`, every file needed is loaded before the first one runs.
    """
    check_target(revision, upgrade=False, sql=sql)
    state = app_state(directory, x_arg)
    return _move(state, revision, upgrade=False, sql=sql, tag=tag, report=report, bind=bind)


def _move(
    state: AppState,
    revision: str,
    *,
    upgrade: bool,
    sql: bool,
    tag: str | None,
    report: Report | None,
    bind: str | None,
) -> list[RunResult]:
    """``upgrade`` or ``downgrade`` to ``revision``, online or (``sql``) as a script."""
    from ..engine.runtime.plan import plan_downgrade, plan_upgrade

    if sql:
        return _offline(state, revision, upgrade=upgrade, tag=tag, report=report, bind=bind)
    before = None
    if upgrade:
        from .lint import upgrade_lint

        before = upgrade_lint(state, reporter(report))
    planner = plan_upgrade if upgrade else plan_downgrade
    return _run(
        state,
        lambda graph, found: planner(graph, found, revision),
        direction="upgrade" if upgrade else "downgrade",
        tag=tag,
        report=report,
        bind=bind,
        before=before,
    )


# --- offline -------------------------------------------------------------------------------


def _offline(
    state: AppState,
    revision: str,
    *,
    upgrade: bool,
    tag: str | None,
    report: Report | None,
    bind: str | None = None,
) -> list[RunResult]:
    """Write the SQL of an upgrade or downgrade to standard output, without connecting.

    ``revision`` may be ``start:end``; without a start, an upgrade starts from base. A
    downgrade needs the start, since nothing is read from the database (see
    :func:`check_target`).
    """
    scripts = state.scripts
    start, plan = offline_plan(offline_graph(scripts, revision), revision, upgrade=upgrade)
    multidb = state.multidb
    databases = state.target_databases(bind)
    with sql_output() as output:
        for database in databases:
            load_steps(
                scripts,
                plan,
                database.name if multidb else None,
                "no SQL was written; fix or remove the file and run the command again",
            )
        options = state.run_options(sql=True, tag=tag)
        echo = reporter(report)
        results = []
        for database in databases:
            run_bind = database.name if multidb else None
            label = database_label(database, multidb)
            results.append(
                offline_database(
                    state, database, options, plan, start, output, echo, label, run_bind
                )
            )
    return results


def offline_graph(scripts: ScriptDirectory, revision: str) -> RevisionGraph:
    """The graph ``--sql revision`` plans in: where a range's start names a revision that a
    squash replaces, the graph that still has it."""
    named = RangeText.parse(revision).start or ""
    in_files = bool(named) and any(rev.revision == named for rev in scripts.revisions())
    return scripts.graph_for((named,) if in_files else ())[0]


def offline_plan(
    graph: RevisionGraph, revision: str, *, upgrade: bool
) -> tuple[tuple[str, ...], list[Step]]:
    """The start and the steps of ``upgrade``/``downgrade --sql revision``."""
    from ..engine.errors import TargetIsNotAncestor
    from ..engine.runtime.plan import plan_downgrade, plan_upgrade

    given = RangeText.parse(revision)
    if given.is_range:
        start = graph.resolve(given.start or "base")
        target = given.end or ("head" if upgrade else "base")
    else:
        start, target = (), given.text
    try:
        if upgrade:
            plan = plan_upgrade(graph, start, target)
        else:
            plan = plan_downgrade(graph, start, target)
    except TargetIsNotAncestor as exc:
        # The engine's wording speaks of the database's current revision; offline there is
        # only the starting revision of the range.
        direction, other = ("upgrade", "downgrade") if upgrade else ("downgrade", "upgrade")
        begin = ", ".join(start) or "base"
        where = "below" if upgrade else "not below"
        raise CommandError(
            f"Cannot {direction} from {begin} to '{target}': it is {where} {begin}; "
            f"run 'flask db {other} --sql {begin}:{target}' instead."
        ) from exc
    return tuple(start), plan


def offline_database(
    state: AppState,
    database: Database,
    options: RunOptions,
    plan: list[Step],
    start: tuple[str, ...],
    output: TextIO,
    echo: Report,
    label: str,
    run_bind: str | None,
) -> RunResult:
    """Write the SQL of ``plan`` for one database to ``output``."""
    scripts = state.scripts
    result = RunResult(database=database.url, heads_before=start)
    with migration_context(
        database, options, echo, label=label, bind=run_bind, output=output
    ) as context:
        result.steps = context.run_offline(
            plan,
            lambda rev: scripts.load_module(rev.revision),
            lambda step: echo(f"Generating {step.describe()}"),
        )
    result.heads_after = plan[-1].heads_after if plan else start
    return result
