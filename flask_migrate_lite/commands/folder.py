"""Commands that write the migrations folder: ``init``, ``list-templates``, ``revision``,
``merge`` and ``edit``."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..appstate import app_state
from ..engine.errors import CommandError, UsageError
from .advice import flask_advice
from .arguments import Answers, Placement, check_placement, check_rev_id, one_revision, refuse_sql
from .decisions import Asker
from .history import named_revisions
from .running import Directory, Report, reporter

if TYPE_CHECKING:
    from ..engine.script.graph import Revision

__all__ = ["edit", "init", "list_templates", "merge", "revision", "write_revision"]


@flask_advice
def list_templates() -> list[tuple[str, str]]:
    """The bundled folder templates as ``(name, description)`` pairs."""
    from ..engine.script.folder import list_templates as _list

    return _list()


@flask_advice
def init(
    directory: Directory = None,
    multidb: bool = False,
    template: str | os.PathLike[str] | None = None,
    package: bool = False,
    *,
    report: Report | None = None,
) -> list[Path]:
    """Create the migrations folder; returns the files and folders created."""
    from ..engine.script.folder import init_folder

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


@flask_advice
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
    renames: Sequence[str] = (),
    table_renames: Sequence[str] = (),
    defaults: Sequence[str] = (),
    value_renames: Sequence[str] = (),
    no_input: bool = False,
    asker: Asker | None = None,
) -> Revision | None:
    """Write a new revision file and return its revision.

    With ``autogenerate``, the file holds the operations that bring the database to the
    models, and ``None`` is returned when there are none (no file is written); the last six
    arguments are those of :func:`~.autogenerate.migrate`.
    """
    placement = Placement(message, head, splice, branch_label, version_path, rev_id, depends_on)
    answers = Answers(renames, table_renames, defaults, value_renames, no_input, asker)
    return write_revision(
        directory, placement, answers, autogenerate=autogenerate, sql=sql, report=report
    )


def write_revision(
    directory: Directory,
    placement: Placement,
    answers: Answers,
    *,
    autogenerate: bool = False,
    sql: bool = False,
    report: Report | None = None,
) -> Revision | None:
    """:func:`revision`, with the new revision's message and place, and the answers to
    autogenerate's questions, each given as one object."""
    if autogenerate:
        refuse_sql("revision --autogenerate", sql)
    check_placement(placement)
    decisions = answers.decisions()
    if not autogenerate and answers.any_flag:
        raise UsageError(
            "--rename, --rename-table and --default answer autogenerate's questions; "
            "add --autogenerate or leave them out."
        )
    state = app_state(directory)
    if autogenerate:
        from .autogenerate import autogenerate_revision

        return autogenerate_revision(state, placement, reporter(report), decisions)
    created = state.scripts.generate_revision(
        message=placement.message,
        head=placement.head,
        splice=placement.splice,
        branch_label=placement.branch_label,
        version_path=placement.version_path,
        rev_id=placement.rev_id,
        depends_on=placement.depends_on,
        template_args=state.template_args(),
    )
    reporter(report)(f"Generating {created.path} ...  done")
    return created


@flask_advice
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
        one_revision(name, "merge")
    check_rev_id(rev_id)
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


@flask_advice
def edit(directory: Directory = None, revision: str = "head") -> list[Path]:
    """Open the revision file(s) in ``$EDITOR`` (or ``$VISUAL``); no shell is involved."""
    named = named_revisions(directory, revision, "edit", "has no revision file")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise CommandError("Set the EDITOR environment variable to the editor to open.")
    paths = [Path(str(named.graph.get(rev_id).path)) for rev_id in named.ids]
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
