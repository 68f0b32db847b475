"""What the applied log says about a database: ``history --applied`` and ``status -v``.

Each row shows when the revision was applied (or reverted, stamped, accepted), how long it
took, who ran it on which host, and the tool version; revisions the version table shows as
applied that the log never saw are named in a note rather than left out silently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..appstate import AppState, Database
from .advice import flask_command
from .validate import read_log_rows

if TYPE_CHECKING:
    from ..engine.runtime.applied_log import LogRow

__all__ = ["applied_lines", "describe_row", "last_applied"]


def describe_row(row: LogRow) -> str:
    """``applied 2026-01-02 03:04:05 UTC in 120 ms by alice@build-1 (flask-migrate-lite 1.0)``."""
    from ..engine.runtime.validation import when

    verb = {
        "upgrade": "applied",
        "downgrade": "reverted",
        "stamp": "stamped",
        "accept": "accepted",
    }.get(row.direction, row.direction)
    text = f"{verb} {when(row.applied_at)}"
    if row.duration_ms is not None:
        text += f" in {row.duration_ms} ms"
    if row.os_user or row.host:
        text += f" by {row.os_user or '?'}@{row.host or '?'}"
    elif row.direction in ("upgrade", "downgrade"):
        text += " by an SQL script"
    if row.tool_version:
        text += f" (flask-migrate-lite {row.tool_version})"
    return text


def last_applied(rows: list[LogRow] | None) -> dict[str, LogRow]:
    """The last row per revision."""
    return {row.revision: row for row in rows or ()}


def applied_lines(state: AppState, database: Database, label: str) -> list[str]:
    """The log of one database, newest first, then what it could not tell."""
    from ..engine.runtime.validation import validate_history

    with database.connect() as connection:
        heads, rows = read_log_rows(state, connection)
    out = [f"Database: {label} (at {', '.join(heads) or 'base'})"]
    if state.options.log_table_name is None:
        out.append("No applied log is kept (applied_log_table is None).")
        return out
    view, graph = state.scripts.view(heads)
    files = {rev.revision: rev for rev in state.scripts.revisions()}
    if not rows:
        out.append("The applied log has no rows yet.")
    for row in reversed(rows or []):
        doc = files[row.revision].doc if row.revision in files else "(no file)"
        out.append(f"{row.revision}  {describe_row(row)}  {doc}".rstrip())
    note = validate_history(graph, view.translate(heads), rows, lambda _: None).note
    if note is not None:
        out.append(f"note: {note.render(flask_command)}")
    return out
