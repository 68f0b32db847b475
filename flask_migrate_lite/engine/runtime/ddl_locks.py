"""How long a migration statement may wait for a table lock, and what happens when it cannot.

A DDL statement that waits for a lock on a busy table makes every query that arrives after
it wait too (the lock queue), so a run sets a lock timeout on its session: PostgreSQL
``lock_timeout`` (milliseconds) and MySQL/MariaDB ``lock_wait_timeout`` (whole seconds,
rounded up). When a statement times out, the run retries with backoff, a bounded number of
times:

* PostgreSQL rolls the migration's transaction back, so the whole migration runs again
  (:meth:`DdlLocks.retry_step` says whether that is safe: not when the run is one
  transaction, nor after an ``autocommit_block()`` committed part of the migration).
* MySQL/MariaDB commit each DDL statement as it runs; the statement that timed out did
  nothing, so only that statement runs again (:meth:`DdlLocks.run_statement`). That holds for
  the statements a migration sends straight on ``op.get_bind()`` too: for the run, the
  connection's ``execute``/``exec_driver_sql``/``scalar``/``scalars`` go through the same
  retry (:meth:`DdlLocks.retrying`). On PostgreSQL they are retried with the whole migration.

When the retries are used up the error names the session holding the lock: on PostgreSQL
the ``pg_blocking_pids()`` of the run's backend, watched from a second connection while the
retries wait; on MySQL/MariaDB the oldest open transaction of another session (or, failing
that, the longest-running other session) of the same database. SQLite has no lock timeout
for DDL: its write transaction is the migration lock (``MIGRATE_LOCK_TIMEOUT``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..advice import Run, Text
from ..errors import MigrateError

__all__ = ["DdlLockTimeout", "DdlLocks", "is_lock_timeout"]

T = TypeVar("T")

#: PostgreSQL's SQLSTATE for ``lock_timeout`` (lock_not_available).
_PG_LOCK_NOT_AVAILABLE = "55P03"
#: MySQL/MariaDB: lock_wait_timeout (metadata lock) / innodb_lock_wait_timeout (row lock).
_MY_LOCK_WAIT_TIMEOUT = 1205
_WATCH_SECONDS = 0.05

_PG_BLOCKERS = text(
    "SELECT pid, usename, application_name, state, query,"
    " EXTRACT(EPOCH FROM now() - COALESCE(xact_start, query_start))"
    " FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids(:pid)) ORDER BY xact_start"
)
_PG_OLDEST = text(
    "SELECT pid, usename, application_name, state, query,"
    " EXTRACT(EPOCH FROM now() - xact_start)"
    " FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()"
    " AND xact_start IS NOT NULL ORDER BY xact_start LIMIT 1"
)
_MY_OLDEST = text(
    "SELECT p.ID, p.USER, p.HOST, p.COMMAND, p.INFO,"
    " COALESCE(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), p.TIME)"
    " FROM information_schema.PROCESSLIST p"
    " LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID"
    " WHERE p.ID <> CONNECTION_ID() AND p.DB = DATABASE()"
    " ORDER BY t.trx_started IS NULL, t.trx_started, p.TIME DESC LIMIT 1"
)


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the database giving up waiting for a lock."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.orig is not None:
            orig = current.orig
            if getattr(orig, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE:
                return True
            args = getattr(orig, "args", ())
            if args and args[0] == _MY_LOCK_WAIT_TIMEOUT:
                return True
        current = current.__cause__ or current.__context__
    return False


class DdlLockTimeout(MigrateError):
    """A statement of a migration could not get its lock within the retries."""

    def __init__(
        self, database: str, attempts: int, wait: str, blocker: str, command: str = "upgrade"
    ) -> None:
        super().__init__(
            Text(
                f"{database} gave up waiting for a lock on a table after {attempts} attempt"
                f"{'' if attempts == 1 else 's'} of {wait} each: {blocker}; end "
                "that transaction (or wait for it to finish), then run ",
                Run(command),
                " again, or raise MIGRATE_DDL_LOCK_TIMEOUT",
            )
        )
        self.attempts = attempts
        self.wait = wait
        self.blocker = blocker


@dataclass(frozen=True)
class Blocker:
    """A session that holds a lock the run waits for."""

    session: str
    who: str
    state: str
    seconds: float
    #: ``its last statement: ...`` (PostgreSQL) or ``running ...`` (MySQL/MariaDB).
    statement: str

    def describe(self) -> str:
        return (
            f"session {self.session} ({self.who}) holds it, {self.state} for "
            f"{self.seconds:.0f} s, {self.statement}"
        )


def _short(query: object) -> str:
    text = " ".join(str(query or "").split())
    return text if len(text) <= 120 else text[:117] + "..."


def _pg_blocker(row: Sequence[Any]) -> Blocker:
    who = f"user {row[1]}" + (f", application {row[2]}" if row[2] else "")
    state = f"'{row[3]}'" if row[3] else "open"
    query = _short(row[4])
    return Blocker(
        str(row[0]), who, state, float(row[5] or 0), f"its last statement: {query or '(none)'}"
    )


def _my_blocker(row: Sequence[Any]) -> Blocker:
    # PROCESSLIST shows the statement running now, none for an idle session.
    idle = str(row[3]) == "Sleep"
    query = _short(row[4])
    return Blocker(
        str(row[0]),
        f"{row[1]}@{row[2]}",
        "idle in a transaction" if idle else f"'{row[3]}'",
        float(row[5] or 0),
        f"running {query}" if query else "running no statement",
    )


class _Watch:
    """A second connection polling ``pg_blocking_pids()`` of the run's backend."""

    def __init__(self, connection: Connection, pid: int) -> None:
        self.engine = connection.engine
        self.pid = pid
        self.seen: Blocker | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        try:
            with self.engine.connect() as watcher:
                while not self._stop.is_set():
                    row = watcher.execute(_PG_BLOCKERS, {"pid": self.pid}).first()
                    watcher.rollback()
                    if row is not None:
                        self.seen = _pg_blocker(row)
                    self._stop.wait(_WATCH_SECONDS)
        except DBAPIError:
            pass  # no second connection: the message falls back to the oldest transaction

    def __enter__(self) -> _Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


class DdlLocks:
    """The lock timeout of one run on ``connection``, its retries and its message."""

    def __init__(
        self,
        connection: Connection,
        timeout_ms: float | None,
        retries: int,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self.name = connection.dialect.name
        self.timeout_ms = timeout_ms if timeout_ms and timeout_ms > 0 else None
        self.retries = max(retries, 0)
        self.backoff = backoff
        self.sleep = sleep
        self._pid: int | None = None
        #: Inside :meth:`run_statement`: a statement it runs is not retried a second time.
        self._inside = False
        #: The command running (``upgrade`` or ``downgrade``), for the advice to run it again.
        self.command = "upgrade"

    @property
    def active(self) -> bool:
        return self.timeout_ms is not None and self.name in ("postgresql", "mysql", "mariadb")

    @property
    def database(self) -> str:
        if self.name == "postgresql":
            return "PostgreSQL"
        return "MariaDB" if getattr(self.connection.dialect, "is_mariadb", False) else "MySQL"

    @property
    def wait(self) -> str:
        """The wait each attempt allows, as the database applies it."""
        if self.timeout_ms is None:
            return "no limit"
        if self.name == "postgresql":
            return f"{int(self.timeout_ms)} ms"
        return f"{self._seconds()} s"

    def _seconds(self) -> int:
        # lock_wait_timeout takes whole seconds: rounded up, at least 1.
        return max(1, -(-int(self.timeout_ms or 0) // 1000))

    @contextmanager
    def session(self) -> Iterator[None]:
        """Set the session's lock timeout for the block and put the previous one back."""
        if not self.active:
            yield
            return
        assert self.timeout_ms is not None
        connection = self.connection
        if self.name == "postgresql":
            setting = "lock_timeout"
            self._pid = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() or 0)
            value = f"'{int(self.timeout_ms)}ms'"
        else:
            setting = "lock_wait_timeout"
            value = str(self._seconds())
        before = (
            connection.exec_driver_sql(f"SELECT @@session.{setting}").scalar()
            if (self.name != "postgresql")
            else connection.exec_driver_sql("SHOW lock_timeout").scalar()
        )
        connection.exec_driver_sql(f"SET SESSION {setting} = {value}")
        try:
            yield
        finally:
            if not connection.invalidated:
                try:
                    if connection.in_transaction():
                        connection.rollback()
                    restore = f"'{before}'" if self.name == "postgresql" else str(before)
                    connection.exec_driver_sql(f"SET SESSION {setting} = {restore}")
                    connection.commit()
                except DBAPIError:
                    pass  # a broken session takes its setting with it

    def _pause(self, attempt: int) -> None:
        self.sleep(min(self.backoff * (2 ** (attempt - 1)), 30.0))

    def _give_up(self, attempts: int, seen: Blocker | None) -> DdlLockTimeout:
        blocker = seen or self._oldest()
        told = blocker.describe() if blocker is not None else "no other session was found"
        return DdlLockTimeout(self.database, attempts, self.wait, told, self.command)

    def _oldest(self) -> Blocker | None:
        """The other session most likely to hold the lock: the oldest open transaction."""
        query, build = (
            (_PG_OLDEST, _pg_blocker) if self.name == "postgresql" else (_MY_OLDEST, _my_blocker)
        )
        try:
            if self.connection.in_transaction():
                self.connection.rollback()
            row = self.connection.execute(query).first()
            self.connection.rollback()
        except DBAPIError:
            return None
        return build(row) if row is not None else None

    def attempt_step(self, run: Callable[[], T], retry_allowed: Callable[[], bool]) -> T:
        """Run a whole migration, again after a lock timeout (PostgreSQL).

        ``run`` begins, runs and commits the migration and rolls it back on failure;
        ``retry_allowed`` says, after a failure, whether running it again is safe.
        """
        if not self.active or self.name != "postgresql":
            return run()
        seen: Blocker | None = None
        attempt = 1
        while True:
            watch = _Watch(self.connection, self._pid or 0) if attempt > 1 else None
            try:
                if watch is None:
                    return run()
                with watch:
                    return run()
            except Exception as exc:
                if watch is not None and watch.seen is not None:
                    seen = watch.seen
                if not is_lock_timeout(exc):
                    raise
                if attempt > self.retries or not retry_allowed():
                    raise self._give_up(attempt, seen) from exc
            self._pause(attempt)
            attempt += 1

    def run_statement(self, run: Callable[[], T]) -> T:
        """Run one statement, again after a lock timeout (MySQL/MariaDB, DDL autocommits)."""
        if not self.active or self.name == "postgresql" or self._inside:
            return run()
        attempt = 1
        while True:
            try:
                self._inside = True
                try:
                    return run()
                finally:
                    self._inside = False
            except DBAPIError as exc:
                if not is_lock_timeout(exc):
                    raise
                if attempt > self.retries:
                    raise self._give_up(attempt, None) from exc
            self._pause(attempt)
            attempt += 1

    @contextmanager
    def retrying(self) -> Iterator[None]:
        """MySQL/MariaDB: for the block, every statement run on the connection (the ones a
        migration sends on ``op.get_bind()`` included) goes through :meth:`run_statement`.

        The connection object stays the same (``sa.inspect()`` and identity keep working);
        only its class is, for the block, a subclass whose executing methods retry.
        """
        if not self.active or self.name == "postgresql":
            yield
            return
        connection = self.connection
        before = type(connection)
        connection.__class__ = _retried_class(before, self)
        try:
            yield
        finally:
            connection.__class__ = before


def _retried_class(base: type[Connection], locks: DdlLocks) -> type[Connection]:
    """A subclass of ``base`` whose executing methods run through ``locks.run_statement``."""

    def wrap(name: str) -> Callable[..., Any]:
        method = getattr(base, name)

        def retried(self: Connection, *args: Any, **kwargs: Any) -> Any:
            return locks.run_statement(lambda: method(self, *args, **kwargs))

        retried.__name__ = name
        return retried

    methods: dict[str, Any] = {
        name: wrap(name) for name in ("execute", "exec_driver_sql", "scalar", "scalars")
    }
    return type(base.__name__, (base,), {"__slots__": (), **methods})
