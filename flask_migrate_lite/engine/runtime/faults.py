"""What a run says when the database stops serving it, and what it left behind.

Three faults are not the migration's doing and must not read like one: the connection
dropped (a server restart, ``pg_terminate_backend``, ``KILL``), SQLite cannot write (the file
or its folder is read-only, so it can create no journal), and SQLite cannot get its lock at a
write because another connection keeps reading. The migration context keeps a
:class:`Progress` of the run; :func:`fault_error` turns such an error into one sentence from
it and from the transaction strategy's count of what is committed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from ..advice import Run, Text
from ..errors import (
    ConnectionLost,
    DatabaseFault,
    DatabaseLocked,
    DatabaseReadOnly,
    MigrateError,
)
from ..urls import mask_text
from .plan import Step
from .transactions import Transactions

__all__ = ["Progress", "Unit", "fault_error", "fault_of", "step_label"]

#: What SQLite says when it cannot write the file or create its journal.
_SQLITE_READ_ONLY = ("attempt to write a readonly database", "unable to open database file")
_SQLITE_BUSY = "database is locked"


def step_label(step: Step) -> str:
    """``upgrade a1 -> b2 "add users"``: the migration as a message names it."""
    rev = step.revision
    parents = ", ".join(rev.down_revisions) or "base"
    if step.is_upgrade:
        moves = f"upgrade {parents} -> {rev.revision}"
    else:
        moves = f"downgrade {rev.revision} -> {parents}"
    return f'{moves} "{rev.doc}"' if rev.doc else moves


@dataclass(frozen=True)
class Unit:
    """What is under way: a migration, or the version-table change of ``stamp``."""

    label: str
    command: str
    #: The version table's rows once it is in.
    after: tuple[str, ...]
    migration: bool = True


@dataclass
class Progress:
    """Where a run is, kept up to date by the migration context while it runs."""

    doing: str = "waiting for the migration lock"
    #: The command (``upgrade``, ``downgrade``, ``stamp``), once known.
    command: str | None = None
    #: The version table's rows as read under the lock (None until read).
    start: tuple[str, ...] | None = None
    #: The version table's rows after each unit completed in this run.
    done: list[tuple[str, ...]] = field(default_factory=list)
    unit: Unit | None = None
    #: Whether the unit under way committed part of itself in an ``autocommit_block()``.
    partial: bool = False

    @classmethod
    def starting(cls, connection: Connection, command: str | None = None) -> Progress:
        """A run about to take the lock on ``connection``.

        SQLite's lock is its write transaction: a read-only file fails there at once, so it
        is "taking" rather than "waiting for" the lock.
        """
        verb = "taking" if connection.dialect.name == "sqlite" else "waiting for"
        return cls(doing=f"{verb} the migration lock", command=command)

    def begin(self, unit: Unit) -> None:
        """``unit`` starts."""
        self.unit = unit
        self.command = unit.command
        self.partial = False
        self.doing = f"running {unit.label}" if unit.migration else "updating the version table"

    def complete(self) -> None:
        """The unit under way completed (it is part of the run now)."""
        if self.unit is not None:
            self.done.append(self.unit.after)
        self.unit = None

    def heads(self, completed: int) -> tuple[str, ...]:
        """The version table's rows once the first ``completed`` units of the run are in."""
        if completed <= 0 or not self.done:
            return self.start or ()
        return self.done[min(completed, len(self.done)) - 1]


def fault_of(exc: BaseException) -> DBAPIError | None:
    """The driver error behind ``exc`` when it is a fault of this module, else None.

    An engine error already says what happened (a lock timeout is caused by SQLite's
    "database is locked", but means the lock), so it is left as it is.
    """
    if isinstance(exc, MigrateError):
        return None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and _is_fault(current):
            return current
        current = current.__cause__ or current.__context__
    return None


def _is_fault(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    if type(exc.orig).__module__ != "sqlite3":
        return False
    text = _reason(exc).lower()
    return text == _SQLITE_BUSY or text in _SQLITE_READ_ONLY


def fault_error(
    exc: BaseException,
    connection: Connection,
    tx: Transactions | None,
    progress: Progress,
    url: str,
) -> DatabaseFault | None:
    """The one-sentence error for ``exc``, or None when it is not such a fault.

    ``connection.invalidated`` covers a script that caught the driver's error and went on
    to fail on the dead connection.
    """
    cause = fault_of(exc)
    if cause is None and (isinstance(exc, MigrateError) or not connection.invalidated):
        return None
    # A run with nothing to do commits the version table's creation: no migration of its own.
    committed = min(tx.committed, len(progress.done)) if tx is not None else 0
    committing = tx is not None and tx.committing
    # Driver text can echo a connection string: its credentials are masked.
    reason = mask_text(
        _reason(cause) if cause is not None else _first_line(str(exc)), connection.engine.url
    )
    if cause is None or cause.connection_invalidated or connection.invalidated:
        atomic = tx.atomic_steps if tx is not None else True
        state = _state(progress, committed, connection.dialect, atomic, doubt=committing)
        fix = _lost_fix(progress, atomic, committing, _rows(progress.heads(committed)))
        return ConnectionLost(url, progress.doing, reason, state, fix)
    state = _state(progress, committed, connection.dialect, True, doubt=False)
    again = Text("run ", _command(progress), " again")
    if reason.lower() == _SQLITE_BUSY:
        seconds = tx.lock_timeout if tx is not None else 0.0
        wait = Text(
            "end that connection's transaction (a program or shell that holds the database "
            "open), or raise MIGRATE_LOCK_TIMEOUT, then ",
            again,
        )
        return DatabaseLocked(url, progress.doing, seconds, state, wait)
    why, repair = _read_only(connection.engine.url.database)
    return DatabaseReadOnly(
        url, progress.doing, f"{why} ({reason})", state, Text(repair, ", then ", again)
    )


def _state(
    progress: Progress, committed: int, dialect: Dialect, atomic: bool, *, doubt: bool
) -> str:
    """What the database holds now, as far as this run can tell."""
    if progress.start is None:
        return "nothing was changed"
    shows = _rows(progress.heads(committed))
    unit = progress.unit
    completed = len(progress.done)
    kept = _kept(committed, earlier=unit is not None)
    if doubt:
        upper = _rows(unit.after if unit is not None else progress.heads(completed))
        if upper == shows:
            return f"the version table shows {shows}{kept}"
        if atomic or unit is None or not unit.migration:
            return (
                "it is not known whether the database received the commit, so the version "
                f"table shows either {shows} or {upper}{kept}"
            )
        return (
            f"its DDL statements were committed as they ran ({_dialect(dialect)} commits each "
            "at once), and it is not known whether the database received the commit of its "
            f"version-table change, so the version table shows either {shows} or {upper}{kept}"
        )
    undone = completed - committed
    if unit is None:
        if undone:
            return (
                f"the run was rolled back, undoing the {_migrations(undone)} it had completed, "
                f"and the version table shows {shows}{kept}"
            )
        if committed:
            return f"the version table shows {shows}{kept}"
        return f"nothing was changed: the version table shows {shows}"
    if not unit.migration:
        fate = "the version table change was rolled back"
    elif not atomic:
        fate = (
            "what that migration did before the drop may remain "
            f"({_dialect(dialect)} commits each DDL statement at once)"
        )
    elif progress.partial:
        fate = (
            "that migration was rolled back to the end of its autocommit_block(), whose work "
            "stays committed"
        )
    else:
        fate = "that migration was rolled back"
    if undone:
        fate += f" together with the {_migrations(undone, 'earlier ')} of this run"
    return f"{fate}, and the version table shows {shows}{kept}"


def _kept(committed: int, *, earlier: bool) -> str:
    if not committed:
        return ""
    return f", with the {_migrations(committed, 'earlier ' if earlier else '')} of this run kept"


def _migrations(number: int, kind: str = "") -> str:
    """``1 migration``, ``2 earlier migrations``."""
    return f"{number} {kind}migration{'' if number == 1 else 's'}"


def _rows(heads: tuple[str, ...]) -> str:
    return ", ".join(heads) or "base"


def _command(progress: Progress) -> Run | str:
    return Run(progress.command) if progress.command else "the command"


def _lost_fix(progress: Progress, atomic: bool, doubt: bool, before: str) -> Text:
    command = _command(progress)
    current = Run("current")
    unit = progress.unit
    if atomic or unit is None or not unit.migration:
        return Text(
            "check that the server is running, then run ", current, " and ", command, " again"
        )
    undo = "undo what that migration did (or make it skip what exists)"
    if doubt:
        return Text(
            "check that the server is running and run ",
            current,
            f": if it shows {before}, {undo}, then run ",
            command,
            " again",
        )
    return Text(
        f"check that the server is running and {undo}, then run ",
        current,
        " and ",
        command,
        " again",
    )


def _read_only(database: str | None) -> tuple[str, str]:
    """Why SQLite cannot write ``database``, and what to do about it."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return (
            "SQLite cannot write the file or create its journal",
            "make the file and its folder writable",
        )
    path = os.path.abspath(database)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        return (
            f"its folder {folder} is gone (moved or deleted), so SQLite cannot create its "
            "journal there",
            f"put the database back at {path}",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"its folder {folder} is read-only, so SQLite cannot create its journal there",
            f"make {folder} writable",
        )
    if not os.access(path, os.W_OK):
        return f"the file {path} is read-only", f"make {path} writable"
    return (
        "SQLite cannot write the file or create its journal",
        f"make {path} and its folder writable",
    )


def _dialect(dialect: Dialect) -> str:
    if dialect.name == "postgresql":
        return "PostgreSQL"
    if dialect.name in ("mysql", "mariadb"):
        return "MariaDB" if getattr(dialect, "is_mariadb", False) else "MySQL"
    return "SQLite" if dialect.name == "sqlite" else dialect.name


def _reason(exc: DBAPIError) -> str:
    orig = exc.orig
    if orig is None:
        return _first_line(str(exc))
    args: tuple[object, ...] = tuple(getattr(orig, "args", ()))
    # PyMySQL's errors are (code, message).
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
        return _first_line(args[1]) or str(args[0])
    return _first_line(str(orig)) or type(orig).__name__


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip().rstrip(".") if lines else ""
