"""Commands that read the revisions: ``show``, ``history``, ``heads``, ``branches`` and
``current``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..appstate import AppState, Database, app_state
from ..engine.errors import CommandError, UsageError
from .advice import flask_advice
from .applied import applied_lines
from .arguments import one_revision
from .running import (
    Directory,
    check_known,
    database_heads,
    database_label,
    not_up_to_date,
)

if TYPE_CHECKING:
    from ..engine.script.graph import RevisionGraph

__all__ = [
    "CurrentResult",
    "NamedRevisions",
    "branches",
    "current",
    "heads",
    "history",
    "named_revisions",
    "show",
]


@dataclass(frozen=True)
class NamedRevisions:
    """The revisions a command's single revision argument names (``show``, ``edit``)."""

    state: AppState
    graph: RevisionGraph
    #: The database's heads when the argument names ``current``, else ``()``.
    current_heads: tuple[str, ...]
    ids: tuple[str, ...]


def named_revisions(directory: Directory, revision: str, command: str, base: str) -> NamedRevisions:
    """The revisions ``revision`` names for ``command``, reading the default database only
    when it names ``current``; ``base`` says, in the error for base, what base is not."""
    one_revision(revision, command)
    state = app_state(directory)
    graph = state.scripts.graph()
    current_heads: tuple[str, ...] = ()
    if "current" in revision:
        # In the graph as that database sees it (a squash or the revisions it replaces).
        graph, current_heads = state.scripts.graph_for(
            database_heads(state, state.default_database())
        )
    ids = graph.resolve(revision, current_heads)
    if not ids:
        raise CommandError(
            f"'{revision}' names base, which {base}; name a revision to {command} "
            f"(for example 'flask db {command} head')."
        )
    return NamedRevisions(state, graph, current_heads, ids)


@flask_advice
def show(directory: Directory = None, revision: str = "head") -> list[str]:
    """The full description of the given revision(s)."""
    from ..engine.script.formatting import RevisionView

    named = named_revisions(directory, revision, "show", "is not a revision")
    graph, scripts = named.graph, named.state.scripts
    return [
        RevisionView(graph, graph.get(rev_id), named.current_heads).entry(scripts.longdoc(rev_id))
        for rev_id in named.ids
    ]


@flask_advice
def history(
    directory: Directory = None,
    rev_range: str | None = None,
    verbose: bool = False,
    indicate_current: bool = False,
    *,
    applied: bool = False,
    bind: str | None = None,
) -> list[str]:
    """The revisions of ``rev_range`` (``a:b``, either side optional), newest first.

    With ``applied``, the applied log of each database instead (of ``bind`` only when
    given): when each revision ran there, how long it took and who ran it.
    """
    from ..engine.script.formatting import RevisionView
    from ..engine.script.ranges import parse_range

    state = app_state(directory)
    if applied:
        if rev_range:
            raise UsageError("history --applied shows the whole log; leave out --rev-range.")
        return [
            line
            for database in state.target_databases(bind)
            for line in applied_lines(state, database, database_label(database, state.multidb))
        ]
    scripts = state.scripts
    graph = scripts.graph()
    lower, upper = parse_range(rev_range) if rev_range else (None, None)
    current_heads: tuple[str, ...] = ()
    if indicate_current or "current" in (lower, upper):
        graph, current_heads = scripts.graph_for(database_heads(state, state.default_database()))
    revisions = graph.history(lower, upper, current_heads)
    lines = []
    for rev in revisions:
        view = RevisionView(graph, rev, current_heads if indicate_current else ())
        if verbose:
            lines.append(view.entry(scripts.longdoc(rev.revision)))
        else:
            lines.append(view.line(branches=True, doc=True, parents=True))
    return lines


@flask_advice
def heads(
    directory: Directory = None, verbose: bool = False, resolve_dependencies: bool = False
) -> list[str]:
    """The head revisions (with ``resolve_dependencies``, heads that others depend on
    are left out, as Alembic's ``heads --resolve-dependencies`` does)."""
    from ..engine.script.formatting import RevisionView

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


@flask_advice
def branches(directory: Directory = None, verbose: bool = False) -> list[str]:
    """Each branch point with the revisions that branch from it."""
    from ..engine.script.formatting import RevisionView

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


@flask_advice
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
    from ..engine.errors import TargetNotUpToDate
    from ..engine.script.formatting import RevisionView

    state = app_state(directory)
    scripts = state.scripts
    multidb = state.multidb
    result: CurrentResult | None = None
    behind: TargetNotUpToDate | None = None
    for database in state.target_databases(bind):
        found = database_heads(state, database)
        squashes, graph = scripts.view(found)
        if result is None:
            result = CurrentResult(url=database.url, heads=found)
        if multidb:
            result.lines.append(f"Database: {database_label(database, multidb)}")
        if verbose:
            result.lines.append(f"Current revision(s) for {database.url}:")
        for rev_id in found:
            if rev_id in graph:
                view = RevisionView(graph, graph.get(rev_id))
                # -v shows the whole docstring, as 'history -v' and 'show' do.
                longdoc = scripts.longdoc(rev_id) if verbose else None
                result.lines.append(view.entry(longdoc) if verbose else view.line(branches=True))
            elif rev_id in squashes.aliases:
                result.lines.append(
                    f"{rev_id} (replaced by the squash revision {squashes.aliases[rev_id]})"
                )
            else:
                result.lines.append(f"{rev_id} (unknown: no revision file has this id)")
        rows = squashes.translate(found)
        if check_heads:
            check_known(graph, rows, database, state)
        error = not_up_to_date(graph, rows, _bind_label(database) if multidb else None)
        result.heads_match = result.heads_match and error is None
        behind = behind or error
    assert result is not None  # target_databases() never returns an empty list
    if check_heads and behind is not None:
        raise behind
    return result


def _bind_label(database: Database) -> str:
    return f"bind '{database.name}'" if database.name else "the default database"
