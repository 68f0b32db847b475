"""The ``flask db`` commands as plain Python functions.

Each function has Flask-Migrate's name and arguments, runs inside an application context,
returns what it did and raises a :class:`~flask_migrate_lite.MigrateError` subclass instead of
exiting. Progress lines (``Running upgrade ...``) go to ``report`` when given, else to the
``flask_migrate_lite`` logger at INFO level (the host app decides whether to show them).
"""

from __future__ import annotations

import functools
import logging
import os
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .appstate import AppState, Database, app_state
from .engine.errors import CommandError, MultipleHeads

if TYPE_CHECKING:
    from .autogen import CheckResult
    from .engine.runtime.plan import Step, VersionChange
    from .engine.script.graph import Revision, RevisionGraph

__all__ = [
    "Report",
    "RunResult",
    "branches",
    "check",
    "current",
    "downgrade",
    "edit",
    "heads",
    "history",
    "init",
    "list_templates",
    "merge",
    "migrate",
    "revision",
    "show",
    "stamp",
    "upgrade",
]

Report = Callable[[str], None]
Directory = str | os.PathLike[str] | None

logger = logging.getLogger("flask_migrate_lite")


def _reporter(report: Report | None) -> Report:
    return report if report is not None else logger.info


# --- folder commands -----------------------------------------------------------------------


def list_templates() -> list[tuple[str, str]]:
    """The bundled folder templates as ``(name, description)`` pairs."""
    from .engine.script.folder import list_templates as _list

    return _list()


def init(
    directory: Directory = None,
    multidb: bool = False,
    template: str | os.PathLike[str] | None = None,
    package: bool = False,
    *,
    report: Report | None = None,
) -> list[Path]:
    """Create the migrations folder; returns the files and folders created."""
    from .engine.script.folder import init_folder

    state = app_state(directory)
    name: str | os.PathLike[str] = template or ("flask-multidb" if multidb else "flask")
    created = init_folder(state.directory, template=name, package=package)
    echo = _reporter(report)
    for path in created:
        kind = "directory" if path.is_dir() else "file"
        verb = "Creating" if kind == "directory" else "Generating"
        echo(
            f"{verb} {kind} '{path}' ...  done"
            if kind == "directory"
            else f"{verb} {path} ...  done"
        )
    return created


def revision(
    directory: Directory = None,
    message: str | None = None,
    autogenerate: bool = False,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | Sequence[str] | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
    depends_on: str | Sequence[str] | None = None,
    *,
    report: Report | None = None,
) -> Revision | None:
    """Write a new revision file and return its revision.

    With ``autogenerate``, the file holds the operations that bring the database to the
    models, and ``None`` is returned when there are none (no file is written).
    """
    state = app_state(directory)
    if autogenerate:
        return _autogenerate(
            state,
            "revision --autogenerate",
            sql,
            report,
            message=message,
            head=head,
            splice=splice,
            branch_label=branch_label,
            version_path=version_path,
            rev_id=rev_id,
            depends_on=depends_on,
        )
    scripts = state.scripts
    created = scripts.generate_revision(
        message=message,
        head=head,
        splice=splice,
        branch_label=branch_label,
        version_path=version_path,
        rev_id=rev_id,
        depends_on=depends_on,
        template_args=state.template_args(),
    )
    _reporter(report)(f"Generating {created.path} ...  done")
    return created


def migrate(
    directory: Directory = None,
    message: str | None = None,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | Sequence[str] | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
    x_arg: Sequence[str] | None = None,
    *,
    report: Report | None = None,
) -> Revision | None:
    """Write the revision that brings the database to the models (``revision --autogenerate``).

    Returns ``None``, writing nothing, when the models and the database agree; raises
    :class:`TargetNotUpToDate` when the database is not at the head revisions.
    """
    return _autogenerate(
        app_state(directory, x_arg),
        "migrate",
        sql,
        report,
        message=message,
        head=head,
        splice=splice,
        branch_label=branch_label,
        version_path=version_path,
        rev_id=rev_id,
        depends_on=None,
    )


def _autogenerate(
    state: AppState, command: str, sql: bool, report: Report | None, **placement: Any
) -> Revision | None:
    from .autogen import autogenerate_revision

    if sql:
        raise CommandError(
            f"{command} compares with a live database and cannot use --sql; leave out --sql."
        )
    return autogenerate_revision(state, report=_reporter(report), **placement)


def check(directory: Directory = None, *, report: Report | None = None) -> CheckResult:
    """Compare the models with the database; the result says whether they agree.

    Raises :class:`TargetNotUpToDate` when migrations are pending.
    """
    from .autogen import check_models

    return check_models(app_state(directory))


def merge(
    directory: Directory = None,
    revisions: str | Sequence[str] = "",
    message: str | None = None,
    branch_label: str | Sequence[str] | None = None,
    rev_id: str | None = None,
    *,
    report: Report | None = None,
) -> Revision:
    """Write a revision that merges ``revisions`` (default: all heads) into one."""
    state = app_state(directory)
    scripts = state.scripts
    names = [revisions] if isinstance(revisions, str) else list(revisions)
    names = [name for name in names if name] or ["heads"]
    graph = scripts.graph()
    parents = {rev_id for name in names for rev_id in graph.resolve(name)}
    if len(parents) < 2:
        raise CommandError(
            f"There is nothing to merge: {', '.join(names)} names the single revision "
            f"{', '.join(sorted(parents)) or 'base'}; merge needs two heads or more."
        )
    created = scripts.generate_merge(
        names,
        message=message,
        branch_label=branch_label,
        rev_id=rev_id,
        template_args=state.template_args(),
    )
    _reporter(report)(f"Generating {created.path} ...  done")
    return created


def edit(directory: Directory = None, revision: str = "head") -> list[Path]:
    """Open the revision file(s) in ``$EDITOR`` (or ``$VISUAL``); no shell is involved."""
    state = app_state(directory)
    scripts = state.scripts
    graph = scripts.graph()
    current_heads: tuple[str, ...] = ()
    if revision == "current" or "current" in revision:
        current_heads = _read_heads(state, state.default_database())
    ids = graph.resolve(revision, current_heads)
    if not ids:
        raise CommandError("There is no revision file to edit at 'base'.")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise CommandError("Set the EDITOR environment variable to the editor to open.")
    paths = [Path(str(graph.get(rev_id).path)) for rev_id in ids]
    for path in paths:
        try:
            subprocess.run([*shlex.split(editor), str(path)], check=True)
        except FileNotFoundError as exc:
            raise CommandError(f"The editor '{editor}' was not found; check $EDITOR.") from exc
        except subprocess.CalledProcessError as exc:
            raise CommandError(
                f"The editor '{editor}' exited with status {exc.returncode}."
            ) from exc
    return paths


# --- views of the history ------------------------------------------------------------------


def _views(
    graph: RevisionGraph, revisions: Sequence[Revision], current: Sequence[str] = ()
) -> list[str]:
    from .engine.script.formatting import RevisionView

    return [RevisionView(graph, rev, current).entry() for rev in revisions]


def show(directory: Directory = None, revision: str = "head") -> list[str]:
    """The full description of the given revision(s)."""
    from .engine.script.formatting import RevisionView

    state = app_state(directory)
    scripts = state.scripts
    graph = scripts.graph()
    current_heads: tuple[str, ...] = ()
    if "current" in revision:
        current_heads = _read_heads(state, state.default_database())
    ids = graph.resolve(revision, current_heads)
    if not ids:
        raise CommandError("'base' is not a revision; name a revision to show.")
    return [
        RevisionView(graph, graph.get(rev_id), current_heads).entry(scripts.longdoc(rev_id))
        for rev_id in ids
    ]


def history(
    directory: Directory = None,
    rev_range: str | None = None,
    verbose: bool = False,
    indicate_current: bool = False,
) -> list[str]:
    """The revisions of ``rev_range`` (``a:b``, either side optional), newest first."""
    from .engine.script.formatting import RevisionView
    from .engine.script.graph import parse_range

    state = app_state(directory)
    scripts = state.scripts
    graph = scripts.graph()
    lower, upper = parse_range(rev_range) if rev_range else (None, None)
    current_heads: tuple[str, ...] = ()
    if indicate_current or "current" in (lower, upper):
        current_heads = _read_heads(state, state.default_database())
    revisions = graph.history(lower, upper, current_heads)
    lines = []
    for rev in revisions:
        view = RevisionView(graph, rev, current_heads if indicate_current else ())
        if verbose:
            lines.append(view.entry(scripts.longdoc(rev.revision)))
        else:
            lines.append(view.line(branches=True, doc=True, parents=True))
    return lines


def heads(
    directory: Directory = None, verbose: bool = False, resolve_dependencies: bool = False
) -> list[str]:
    """The head revisions (with ``resolve_dependencies``, heads that others depend on
    are left out, as Alembic's ``heads --resolve-dependencies`` does)."""
    from .engine.script.formatting import RevisionView

    state = app_state(directory)
    scripts = state.scripts
    graph = scripts.graph()
    ids = list(graph.heads)
    if resolve_dependencies:
        # Treat dependencies like parents: a head something depends on is not a head.
        needed = {dep for rev in graph for dep in graph.dependencies(rev.revision)}
        ids = [rev_id for rev_id in ids if rev_id not in needed]
    result = []
    for rev_id in ids:
        view = RevisionView(graph, graph.get(rev_id))
        result.append(
            view.entry(scripts.longdoc(rev_id)) if verbose else view.line(branches=True, tree=False)
        )
    return result


def branches(directory: Directory = None, verbose: bool = False) -> list[str]:
    """Each branch point with the revisions that branch from it."""
    from .engine.script.formatting import RevisionView

    state = app_state(directory)
    graph = state.scripts.graph()
    blocks = []
    for rev in graph:
        view = RevisionView(graph, rev)
        if not view.is_branch_point:
            continue
        head = view.entry() if verbose else view.line(branches=True)
        pad = " " * len(rev.revision)
        children = [
            f"{pad} -> " + RevisionView(graph, graph.get(child)).line(branches=True, doc=verbose)
            for child in graph.children(rev.revision)
        ]
        blocks.append("\n".join([head.rstrip("\n"), *children]))
    return blocks


@dataclass
class CurrentResult:
    """What ``current`` found: the database URL and its current revisions."""

    url: str
    heads: tuple[str, ...]
    lines: list[str] = field(default_factory=list)
    heads_match: bool = True


def current(
    directory: Directory = None,
    verbose: bool = False,
    check_heads: bool = False,
    *,
    bind: str | None = None,
) -> CurrentResult:
    """The revision(s) the database is at (each database's, in a multi-database project).

    With ``check_heads`` a database that is not at the head revisions raises
    :class:`~flask_migrate_lite.engine.errors.TargetNotUpToDate`.
    """
    from .engine.errors import TargetNotUpToDate
    from .engine.script.formatting import RevisionView

    state = app_state(directory)
    scripts = state.scripts
    graph = scripts.graph()
    multidb = state.multidb
    result: CurrentResult | None = None
    for database in state.target_databases(bind):
        found = _read_heads(state, database)
        if result is None:
            result = CurrentResult(url=database.url, heads=found)
        if multidb:
            result.lines.append(f"Database: {_label(database, multidb)}")
        if verbose:
            result.lines.append(f"Current revision(s) for {database.url}:")
        for rev_id in found:
            if rev_id in graph:
                view = RevisionView(graph, graph.get(rev_id))
                result.lines.append(view.line_or_entry(verbose, branches=True))
            else:
                result.lines.append(f"{rev_id} (unknown: no revision file has this id)")
        result.heads_match = result.heads_match and set(found) == set(graph.heads)
    assert result is not None  # target_databases() never returns an empty list
    if check_heads and not result.heads_match:
        raise TargetNotUpToDate()
    return result


# --- running migrations --------------------------------------------------------------------


@dataclass
class RunResult:
    """What ``upgrade``/``downgrade``/``stamp`` did, per database."""

    database: str
    steps: list[Step] = field(default_factory=list)
    heads_before: tuple[str, ...] = ()
    heads_after: tuple[str, ...] = ()


def _check_known(
    graph: RevisionGraph, found: tuple[str, ...], database: Database, state: AppState
) -> None:
    """Refuse to plan from a version table naming revisions the folder does not have."""
    from .engine.errors import UnknownDatabaseRevision

    unknown = [rev_id for rev_id in found if rev_id not in graph]
    if unknown:
        raise UnknownDatabaseRevision(database.url, unknown, state.directory)


def _label(database: Database, multidb: bool) -> str:
    """The database in messages: its URL, and the bind name in multi-database projects."""
    if not multidb:
        return database.url
    return f"{database.url} ({'bind ' + repr(database.name) if database.name else 'default'})"


def _read_heads(state: AppState, database: Database) -> tuple[str, ...]:
    from .engine.runtime.version import read_heads, version_table

    options = state.run_options()
    table = version_table(options.version_table, options.version_table_schema)
    with database.connect() as connection:
        return read_heads(connection, table)


def _run(
    state: AppState,
    planner: Callable[[RevisionGraph, tuple[str, ...]], list[Step]],
    *,
    direction: str,
    tag: str | None,
    report: Report | None,
    bind: str | None = None,
) -> list[RunResult]:
    from .engine.runtime.context import MigrationContext

    scripts = state.scripts
    graph = scripts.graph()
    options = state.run_options(tag=tag)
    echo = _reporter(report)
    results = []
    multidb = state.multidb
    for database in state.target_databases(bind):
        result = RunResult(database=database.url)
        with database.connect() as connection:
            context = MigrationContext(
                connection,
                options,
                url=database.url,
                bind=database.name if multidb else None,
            )
            echo(f"Database: {_label(database, multidb)}")

            def plan(
                found: tuple[str, ...], result: RunResult = result, database: Database = database
            ) -> list[Step]:
                result.heads_before = found
                _check_known(graph, found, database, state)
                return planner(graph, found)

            def on_step(step: Step) -> None:
                echo(f"Running {step.describe()}")

            result.steps = context.run(plan, lambda rev: scripts.load_module(rev.revision), on_step)
            result.heads_after = context.current_heads()
        if not result.steps:
            echo(
                f"Nothing to {direction}: the database is at "
                f"{', '.join(result.heads_after) or 'base'}."
            )
        results.append(result)
    return results


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
    """Apply migrations up to ``revision`` (default ``head``)."""
    state = app_state(directory, x_arg)
    return _move(state, revision, upgrade=True, sql=sql, tag=tag, report=report, bind=bind)


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
    """Revert migrations down to ``revision`` (default ``-1``: one step back)."""
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
    from .engine.runtime.plan import plan_downgrade, plan_upgrade

    if sql:
        return _offline(state, revision, upgrade=upgrade, tag=tag, report=report, bind=bind)
    planner = plan_upgrade if upgrade else plan_downgrade
    return _run(
        state,
        lambda graph, found: planner(graph, found, revision),
        direction="upgrade" if upgrade else "downgrade",
        tag=tag,
        report=report,
        bind=bind,
    )


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
    from .engine.runtime.context import MigrationContext
    from .engine.runtime.plan import plan_stamp
    from .engine.runtime.version import heads_after

    targets = [revision] if isinstance(revision, str) else list(revision) or ["head"]
    state = app_state(directory)
    scripts = state.scripts
    graph = scripts.graph()
    options = state.run_options(sql=sql, tag=tag)
    echo = _reporter(report)
    multidb = state.multidb
    if sql and purge:
        raise CommandError(
            "stamp --purge empties the version table it reads from the database, so it "
            "cannot be combined with --sql; leave out one of them."
        )
    results = []
    for database in state.target_databases(bind):
        result = RunResult(database=database.url)
        results.append(result)
        if sql:
            import sys

            start, ends = _stamp_range(graph, targets)
            context = MigrationContext(
                None,
                options,
                dialect=database.engine.dialect,
                output=sys.stdout,
                url=database.url,
                bind=database.name if multidb else None,
            )
            echo(f"Offline SQL for {_label(database, multidb)} ({database.engine.dialect.name})")
            changes = context.stamp(
                functools.partial(_plan_stamp_offline, graph, ends), offline_heads=start
            )
            result.heads_before = start
            result.heads_after = heads_after(start, changes)
            continue
        with database.connect() as connection:
            context = MigrationContext(connection, options, url=database.url)
            echo(f"Database: {_label(database, multidb)}")

            def plan(
                found: tuple[str, ...], result: RunResult = result, database: Database = database
            ) -> list[VersionChange]:
                result.heads_before = found
                if not purge:
                    _check_known(graph, found, database, state)
                return plan_stamp(graph, found, targets, purge)

            changes = context.stamp(plan)
            result.heads_after = context.current_heads()
        echo(
            f"Stamped {database.url} at {', '.join(result.heads_after) or 'base'}"
            + (" (no change)" if not changes else "")
            + "."
        )
    return results


def _plan_stamp_offline(
    graph: RevisionGraph, ends: list[str], found: tuple[str, ...]
) -> list[VersionChange]:
    from .engine.runtime.plan import plan_stamp

    return plan_stamp(graph, found, ends, purge=False)


def _stamp_range(graph: RevisionGraph, targets: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Split offline stamp targets ``start:end`` into the start heads and the ends."""
    starts = {name.partition(":")[0].strip() for name in targets if ":" in name}
    if len(starts) > 1:
        raise CommandError(
            f"stamp --sql writes the changes from one starting revision, but several are "
            f"given ({', '.join(sorted(starts))}); run it once per starting revision."
        )
    ends = [name.partition(":")[2] if ":" in name else name for name in targets]
    start = graph.resolve(starts.pop() or "base") if starts else ()
    return tuple(start), [end.strip() or "head" for end in ends]


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
    downgrade needs the start, since nothing is read from the database.
    """
    import sys

    from .engine.errors import TargetIsNotAncestor
    from .engine.runtime.context import MigrationContext
    from .engine.runtime.plan import plan_downgrade, plan_upgrade

    scripts = state.scripts
    graph = scripts.graph()
    if ":" in revision:
        start_text, _, target = revision.partition(":")
        start = graph.resolve(start_text.strip() or "base")
        target = target.strip() or ("head" if upgrade else "base")
    elif upgrade:
        start, target = (), revision
    else:
        raise CommandError(
            f"A downgrade with --sql needs the revision to start from: write "
            f"'flask db downgrade --sql <from>:{revision}' (for example head:{revision})."
        )
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
        raise CommandError(
            f"Cannot {direction} from {begin} to '{target}' because it is not in that "
            f"direction; did you mean 'flask db {other} --sql {begin}:{target}'?"
        ) from exc
    options = state.run_options(sql=True, tag=tag)
    echo = _reporter(report)
    multidb = state.multidb
    results = []
    for database in state.target_databases(bind):
        echo(f"Offline SQL for {_label(database, multidb)} ({database.engine.dialect.name})")
        context = MigrationContext(
            None,
            options,
            dialect=database.engine.dialect,
            output=sys.stdout,
            url=database.url,
            bind=database.name if multidb else None,
        )
        result = RunResult(database=database.url, heads_before=start)
        result.steps = context.run_offline(
            plan,
            lambda rev: scripts.load_module(rev.revision),
            lambda step: echo(f"Generating {step.describe()}"),
        )
        result.heads_after = plan[-1].heads_after if plan else start
        results.append(result)
    return results


def _single_head(graph: RevisionGraph) -> str:
    if len(graph.heads) > 1:
        raise MultipleHeads("head", graph.heads)
    return graph.heads[0]
