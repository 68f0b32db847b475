"""How a run of migrations uses transactions, per database.

A run opens once (taking the migration lock), then each step begins, and commits or rolls
back. Two strategies:

* :class:`DriverTransactions` (PostgreSQL, MySQL/MariaDB, others): SQLAlchemy transactions,
  one per step, or one around the whole run (not on MySQL/MariaDB, whose DDL commits
  anyway: there each step commits its version-table change). The lock is a session lock
  (:mod:`.lock`).
* :class:`SQLiteTransactions`: the Python driver's own transaction handling would commit
  before DDL, so the connection is put in driver autocommit and the run issues
  ``BEGIN IMMEDIATE`` itself. That write transaction is the lock and is held for the whole
  run; each step is a ``SAVEPOINT``, which SQLite rolls back DDL and all. ``PRAGMA
  foreign_keys`` cannot change inside a transaction, so when enforcement is on it is turned
  off before BEGIN, each step is checked with ``PRAGMA foreign_key_check`` before it is
  released (rows it leaves dangling make it fail; rows that were dangling before it do
  not), and enforcement is restored after COMMIT. SQLAlchemy's own transaction on the
  connection is begun once, before all this, so that an application's ``begin`` event
  hook (the pysqlite recipe that emits ``BEGIN`` there) cannot start a transaction in the
  middle of the run.

Both keep the migration lock through ``op.get_context().autocommit_block()``: the session
locks of PostgreSQL and MySQL/MariaDB outlive the commits around the block, and SQLite takes
its write transaction again at once after each of them (see :meth:`SQLiteTransactions.autocommit`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy.engine import Connection, RootTransaction
from sqlalchemy.exc import OperationalError

from ..errors import CommandError, LockTimeout
from .lock import migration_lock

__all__ = ["DriverTransactions", "SQLiteTransactions", "Transactions", "transactions_for"]

_SAVEPOINT = "flask_migrate_lite_step"


class Transactions:
    """The transaction strategy of one run (see the module documentation)."""

    #: Whether a failed step leaves nothing behind (False on MySQL/MariaDB).
    atomic_steps = True

    def __init__(
        self, connection: Connection, *, per_migration: bool, lock_timeout: float, url: str
    ) -> None:
        self.connection = connection
        self.per_migration = per_migration
        self.lock_timeout = lock_timeout
        self.url = url
        #: Steps of this run completed (made part of the run), and how many of them are
        #: committed in the database: what a dropped connection keeps.
        self.completed = 0
        self.committed = 0
        #: Whether a COMMIT is under way (its outcome is unknown if the connection drops).
        self.committing = False

    @contextmanager
    def run(self, table_name: str, schema: str | None) -> Iterator[None]:
        """Hold the lock (and, where used, the run's transaction) for the block."""
        raise NotImplementedError

    def begin_step(self) -> None:
        """Open the step's transaction."""
        raise NotImplementedError

    def commit_step(self) -> None:
        """Make the step permanent (or part of the run's transaction)."""
        raise NotImplementedError

    def rollback_step(self) -> None:
        """Undo the step as far as the database allows."""
        raise NotImplementedError

    #: Whether each statement of an autocommit block commits as it runs.
    block_commits_each = True

    @contextmanager
    def autocommit(self) -> Iterator[None]:
        """Leave the step's transaction for the block (``op.get_context().autocommit_block()``)."""
        raise NotImplementedError


class DriverTransactions(Transactions):
    """SQLAlchemy-managed transactions under a session lock."""

    def __init__(
        self, connection: Connection, *, per_migration: bool, lock_timeout: float, url: str
    ) -> None:
        super().__init__(
            connection, per_migration=per_migration, lock_timeout=lock_timeout, url=url
        )
        self.atomic_steps = connection.dialect.name not in ("mysql", "mariadb")
        if not self.atomic_steps:
            # DDL commits implicitly, so one transaction around the run cannot undo it; it
            # could only lose the version rows of completed migrations still pending in it
            # (when the next migration fails before its first DDL statement). Commit the
            # version table after each migration instead.
            self.per_migration = True
        self._run_tx: RootTransaction | None = None
        self._step_tx: RootTransaction | None = None

    @contextmanager
    def run(self, table_name: str, schema: str | None) -> Iterator[None]:
        if self.connection.in_transaction():
            self.connection.commit()
        with migration_lock(self.connection, table_name, schema, self.lock_timeout, self.url):
            if self.per_migration:
                yield
                return
            self._run_tx = self.connection.begin()
            try:
                yield
            except BaseException:
                if self._run_tx.is_active:
                    self._run_tx.rollback()
                raise
            finally:
                run_tx, self._run_tx = self._run_tx, None
            if run_tx.is_active:
                self.committing = True
                run_tx.commit()
                self.committing = False
                self.committed = self.completed

    def begin_step(self) -> None:
        if self._run_tx is None:
            if self.connection.in_transaction():
                self.connection.commit()
            self._step_tx = self.connection.begin()

    def commit_step(self) -> None:
        self.completed += 1
        if self._step_tx is not None:
            step_tx, self._step_tx = self._step_tx, None
            self.committing = True
            step_tx.commit()
            self.committing = False
            self.committed = self.completed

    def rollback_step(self) -> None:
        if self._step_tx is not None:
            step_tx, self._step_tx = self._step_tx, None
            if step_tx.is_active:
                step_tx.rollback()
        elif self._run_tx is not None and self._run_tx.is_active:
            self._run_tx.rollback()

    @contextmanager
    def autocommit(self) -> Iterator[None]:
        connection = self.connection
        if connection.in_transaction():
            connection.commit()
            self.committed = self.completed
        self._step_tx = None
        level = connection.get_isolation_level()
        connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield
        finally:
            # The block's statements began a (driver-autocommit) SQLAlchemy transaction;
            # the isolation level can only change once it has ended.
            if connection.in_transaction():
                connection.commit()
            connection.execution_options(isolation_level=level)
            if self.per_migration:
                self._step_tx = connection.begin()
            else:
                self._run_tx = connection.begin()


class SQLiteTransactions(Transactions):
    """``BEGIN IMMEDIATE`` for the run and a ``SAVEPOINT`` per step, issued by hand."""

    def __init__(
        self, connection: Connection, *, per_migration: bool, lock_timeout: float, url: str
    ) -> None:
        super().__init__(
            connection, per_migration=per_migration, lock_timeout=lock_timeout, url=url
        )
        self._foreign_keys = False
        # Whether a step's savepoint is open (its changes neither released nor undone).
        self._step_open = False
        # Rows failing PRAGMA foreign_key_check, counted per (table, referenced table),
        # before the current step: only violations a step adds make it fail.
        self._violations: Counter[tuple[str, str]] = Counter()

    def _sql(self, statement: str) -> None:
        self.connection.exec_driver_sql(statement)

    def _pragma(self, name: str) -> int:
        return int(self.connection.exec_driver_sql(f"PRAGMA {name}").scalar() or 0)

    def _begin_immediate(self) -> None:
        try:
            self._sql("BEGIN IMMEDIATE")
        except OperationalError as exc:
            if "locked" in str(exc.orig):
                raise LockTimeout(self.url, self.lock_timeout) from exc
            raise

    @contextmanager
    def run(self, table_name: str, schema: str | None) -> Iterator[None]:
        connection = self.connection
        if connection.in_transaction():
            connection.commit()
        connection.execution_options(isolation_level="AUTOCOMMIT")
        # Begin SQLAlchemy's own transaction now and keep it for the whole run, so that an
        # application's "begin" event hook (SQLAlchemy's pysqlite recipe emits BEGIN there)
        # runs here rather than in the middle of the run; a driver transaction such a hook
        # opened holds nothing yet and must end before the PRAGMAs and BEGIN IMMEDIATE.
        connection.begin()
        if self._driver_in_transaction():
            self._sql("ROLLBACK")
        with ExitStack() as restore:
            busy = self._pragma("busy_timeout")
            self._sql(f"PRAGMA busy_timeout = {int(max(self.lock_timeout, 0) * 1000)}")
            restore.callback(self._sql, f"PRAGMA busy_timeout = {busy}")
            self._foreign_keys = bool(self._pragma("foreign_keys"))
            if self._foreign_keys:
                self._sql("PRAGMA foreign_keys = OFF")
                restore.callback(self._sql, "PRAGMA foreign_keys = ON")
            self._begin_immediate()
            self._step_open = False
            if self._foreign_keys:
                self._violations = self._foreign_key_violations()
            try:
                yield
            except BaseException:
                # When each migration is its own unit, the completed ones are kept: a failed
                # step was rolled back to its savepoint. A step left half done (its rollback
                # failed), or a run that is one unit, is undone as a whole.
                self._finish(commit=self.per_migration and not self._step_open)
                raise
            self._finish(commit=True)

    def _driver_in_transaction(self) -> bool:
        driver = self.connection.connection.driver_connection
        return bool(getattr(driver, "in_transaction", True))

    def _finish(self, *, commit: bool) -> None:
        if not self._driver_in_transaction():
            return
        if commit:
            self._commit()
        else:
            self._sql("ROLLBACK")

    def _commit(self) -> None:
        """``COMMIT``; when it fails (a reader keeps its lock), roll back instead.

        SQLite leaves the transaction open after a ``COMMIT`` that could not get its lock;
        rolling it back gives the write lock up at once rather than when the connection
        closes, and leaves the database as the last commit left it.
        """
        self.committing = True
        try:
            self._sql("COMMIT")
        except OperationalError:
            if self._driver_in_transaction():
                self._sql("ROLLBACK")
            raise
        self.committing = False
        self.committed = self.completed

    def begin_step(self) -> None:
        self._sql(f"SAVEPOINT {_SAVEPOINT}")
        self._step_open = True

    def _foreign_key_violations(self) -> Counter[tuple[str, str]]:
        rows = self.connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        return Counter((str(row[0]), str(row[2])) for row in rows)

    def _check_foreign_keys(self) -> None:
        """Refuse a step that leaves rows whose foreign keys point at nothing.

        Enforcement is off during the run, so the check runs before the step is kept. Rows
        that were already dangling before the step (the application may have had
        enforcement off when it wrote them) do not count against it.
        """
        if not self._foreign_keys:
            return
        found = self._foreign_key_violations()
        added = sorted({key[0] for key, count in found.items() if count > self._violations[key]})
        if added:
            raise CommandError(
                f"the migration leaves rows whose foreign keys point at nothing in "
                f"{', '.join(added)} (PRAGMA foreign_key_check)"
            )
        self._violations = found

    def commit_step(self) -> None:
        self._check_foreign_keys()
        self._sql(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        self._step_open = False
        self.completed += 1

    def rollback_step(self) -> None:
        self._sql(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        self._sql(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        self._step_open = False

    #: The block runs in a transaction of its own, committed at its end.
    block_commits_each = False

    @contextmanager
    def autocommit(self) -> Iterator[None]:
        # SQLite has no statement that must run outside a transaction, so the block is a
        # commit point: what the step did so far is committed (it must pass the foreign key
        # check), the block runs in a write transaction of its own, committed at its end,
        # and the rest of the step in another. Each is taken with BEGIN IMMEDIATE right
        # after the COMMIT, so the write lock (the migration lock here) is given up only
        # for that instant. A block that raises is undone by the step's rollback.
        self._commit_and_continue()
        yield
        self._commit_and_continue()

    def _commit_and_continue(self) -> None:
        self._check_foreign_keys()
        self._sql(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        self._step_open = False
        self._commit()
        self._begin_immediate()
        self._sql(f"SAVEPOINT {_SAVEPOINT}")
        self._step_open = True


def transactions_for(
    connection: Connection, *, per_migration: bool, lock_timeout: float, url: str
) -> Transactions:
    """The strategy for ``connection``'s database."""
    factory: Callable[..., Transactions] = (
        SQLiteTransactions if connection.dialect.name == "sqlite" else DriverTransactions
    )
    return factory(connection, per_migration=per_migration, lock_timeout=lock_timeout, url=url)
