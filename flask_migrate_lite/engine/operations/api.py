"""The ``op`` API: the handle migration scripts use, and the operations it runs.

A migration's ``upgrade()`` and ``downgrade()`` use the module-level :data:`op`::

    from flask_migrate_lite import op
    import sqlalchemy as sa

    def upgrade():
        op.add_column("user", sa.Column("email", sa.String(120)))

Each method (defined in :mod:`.directives`) builds an operation object (:mod:`.ops`) and
hands it to :meth:`Operations.invoke`, which emits the DDL through the running migration's
:class:`~..ddl.base.DefaultImpl` (:mod:`.dispatch`). The names and arguments are Alembic's,
so existing scripts run unchanged.

:data:`op` is typed like :class:`Operations`; it finds the running migration through a
context variable that the runtime sets with :func:`running`. Outside a migration every call
raises :class:`~..errors.OperationOutsideMigration`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, overload

from sqlalchemy import Table
from sqlalchemy.util import immutabledict

from ..errors import CommandError, OperationOutsideMigration
from .directives import Directives, MigrationHandle
from .dispatch import carry_out
from .ops import CreateTableOp, MigrateOp

if TYPE_CHECKING:
    from .batch import BatchOperations

__all__ = ["MigrationHandle", "Operations", "RunningOperations", "op", "running"]


class Operations(Directives):
    """The migration directives, bound to one running migration.

    Scripts use the :data:`op` handle rather than an instance; the runtime builds an
    ``Operations`` around its :class:`MigrationHandle` and binds it with :func:`running`.
    """

    def __init__(self, migration: MigrationHandle) -> None:
        self._migration = migration

    @property
    def migration(self) -> MigrationHandle:
        """The running migration these operations act on."""
        return self._migration

    @contextmanager
    def batch_alter_table(
        self,
        table_name: str,
        schema: str | None = None,
        recreate: Literal["auto", "always", "never"] = "auto",
        partial_reordering: Sequence[tuple[str, ...]] | None = None,
        copy_from: Table | None = None,
        table_args: tuple[Any, ...] = (),
        table_kwargs: Mapping[str, Any] = immutabledict(),
        reflect_args: tuple[Any, ...] = (),
        reflect_kwargs: Mapping[str, Any] = immutabledict(),
        naming_convention: Mapping[str, str] | None = None,
    ) -> Iterator[BatchOperations]:
        """Group changes to one table; on SQLite the table is rebuilt when ALTER cannot do it::

            with op.batch_alter_table("account") as batch_op:
                batch_op.alter_column("name", nullable=False, existing_type=sa.String(50))
                batch_op.create_unique_constraint("uq_account_email", ["email"])

        The changes run when the block ends; ``recreate="always"`` forces the rebuild
        (copying rows, indexes and constraints), ``"never"`` forbids it.
        """
        operations = self._bound("batch_alter_table")
        if operations is not self and isinstance(operations, Operations):
            # The op handle: the bound operations decide how their batch is applied.
            with operations.batch_alter_table(
                table_name,
                schema=schema,
                recreate=recreate,
                partial_reordering=partial_reordering,
                copy_from=copy_from,
                table_args=table_args,
                table_kwargs=table_kwargs,
                reflect_args=reflect_args,
                reflect_kwargs=reflect_kwargs,
                naming_convention=naming_convention,
            ) as bound_batch:
                yield bound_batch
            return
        # Loaded on first use: most runs never batch, and then never load the table rebuild.
        from .batch import BatchOperations

        batch = BatchOperations(
            operations,
            table_name,
            schema=schema,
            recreate=recreate,
            partial_reordering=partial_reordering,
            copy_from=copy_from,
            table_args=table_args,
            table_kwargs=table_kwargs,
            reflect_args=reflect_args,
            reflect_kwargs=reflect_kwargs,
            naming_convention=naming_convention,
        )
        yield batch
        batch.flush()

    @overload
    def invoke(self, operation: CreateTableOp) -> Table: ...

    @overload
    def invoke(self, operation: MigrateOp) -> Table | None: ...

    def invoke(self, operation: MigrateOp) -> Table | None:
        """Carry out an operation object; returns the new table for :class:`CreateTableOp`.

        Every directive comes here, so code holding operation objects (a reversed upgrade,
        autogenerate) runs them the same way::

            op.invoke(AddColumnOp("account", sa.Column("email", sa.String(120))))
        """
        return carry_out(self._bound("invoke").migration.impl, operation)


# --- the `op` handle ---------------------------------------------------------------------

_current: ContextVar[Operations | None] = ContextVar("flask_migrate_lite_op", default=None)


class RunningOperations(Operations):
    """The type of :data:`op`: :class:`Operations` acting on the migration running now.

    It holds no migration itself; each call looks up the one :func:`running` bound in this
    context (thread, task), and raises :class:`OperationOutsideMigration` when there is none.
    """

    def __init__(self) -> None:
        # Deliberately no migration of its own: it is found at call time.
        pass

    def _bound(self, name: str) -> Operations:
        operations = _current.get()
        if operations is None:
            raise OperationOutsideMigration(name)
        return operations

    @property
    def migration(self) -> MigrationHandle:
        """The running migration."""
        return self._bound("get_context").migration

    def __repr__(self) -> str:
        state = "bound" if _current.get() is not None else "no migration running"
        return f"<flask_migrate_lite op ({state})>"


#: The handle migration scripts import: ``from flask_migrate_lite import op``.
op = RunningOperations()


@contextmanager
def running(operations: Operations) -> Iterator[None]:
    """Bind :data:`op` to ``operations`` for the block (the runtime wraps each step in it)::

    with running(Operations(migration_context)):
        module.upgrade()
    """
    if isinstance(operations, RunningOperations):
        raise CommandError("running() needs the migration's Operations, not the op handle.")
    token = _current.set(operations)
    try:
        yield
    finally:
        _current.reset(token)
