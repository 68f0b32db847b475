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
from collections.abc import Sequence

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Executable

__all__ = ["StatementLog", "listed"]

_SPACE = re.compile(r"\s+")
#: Longest statement text in a message, and most statements listed.
_WIDTH = 120
_LISTED = 8


class StatementLog:
    """The statements one migration ran, in order; the first :attr:`committed` of them are
    committed."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.statements: list[str] = []
        self.committed = 0
        #: Whether each statement commits as it runs (inside an autocommit block, outside
        #: SQLite).
        self.autocommit = False
        #: Whether the migration is inside its autocommit block (or failed there).
        self.inside = False

    def reset(self) -> None:
        """A new migration starts."""
        self.statements = []
        self.committed = 0
        self.autocommit = False
        self.inside = False

    def ran(self, statement: Executable) -> None:
        """``statement`` completed."""
        try:
            sql = str(statement.compile(dialect=self.dialect))  # type: ignore[attr-defined]
        except Exception:  # a statement that does not compile here is still named
            sql = type(statement).__name__
        self.statements.append(_short(sql))
        if self.autocommit:
            self.committed = len(self.statements)

    def commit(self) -> None:
        """Everything so far is committed."""
        self.committed = len(self.statements)

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
