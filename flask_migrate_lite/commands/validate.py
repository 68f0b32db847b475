"""``validate``: the database's history against the migrations folder, from the applied log.

Also what ``upgrade`` runs first (:func:`validate_before_upgrade`, as the
``validate_on_upgrade`` option says), and ``validate --accept REV``, which records the file
of a revision as it is now after a deliberate edit. Reading is one ``SELECT`` of the log per
database; each file whose checksum is needed is read once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..appstate import AppState, Database, app_state
from ..engine.errors import CommandError
from .advice import flask_advice, flask_command

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..engine.runtime.applied_log import LogRow
    from ..engine.runtime.context import MigrationContext
    from ..engine.runtime.validation import Validation
    from ..engine.script.graph import RevisionGraph

__all__ = [
    "ValidateResult",
    "file_checksums",
    "read_log_rows",
    "validate",
    "validate_before_upgrade",
]

Report = Callable[[str], None]


@dataclass
class ValidateResult:
    """What ``validate`` found in one database (and the revisions it accepted)."""

    database: str
    validation: Validation
    accepted: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per finding (the advice in ``flask db`` terms), then the note."""
        lines = [
            f"{self.database}: {item.text.render(flask_command)}"
            for item in self.validation.findings
        ]
        if self.validation.note is not None:
            lines.append(f"{self.database}: note: {self.validation.note.render(flask_command)}")
        return lines


def _no_log() -> CommandError:
    return CommandError(
        "validate reads the applied log, and applied_log_table is None; remove that option "
        "from Migrate(...) (or give the log a name) to keep one."
    )


def read_log_rows(
    state: AppState, connection: Connection
) -> tuple[tuple[str, ...], list[LogRow] | None]:
    """The version rows and the applied log of the database on ``connection``."""
    from ..engine.runtime.applied_log import log_table, read_log
    from ..engine.runtime.version import read_heads, version_table

    options = state.options
    heads = read_heads(
        connection, version_table(options.version_table, options.version_table_schema)
    )
    if options.log_table_name is None:
        return heads, None
    log = read_log(connection, log_table(options.log_table_name, options.version_table_schema))
    return heads, log


def file_checksums(graph: RevisionGraph) -> Callable[[str], str | None]:
    from ..engine.runtime.applied_log import checksum_of_file

    known: dict[str, str | None] = {}

    def checksum(rev_id: str) -> str | None:
        if rev_id not in known:
            known[rev_id] = checksum_of_file(graph.get(rev_id).path) if rev_id in graph else None
        return known[rev_id]

    return checksum


def _validate_database(
    state: AppState, database: Database, graph: RevisionGraph, checksum: Callable[[str], str | None]
) -> Validation:
    from ..engine.runtime.validation import validate_history

    with database.connect() as connection:
        heads, log = read_log_rows(state, connection)
    view, seen = state.scripts.view(heads)
    if seen is not graph:  # the database is inside a squashed range: see its originals
        graph, checksum = seen, file_checksums(seen)
    return validate_history(graph, view.translate(heads), log, checksum)


def _label(state: AppState, database: Database) -> str:
    if not state.multidb:
        return database.url
    return f"{database.url} ({'bind ' + repr(database.name) if database.name else 'default'})"


@flask_advice
def validate(
    directory: str | os.PathLike[str] | None = None,
    accept: Sequence[str] = (),
    bind: str | None = None,
) -> list[ValidateResult]:
    """Check each database's applied history against the folder; with ``accept``, first
    record the files of those revisions as they are now (``accept`` log rows)."""
    state = app_state(directory)
    if state.options.log_table_name is None:
        raise _no_log()
    graph = state.scripts.graph()
    checksum = file_checksums(graph)
    accepted = [graph.get(rev).revision for name in accept for rev in _resolve(graph, name)]
    results = []
    for database in state.target_databases(bind):
        if accepted:
            _accept(state, database, graph, accepted, checksum)
        validation = _validate_database(state, database, graph, checksum)
        results.append(ValidateResult(_label(state, database), validation, list(accepted)))
    return results


def _resolve(graph: RevisionGraph, name: str) -> tuple[str, ...]:
    found = graph.resolve(name)
    if not found:
        raise CommandError(f"validate --accept takes a revision, and '{name}' names none.")
    return found


def _accept(
    state: AppState,
    database: Database,
    graph: RevisionGraph,
    accepted: list[str],
    checksum: Callable[[str], str | None],
) -> None:
    from ..engine.ddl import impl_for
    from ..engine.runtime.applied_log import accept_rows, log_table
    from ..engine.runtime.lock import migration_lock
    from ..engine.runtime.version import read_heads, version_table

    options = state.options
    assert options.log_table_name is not None
    table = version_table(options.version_table, options.version_table_schema)
    log = log_table(options.log_table_name, options.version_table_schema)
    with database.connect() as connection:
        with migration_lock(connection, table.name, table.schema, state.lock_timeout, database.url):
            heads = read_heads(connection, table)
            impl = impl_for(connection.dialect, connection, output=sys.stdout)
            accept_rows(connection, log, [(rev, checksum(rev)) for rev in accepted], heads, impl)


def validate_before_upgrade(
    state: AppState,
    context: MigrationContext,
    database: Database,
    heads: tuple[str, ...],
    echo: Report,
) -> None:
    """What ``upgrade`` does first, under the migration lock with the version rows read
    there: nothing (``off``), print the findings (``warn``), or refuse with them
    (``refuse``)."""
    from ..engine.runtime.applied_log import read_log
    from ..engine.runtime.validation import validate_history

    mode = state.options.validate_on_upgrade
    if mode == "off" or context.applied_log is None or context.connection is None:
        return
    view, graph = state.scripts.view(heads)
    log = read_log(context.connection, context.applied_log)
    validation = validate_history(graph, view.translate(heads), log, file_checksums(graph))
    lines = ValidateResult(_label(state, database), validation).lines()
    lines = lines[: len(validation.findings)]
    if not lines:
        return
    if mode == "refuse":
        raise CommandError(
            f"upgrade refused: validate found {len(lines)} problem"
            f"{'s' if len(lines) != 1 else ''} and validate_on_upgrade is 'refuse':\n"
            + "\n".join(lines)
            + "\nNothing was run; fix them and run the command again."
        )
    for line in lines:
        echo(f"warning: {line}")
