"""What the running migration executed, and how much of it is committed.

A migration that uses ``op.get_context().autocommit_block()`` is not atomic: the block
commits what the migration did before it, its statements commit as they run (PostgreSQL,
MySQL/MariaDB) or together at its end (SQLite), and the rest of the migration runs in a new
transaction that also writes the version row. When such a migration fails, the version table
still names the revision before it, and the message lists the statements that stay
committed, so that they can be undone by hand. :class:`StatementLog` keeps that list.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.expression import Executable

__all__ = ["StatementLog", "listed"]

_SPACE = re.compile(r"\s+")
#: Longest statement text in a message, and most statements listed.
_WIDTH = 120
_LISTED = 8


class StatementLog:
    """The statements one migration ran, in order; the first :attr:`committed` of them are
    committed.

    A statement is rendered as SQL when it completes, except the run's own inserts, updates
    and deletes of ``own_tables`` (the version table and the applied log): their tables are
    never changed and their values are plain, so they render the same text later, and only
    when a message lists them.
    """

    def __init__(self, dialect: Dialect, own_tables: Collection[Table] = ()) -> None:
        self.dialect = dialect
        self.own_tables = tuple(own_tables)
        self._ran: list[str | Executable] = []
        self.committed = 0
        #: Whether each statement commits as it runs (inside an autocommit block, outside
        #: SQLite).
        self.autocommit = False
        #: Whether the migration is inside its autocommit block (or failed there).
        self.inside = False

    def reset(self) -> None:
        """A new migration starts."""
        self._ran = []
        self.committed = 0
        self.autocommit = False
        self.inside = False

    def ran(self, statement: Executable) -> None:
        """``statement`` completed."""
        own = isinstance(statement, UpdateBase) and any(
            statement.table is table for table in self.own_tables
        )
        self._ran.append(statement if own else self._render(statement))
        if self.autocommit:
            self.committed = len(self._ran)

    def _render(self, statement: Executable) -> str:
        try:
            sql = str(statement.compile(dialect=self.dialect))  # type: ignore[attr-defined]
        except Exception:  # a statement that does not compile here is still named
            sql = type(statement).__name__
        return _short(sql)

    @property
    def statements(self) -> list[str]:
        """The statements that ran, as SQL text."""
        rendered = [item if isinstance(item, str) else self._render(item) for item in self._ran]
        self._ran = [*rendered]
        return rendered

    def commit(self) -> None:
        """Everything so far is committed."""
        self.committed = len(self._ran)

    @property
    def kept(self) -> list[str]:
        """The committed statements."""
        return self.statements[: self.committed]


def _short(sql: str) -> str:
    text = _SPACE.sub(" ", sql).strip()
    return text if len(text) <= _WIDTH else text[: _WIDTH - 3] + "..."


def listed(statements: Sequence[str]) -> str:
    """``CREATE INDEX ...; ALTER TABLE ...`` (at most a few, then how many more)."""
    shown = "; ".join(statements[:_LISTED])
    more = len(statements) - _LISTED
    return shown + (f"; and {more} more" if more > 0 else "")
