"""Running migrations: online on a connection, or offline into an SQL script.

:class:`MigrationContext` is what :data:`op` acts on while a migration runs. Online, it holds
the migration lock, re-reads the version table after taking it, plans with what it read and
runs each step in a transaction together with the step's version-table change (see
:mod:`.transactions`). Offline (``as_sql``), it writes each step's DDL and version-table
statements, with ``-- Running upgrade X -> Y`` comments (every line of a message
commented) and ``BEGIN;``/``COMMIT;`` where the database has transactional DDL.
"""

from __future__ import annotations

import sys
import time
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from ..advice import Text
from ..config import RunOptions
from ..ddl import DefaultImpl, impl_for
from ..errors import MigrateError, MigrationFailed, ScriptError
from ..operations.api import Operations, running
from ..script.revision import Revision
from ..urls import mask_url
from .applied_log import create_log_sql, ensure_log_table, log_table, module_checksum, write_row
from .ddl_locks import DdlLocks, DdlLockTimeout
from .faults import Progress, Unit, fault_error, fault_of, step_label
from .plan import Step, VersionChange
from .ran import StatementLog, listed
from .transactions import Transactions, transactions_for
from .version import apply_changes, ensure_version_table, heads_after, read_heads, version_table

__all__ = ["MigrationContext", "Planner", "Loader", "Reporter"]

#: Plans the steps from the heads read under the lock.
Planner = Callable[[tuple[str, ...]], list[Step]]
#: Imports a revision's module, to run it.
Loader = Callable[[Revision], types.ModuleType]
#: Told about each step just before it runs.
Reporter = Callable[[Step], None]


class MigrationContext:
    """One database being migrated (online with ``connection``, or offline with ``dialect``).

    ``bind`` names a Flask-SQLAlchemy bind in a multi-database project: its steps call the
    scripts' ``upgrade_<bind>()``/``downgrade_<bind>()`` functions, and a script without the
    function has nothing to do for that database.
    """

    def __init__(
        self,
        connection: Connection | None,
        options: RunOptions,
        *,
        dialect: Dialect | None = None,
        output: TextIO | None = None,
        url: str = "",
        bind: str | None = None,
    ) -> None:
        if connection is None and not options.as_sql:
            raise MigrateError("Running migrations online needs a connection.")
        if dialect is None:
            if connection is None:
                raise MigrateError("Offline mode needs the database's dialect.")
            dialect = connection.dialect
        self.connection = connection
        self.options = options
        self.dialect = dialect
        self.url = url or (mask_url(connection.engine.url) if connection is not None else "")
        self.bind = bind
        self.table = version_table(options.version_table, options.version_table_schema)
        # The applied log's table (a row per revision run), or None when it is turned off.
        self.applied_log = (
            log_table(options.log_table_name, options.version_table_schema)
            if options.log_table_name
            else None
        )
        self._impl = impl_for(
            dialect,
            None if options.as_sql else connection,
            as_sql=options.as_sql,
            output=output if output is not None else sys.stdout,
        )
        # Offline, the implementation compiles with a copy of the dialect made for scripts.
        self.dialect = self._impl.dialect
        self._tx: Transactions | None = None
        self._table_ready = False
        # Whether the running step has committed part of itself in an autocommit_block().
        self._step_autocommitted = False
        # The statements the running step ran, and how many of them are committed.
        self._statement_log = StatementLog(
            self.dialect,
            [self.table] if self.applied_log is None else [self.table, self.applied_log],
        )
        # Where the online run is, to say what a dropped connection left behind.
        self._progress = Progress()
        # The run's lock timeout for DDL and its retries (set when an online run starts).
        self._ddl: DdlLocks | None = None

    # -- what Operations needs (MigrationHandle) -------------------------------------------

    @property
    def impl(self) -> DefaultImpl:
        """The DDL implementation of this database."""
        return self._impl

    @property
    def x_args(self) -> Mapping[str, str]:
        """The ``-x key=value`` arguments of the command line."""
        return self.options.x_args

    @property
    def as_sql(self) -> bool:
        """Whether statements are written out rather than run."""
        return self.options.as_sql

    @property
    def tag(self) -> str | None:
        """The ``--tag`` argument of the command line."""
        return self.options.tag

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Run the block outside the migration's transaction (``CREATE INDEX CONCURRENTLY``).

        Everything the migration did before the block is committed first, and the rest of the
        migration runs in a new transaction; the migration lock stays held throughout. On
        PostgreSQL and MySQL/MariaDB the block's statements commit one by one as they run;
        SQLite, which has no statement that must run outside a transaction, runs the block in
        a transaction of its own, committed at its end. The version row is written with the
        rest of the migration, so a failure in or after the block leaves it at the revision
        before, and the error lists the statements that stay committed.
        """
        self._impl.autocommit_block(True)
        try:
            with self._autocommit_block():
                yield
        finally:
            self._impl.autocommit_block(False)

    @contextmanager
    def _autocommit_block(self) -> Iterator[None]:
        if self.as_sql:
            self._impl.commit_sql()
            yield
            self._impl.begin_transaction_sql()
            return
        if self._tx is None:
            raise MigrateError("autocommit_block() can only be used while a migration runs.")
        self._step_autocommitted = self._progress.partial = True
        statements = self._statement_log
        with self._tx.autocommit():
            statements.commit()
            statements.inside = True
            statements.autocommit = self._tx.block_commits_each
            try:
                yield
            finally:
                statements.autocommit = False
            statements.inside = False
        statements.commit()

    # -- online ------------------------------------------------------------------------------

    def _connection(self) -> Connection:
        if self.connection is None:
            raise MigrateError("This needs a database connection; it is not available offline.")
        return self.connection

    def current_heads(self) -> tuple[str, ...]:
        """The revisions the database is at (the version table's rows)."""
        connection = self._connection()
        heads = read_heads(connection, self.table)
        if connection.in_transaction() and self._tx is None:
            connection.commit()
        return heads

    def _transactions(self) -> Transactions:
        return transactions_for(
            self._connection(),
            per_migration=self.options.transaction_per_migration,
            lock_timeout=self.options.lock_timeout,
            url=self.url,
        )

    def run(self, plan: Planner, load: Loader, report: Reporter | None = None) -> list[Step]:
        """Take the lock, read the heads, plan with them, and run the steps in order.

        Returns the steps that ran. A step whose script raises is undone (where the database
        allows) and reported as :class:`MigrationFailed`; the steps before it stay applied
        unless the run is one transaction (``transaction_per_migration=False``).
        """
        if self.as_sql:
            return self.run_offline(plan(()), load, report)
        connection = self._connection()
        tx = self._transactions()
        progress = self._progress = Progress.starting(connection)
        done: list[Step] = []
        locks = self._ddl = DdlLocks(
            connection, self.options.ddl_lock_timeout, self.options.ddl_lock_retries
        )
        try:
            with locks.session(), locks.retrying(), tx.run(self.table.name, self.table.schema):
                self._tx = tx
                self._impl.statement_runner = locks.run_statement if locks.active else None
                try:
                    progress.doing = "reading the version table"
                    heads = progress.start = read_heads(connection, self.table)
                    steps = plan(heads)
                    if not steps:
                        progress.doing = "creating the version table"
                        tx.begin_step()
                        self._ensure_table(connection)
                        tx.commit_step()
                    for step in steps:
                        if report is not None:
                            report(step)
                        self._run_step(tx, step, load, heads_at_start=heads)
                        done.append(step)
                    if steps:
                        progress.doing = "committing the migrations of this run"
                finally:
                    self._tx = None
                    self._impl.statement_runner = None
        except Exception as exc:
            fault = fault_error(exc, connection, tx, progress, self.url)
            if fault is None:
                raise
            raise fault from exc
        return done

    def _ensure_table(self, connection: Connection) -> None:
        # Created inside the first step's transaction, so a first migration that fails
        # leaves no version table behind where DDL is transactional.
        if not self._table_ready:
            ensure_version_table(connection, self.table)
            if self.applied_log is not None:
                ensure_log_table(connection, self.applied_log)
            self._table_ready = True

    def _run_step(
        self, tx: Transactions, step: Step, load: Loader, *, heads_at_start: tuple[str, ...]
    ) -> None:
        connection = self._connection()
        label = step_label(step)
        direction = "upgrade" if step.is_upgrade else "downgrade"
        self._progress.begin(Unit(label, direction, step.heads_after))
        try:
            # After a lock timeout a migration that was wholly rolled back runs again.

            def once() -> None:
                self._attempt(tx, step, load, label)

            if self._ddl is None:
                once()
            else:
                self._ddl.command = direction
                self._ddl.attempt_step(
                    once,
                    lambda: tx.atomic_steps and tx.per_migration and not self._step_autocommitted,
                )
        except ScriptError:
            raise
        except BaseException as exc:
            if not isinstance(exc, Exception) or connection.invalidated or fault_of(exc):
                raise  # not the script's doing: run() says what happened
            raise self._failure(tx, step, exc, heads_at_start) from exc

    def _attempt(self, tx: Transactions, step: Step, load: Loader, label: str) -> None:
        """Run ``step`` once in its transaction; on failure roll it back and raise."""
        connection = self._connection()
        tx.begin_step()
        self._step_autocommitted = False
        started = time.monotonic()
        self._statement_log.reset()
        self._impl.on_statement = self._statement_log.ran
        try:
            module = load(step.revision)
            function = self._function(module, step)
            self._ensure_table(connection)
            if function is not None:
                with running(Operations(self)):
                    function()
            self._progress.doing = f"updating the version table for {label}"
            apply_changes(self._impl, self.table, step.changes)
            self._log_step(step, module, int((time.monotonic() - started) * 1000))
            self._progress.doing = f"committing {label}"
            tx.commit_step()
            self._progress.complete()
        except ScriptError:
            self._table_ready = False
            tx.rollback_step()
            raise
        except BaseException:
            self._table_ready = False
            try:
                tx.rollback_step()
            except DBAPIError:
                pass  # the connection is gone; the database rolled the step back itself
            raise
        finally:
            self._impl.on_statement = None

    def _log_step(self, step: Step, module: types.ModuleType, duration_ms: int | None) -> None:
        if self.applied_log is None:
            return
        write_row(
            self._impl,
            self.applied_log,
            revision=step.revision.revision,
            direction="upgrade" if step.is_upgrade else "downgrade",
            checksum=module_checksum(module),
            heads_before=step.heads_before,
            heads_after=step.heads_after,
            duration_ms=duration_ms,
        )

    def _log_stamp(
        self,
        changes: list[VersionChange],
        heads: tuple[str, ...],
        checksum: Callable[[str], str | None] | None,
    ) -> None:
        if self.applied_log is None:
            return
        after = heads_after(heads, changes)
        for change in changes:
            revision = change.new or change.old or ""
            write_row(
                self._impl,
                self.applied_log,
                revision=revision,
                direction="stamp",
                checksum=checksum(change.new) if checksum and change.new else None,
                heads_before=heads,
                heads_after=after,
            )

    def _failure(
        self, tx: Transactions, step: Step, exc: Exception, heads_at_start: tuple[str, ...]
    ) -> MigrationFailed:
        direction = "upgrade" if step.is_upgrade else "downgrade"
        cause = _describe(exc)
        before = ", ".join(step.heads_before) or "base"
        ran = self._statement_log.statements
        if not tx.atomic_steps:
            which = f" (it ran: {listed(ran)})" if ran else ""
            state = (
                f"{self.dialect.name} commits each DDL statement as it runs, so the statements "
                f"before the failure may be applied{which}; the version table still says "
                f"{before}: undo them by hand (or make the script skip what exists) and run "
                "the command again"
            )
        elif self._step_autocommitted:
            # The block committed the step's work before it (and, when the run is one
            # transaction, the migrations before it); only what followed was rolled back.
            state = self._partial_state(tx, before)
        elif isinstance(exc, DdlLockTimeout) and self.options.transaction_per_migration:
            state = f"it was rolled back and the database is at {before}"
        elif self.options.transaction_per_migration:
            state = (
                f"it was rolled back and the database is at {before}, with every migration "
                "before it applied; fix the script and run the command again"
            )
        else:
            start = ", ".join(heads_at_start) or "base"
            state = (
                f"the whole run was rolled back and the database is still at {start}; fix the "
                "script and run the command again"
            )
        return MigrationFailed(step.revision.revision, direction, cause, state + ".")

    def _partial_state(self, tx: Transactions, before: str) -> str:
        """What a failed migration that used ``autocommit_block()`` left committed."""
        statements = self._statement_log
        if not statements.inside:
            done = "what it did up to the end of its autocommit_block() was committed"
        elif tx.block_commits_each:
            done = (
                "it failed inside its autocommit_block(): what it did before the failing "
                "statement was committed"
            )
        else:
            done = (
                "it failed inside its autocommit_block(): what it did before the block was "
                "committed, the block's statements were not"
            )
        if not statements.kept:
            return (
                f"{done}, which was nothing of its own, and the rest rolled back; the version "
                f"table says {before}: fix the script and run the command again"
            )
        return (
            f"{done} and the rest rolled back; the version table says {before}, and these "
            f"statements of it stay committed: {listed(statements.kept)}: undo them by hand "
            "(or make the script skip what exists) and run the command again"
        )

    def _function(self, module: types.ModuleType, step: Step) -> Callable[[], Any] | None:
        name = "upgrade" if step.is_upgrade else "downgrade"
        if self.bind is not None:
            per_bind = getattr(module, f"{name}_{self.bind}", None)
            if callable(per_bind):
                return per_bind  # type: ignore[no-any-return]
            if self.bind:
                return None  # this revision has nothing to do for the bind
        function = getattr(module, name, None)
        if not callable(function):
            raise ScriptError(
                step.revision.path or step.revision.revision, f"it has no {name}() function"
            )
        return function  # type: ignore[no-any-return]

    def stamp(
        self,
        plan: Callable[[tuple[str, ...]], list[VersionChange]],
        *,
        offline_heads: tuple[str, ...] = (),
        checksum: Callable[[str], str | None] | None = None,
    ) -> list[VersionChange]:
        """Set the version table to what ``plan`` computes from the heads read under the lock.

        Runs no migration. Offline, writes the statements instead, planned from
        ``offline_heads`` (the rows the table is assumed to hold); when there are none the
        script creates the version table first. With an applied log, each change is logged
        as a ``stamp`` row, with ``checksum(revision)`` of the revision stamped.
        """
        if self.as_sql:
            changes = plan(offline_heads)
            self._impl.begin_transaction_sql()
            if not offline_heads:
                self._impl.create_table(self.table)
            if self.applied_log is not None and changes:
                create_log_sql(self._impl, self.applied_log)
            apply_changes(self._impl, self.table, changes)
            self._log_stamp(changes, offline_heads, checksum)
            self._impl.commit_sql()
            return changes
        connection = self._connection()
        tx = self._transactions()
        progress = self._progress = Progress.starting(connection, "stamp")
        try:
            with tx.run(self.table.name, self.table.schema):
                progress.doing = "reading the version table"
                heads = progress.start = read_heads(connection, self.table)
                changes = plan(heads)
                progress.begin(Unit("stamp", "stamp", heads_after(heads, changes), migration=False))
                tx.begin_step()
                try:
                    self._ensure_table(connection)
                    apply_changes(self._impl, self.table, changes)
                    self._log_stamp(changes, heads, checksum)
                    # Still the unit under way until the lock is given up: on SQLite the
                    # commit comes then.
                    progress.doing = "committing the version table change"
                    tx.commit_step()
                except BaseException:
                    self._table_ready = False
                    if not connection.invalidated:
                        tx.rollback_step()
                    raise
        except Exception as exc:
            fault = fault_error(exc, connection, tx, progress, self.url)
            if fault is None:
                raise
            raise fault from exc
        return changes

    # -- offline -----------------------------------------------------------------------------

    def run_offline(
        self, steps: list[Step], load: Loader, report: Reporter | None = None
    ) -> list[Step]:
        """Write ``steps`` as SQL: their DDL, the version-table statements and comments."""
        impl = self._impl
        per_migration = self.options.transaction_per_migration
        log_pending = self.applied_log is not None
        if not per_migration:
            impl.begin_transaction_sql()
        for step in steps:
            if report is not None:
                report(step)
            if per_migration:
                impl.begin_transaction_sql()
            if step.is_upgrade and not step.heads_before:
                impl.create_table(self.table)
            if self.applied_log is not None and log_pending:
                create_log_sql(impl, self.applied_log)
                log_pending = False
            impl.comment_sql(f"Running {step.describe()}")
            module = load(step.revision)
            function = self._function(module, step)
            if function is not None:
                with running(Operations(self)):
                    function()
            apply_changes(impl, self.table, step.changes)
            self._log_step(step, module, None)
            if not step.is_upgrade and not step.heads_after:
                impl.drop_table(self.table)
            if per_migration:
                impl.commit_sql()
        if not per_migration:
            impl.commit_sql()
        return steps


def _describe(exc: BaseException) -> str | Text:
    if isinstance(exc, MigrateError) and str(exc) == str(exc).strip() and "\n" not in str(exc):
        return exc.text.rstrip(".")  # its advice kept as data
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        text = str(exc.orig).strip()
    else:
        text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    if isinstance(exc, MigrateError):
        return first.rstrip(".")
    name = type(exc.orig).__name__ if isinstance(exc, DBAPIError) else type(exc).__name__
    return f"{name}: {first}" if first else name
