"""The ``flask db`` commands as plain Python functions.

Each function has Flask-Migrate's name and arguments, runs inside an application context,
returns what it did and raises a :class:`~flask_migrate_lite.MigrateError` subclass instead of
exiting. Progress lines (``Running upgrade ...``) go to ``report`` when given, else to the
``flask_migrate_lite`` logger at INFO level (the host app decides whether to show them).
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .appstate import AppState, Database, app_state
from .engine.errors import (
    CommandError,
    InvalidRevisionId,
    MalformedRevisionId,
    RangeNotAllowed,
    UsageError,
)
from .running import (
    Directory,
    Report,
    RunResult,
    check_known,
    database_heads,
    database_label,
    downgrade,
    not_up_to_date,
    reporter,
    stamp,
    upgrade,
)

if TYPE_CHECKING:
    from .autogen import CheckResult
    from .engine.script.graph import Revision

__all__ = [
    "CurrentResult",
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


def _one_revision(identifier: str, what: str) -> None:
    """Refuse a range ``a:b`` where the command takes a single revision."""
    if ":" in identifier:
        raise RangeNotAllowed(
            identifier, f"{what} takes a revision, not a range start:end; name one revision"
        )


def _check_rev_id(rev_id: str | None) -> None:
    """Refuse a ``--rev-id`` of a form that is not allowed, before anything is read."""
    if rev_id is None:
        return
    from .engine.script.directory import validate_rev_id

    try:
        validate_rev_id(rev_id)
    except InvalidRevisionId as exc:
        raise MalformedRevisionId(exc.rev_id, exc.reason) from exc


def _check_placement(
    head: str,
    rev_id: str | None,
    depends_on: str | Sequence[str] | None = None,
    *,
    message: str | None = None,
    branch_label: str | Sequence[str] | None = None,
) -> None:
    """Refuse, before anything is read (or compared), a new revision's message, labels or
    placement of the wrong form."""
    from .engine.script.rendering import message_text, validate_branch_label

    _one_revision(head, "--head")
    _check_rev_id(rev_id)
    for dep in [depends_on] if isinstance(depends_on, str) else depends_on or ():
        _one_revision(dep, "--depends-on")
    message_text(message)
    for label in [branch_label] if isinstance(branch_label, str) else branch_label or ():
        validate_branch_label(label)


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
    echo = reporter(report)
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
    if autogenerate:
        _refuse_sql("revision --autogenerate", sql)
    _check_placement(head, rev_id, depends_on, message=message, branch_label=branch_label)
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
    reporter(report)(f"Generating {created.path} ...  done")
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
    _refuse_sql("migrate", sql)
    _check_placement(head, rev_id, message=message, branch_label=branch_label)
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


def _refuse_sql(command: str, sql: bool) -> None:
    if sql:
        raise UsageError(
            f"{command} compares with a live database and cannot use --sql; leave out --sql."
        )


def _autogenerate(
    state: AppState, command: str, sql: bool, report: Report | None, **placement: Any
) -> Revision | None:
    from .autogen import autogenerate_revision

    _refuse_sql(command, sql)
    return autogenerate_revision(state, report=reporter(report), **placement)


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
    names = [revisions] if isinstance(revisions, str) else list(revisions)
    names = [name for name in names if name] or ["heads"]
    for name in names:
        _one_revision(name, "merge")
    _check_rev_id(rev_id)
    state = app_state(directory)
    scripts = state.scripts
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
    reporter(report)(f"Generating {created.path} ...  done")
    return created


def edit(directory: Directory = None, revision: str = "head") -> list[Path]:
    """Open the revision file(s) in ``$EDITOR`` (or ``$VISUAL``); no shell is involved."""
    _one_revision(revision, "edit")
    state = app_state(directory)
    scripts = state.scripts
    graph = scripts.graph()
    current_heads: tuple[str, ...] = ()
    if "current" in revision:
        current_heads = database_heads(state, state.default_database())
    ids = graph.resolve(revision, current_heads)
    if not ids:
        raise CommandError(
            f"'{revision}' names base, which has no revision file; name a revision to edit "
            "(for example 'flask db edit head')."
        )
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
                f"The editor '{editor}' exited with status {exc.returncode} on {path}; "
                "check $EDITOR, or edit the file with another editor."
            ) from exc
    return paths


# --- views of the history ------------------------------------------------------------------


def show(directory: Directory = None, revision: str = "head") -> list[str]:
    """The full description of the given revision(s)."""
    from .engine.script.formatting import RevisionView

    _one_revision(revision, "show")
    state = app_state(directory)
    scripts = state.scripts
    graph = scripts.graph()
    current_heads: tuple[str, ...] = ()
    if "current" in revision:
        current_heads = database_heads(state, state.default_database())
    ids = graph.resolve(revision, current_heads)
    if not ids:
        raise CommandError(
            f"'{revision}' names base, which is not a revision; name a revision to show "
            "(for example 'flask db show head')."
        )
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
        current_heads = database_heads(state, state.default_database())
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
    behind: TargetNotUpToDate | None = None
    for database in state.target_databases(bind):
        found = database_heads(state, database)
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
            else:
                result.lines.append(f"{rev_id} (unknown: no revision file has this id)")
        if check_heads:
            check_known(graph, found, database, state)
        error = not_up_to_date(graph, found, _bind_label(database) if multidb else None)
        result.heads_match = result.heads_match and error is None
        behind = behind or error
    assert result is not None  # target_databases() never returns an empty list
    if check_heads and behind is not None:
        raise behind
    return result


def _bind_label(database: Database) -> str:
    return f"bind '{database.name}'" if database.name else "the default database"
