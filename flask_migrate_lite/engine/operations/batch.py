"""Batch mode: ``with op.batch_alter_table("t") as batch_op:`` changes one table at once.

:class:`BatchOperations` records each change; when the block ends, :meth:`~BatchOperations.flush`
either sends them to the running migration's operations as ordinary ALTER statements, or
rebuilds the table ("move and copy": :mod:`.batch_model`, :mod:`.batch_rebuild`): SQLite
cannot alter most things in place.

``recreate`` decides which: ``"auto"`` rebuilds on SQLite unless every change is one SQLite's
ALTER TABLE can make (adding a plain column, creating or dropping an index, comments, which
SQLite does not store); ``"always"`` rebuilds on any database; ``"never"`` never does. What
depends on the database is asked of its DDL implementation (see
:mod:`flask_migrate_lite.engine.ddl.batch`).

The rebuild keeps the rows, the primary key, server defaults, foreign keys (in both
directions: tables referring to this one keep working because the name is kept), unique and
check constraints (named and unnamed), ``AUTOINCREMENT`` and the indexes, including
expression indexes SQLAlchemy cannot reflect. Offline (``--sql``) there is nothing to
reflect, so the table must be passed as ``copy_from``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, overload

from sqlalchemy import Column, MetaData, Table
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql.elements import ColumnElement, TextClause

from ..ddl.base import DefaultImpl, ServerDefault
from ..errors import CommandError
from . import ops
from .batch_model import TableModel
from .batch_parts import IndexSpec
from .batch_rebuild import rebuild_table
from .directives import CommonDirectives, Directives, MigrationHandle, TypeArg, as_type

__all__ = ["BatchOperations"]

Recreate = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class _Recorded:
    """One batch call: the operation plus where a column should go in a rebuilt table."""

    operation: ops.MigrateOp
    insert_before: str | None = None
    insert_after: str | None = None


class _Recorder(Directives):
    """The ``op`` directives aimed at one batch: each operation is recorded, not run.

    ``batch_op``'s table methods call these with the batch's table filled in, so that every
    operation is built by the one definition of its directive.
    """

    def __init__(self, batch: BatchOperations) -> None:
        self._batch = batch

    @property
    def migration(self) -> MigrationHandle:
        """The running migration the batch belongs to."""
        return self._batch.operations.migration

    @overload
    def invoke(self, operation: ops.CreateTableOp) -> Table: ...

    @overload
    def invoke(self, operation: ops.MigrateOp) -> Table | None: ...

    def invoke(self, operation: ops.MigrateOp) -> Table | None:
        """Record ``operation`` for :meth:`BatchOperations.flush`."""
        self._batch._record(operation)
        return None


class BatchOperations(CommonDirectives):
    """What ``op.batch_alter_table(...)`` yields: the ``op`` methods without a table name.

    Calls are recorded and carried out by :meth:`flush` when the ``with`` block ends::

        with op.batch_alter_table("account") as batch_op:
            batch_op.add_column(sa.Column("email", sa.String(120)), insert_after="name")
            batch_op.alter_column("name", nullable=False, existing_type=sa.String(50))
            batch_op.create_unique_constraint("uq_account_email", ["email"])

    Each table method passes its arguments, with this batch's table and schema, to the
    ``op`` method of the same name, which builds the operation.
    """

    def __init__(
        self,
        operations: Directives,
        table_name: str,
        *,
        schema: str | None = None,
        recreate: Recreate = "auto",
        partial_reordering: Sequence[tuple[str, ...]] | None = None,
        copy_from: Table | None = None,
        table_args: Sequence[SchemaItem] = (),
        table_kwargs: Mapping[str, Any] | None = None,
        reflect_args: Sequence[Any] = (),
        reflect_kwargs: Mapping[str, Any] | None = None,
        naming_convention: Mapping[str, Any] | None = None,
    ) -> None:
        if recreate not in ("auto", "always", "never"):
            raise CommandError(
                f"batch_alter_table(recreate={recreate!r}) must be 'auto', 'always' or 'never'."
            )
        if partial_reordering and recreate != "always":
            raise CommandError(
                "batch_alter_table(partial_reordering=...) needs recreate='always', since "
                "only a rebuilt table can change its column order."
            )
        self.operations = operations
        self.table_name = table_name
        self.schema = schema
        self.recreate: Recreate = recreate
        self.partial_reordering = [tuple(group) for group in partial_reordering or ()]
        self.copy_from = copy_from
        self.table_args = tuple(table_args)
        self.table_kwargs = dict(table_kwargs or {})
        self.reflect_args = tuple(reflect_args)
        self.reflect_kwargs = dict(reflect_kwargs or {})
        self.naming_convention = dict(naming_convention or {})
        self._recorded: list[_Recorded] = []
        self._flushed = False
        self._table_ops = _Recorder(self)

    @property
    def impl(self) -> DefaultImpl:
        """The DDL implementation of the running migration."""
        return self.operations.migration.impl

    def _bound(self, name: str) -> Directives:
        # execute(), get_bind()... act on the running migration at once.
        return self.operations

    def _record(self, operation: ops.MigrateOp) -> None:
        if self._flushed:
            raise CommandError(
                f"The batch for table '{self.table_name}' has already been applied; "
                "make changes inside the 'with op.batch_alter_table(...)' block."
            )
        self._recorded.append(_Recorded(operation))

    def _place_last(self, before: str | None, after: str | None) -> None:
        # Where the column of the operation just recorded goes in a rebuilt table.
        if before is not None or after is not None:
            self._recorded[-1] = replace(
                self._recorded[-1], insert_before=before, insert_after=after
            )

    # -- columns ------------------------------------------------------------------------

    def add_column(
        self,
        column: Column[Any],
        insert_before: str | None = None,
        insert_after: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a column; ``insert_before``/``insert_after`` place it when the table is rebuilt."""
        self._table_ops.add_column(self.table_name, column, self.schema, **kw)
        self._place_last(insert_before, insert_after)

    def drop_column(self, column_name: str, **kw: Any) -> None:
        """Drop a column, and the indexes and constraints that use it when rebuilding.

        ``existing_type=sa.Boolean(create_constraint=True, name="ck1")`` also drops the CHECK
        constraint ``ck1`` that type created.
        """
        self._table_ops.drop_column(self.table_name, column_name, self.schema, **kw)

    def alter_column(
        self,
        column_name: str,
        nullable: bool | None = None,
        comment: str | Literal[False] | None = False,
        server_default: ServerDefault | Literal[False] = False,
        new_column_name: str | None = None,
        type_: TypeArg | None = None,
        existing_type: TypeArg | None = None,
        existing_server_default: ServerDefault | Literal[False] = False,
        existing_nullable: bool | None = None,
        existing_comment: str | None = None,
        insert_before: str | None = None,
        insert_after: str | None = None,
        **kw: Any,
    ) -> None:
        """Change a column's type, nullability, default, comment, name or (rebuilt) position.

        A rebuild converts the stored values to the new type's form (SQLite: ``date(col)``
        for a DATETIME that becomes a DATE, a CAST where the storage class changes...), and
        stops before it starts when some value could not be read as the new type.
        """
        self._table_ops.alter_column(
            self.table_name,
            column_name,
            nullable=nullable,
            comment=comment,
            server_default=server_default,
            new_column_name=new_column_name,
            type_=type_,
            existing_type=existing_type,
            existing_server_default=existing_server_default,
            existing_nullable=existing_nullable,
            existing_comment=existing_comment,
            schema=self.schema,
            **kw,
        )
        self._place_last(insert_before, insert_after)

    # -- indexes and constraints --------------------------------------------------------

    def create_index(
        self, index_name: str | None, columns: Sequence[ops.IndexColumn], **kw: Any
    ) -> None:
        """Create an index (``unique=True`` for a unique one)."""
        self._table_ops.create_index(index_name, self.table_name, columns, self.schema, **kw)

    def drop_index(self, index_name: str, **kw: Any) -> None:
        """Drop an index."""
        self._table_ops.drop_index(index_name, self.table_name, self.schema, **kw)

    def create_unique_constraint(
        self, constraint_name: str | None, columns: Sequence[str], **kw: Any
    ) -> None:
        """Add a UNIQUE constraint."""
        self._table_ops.create_unique_constraint(
            constraint_name, self.table_name, columns, self.schema, **kw
        )

    def create_foreign_key(
        self,
        constraint_name: str | None,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        referent_schema: str | None = None,
        onupdate: str | None = None,
        ondelete: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        """Add a FOREIGN KEY from this table to ``referent_table``."""
        self._table_ops.create_foreign_key(
            constraint_name,
            self.table_name,
            referent_table,
            local_cols,
            remote_cols,
            onupdate=onupdate,
            ondelete=ondelete,
            deferrable=deferrable,
            initially=initially,
            match=match,
            source_schema=self.schema,
            referent_schema=referent_schema,
            **dialect_kw,
        )

    def create_check_constraint(
        self,
        constraint_name: str | None,
        condition: str | TextClause | ColumnElement[Any],
        **kw: Any,
    ) -> None:
        """Add a CHECK constraint."""
        self._table_ops.create_check_constraint(
            constraint_name, self.table_name, condition, self.schema, **kw
        )

    def create_primary_key(self, constraint_name: str | None, columns: Sequence[str]) -> None:
        """Give the table a (new) PRIMARY KEY."""
        self._table_ops.create_primary_key(constraint_name, self.table_name, columns, self.schema)

    def drop_constraint(
        self, constraint_name: str, type_: ops.ConstraintType | None = None
    ) -> None:
        """Drop a named constraint; unnamed ones get names from ``naming_convention``."""
        if not constraint_name:
            raise CommandError(
                f"drop_constraint() on table '{self.table_name}' needs the constraint's name; "
                "give unnamed constraints one with batch_alter_table(..., naming_convention=...)."
            )
        self._table_ops.drop_constraint(constraint_name, self.table_name, type_, self.schema)

    def create_table_comment(self, comment: str, existing_comment: str | None = None) -> None:
        """Set the table's comment."""
        self._table_ops.create_table_comment(
            self.table_name, comment, existing_comment, self.schema
        )

    def drop_table_comment(self, existing_comment: str | None = None) -> None:
        """Remove the table's comment."""
        self._table_ops.drop_table_comment(self.table_name, existing_comment, self.schema)

    # -- applying -----------------------------------------------------------------------

    def requires_recreate(self) -> bool:
        """Whether :meth:`flush` will rebuild the table rather than ALTER it."""
        if self.recreate != "auto":
            return self.recreate == "always"
        if not self.impl.batch_rebuilds:
            return False
        return not all(self._alters_in_place(r.operation) for r in self._recorded)

    def _alters_in_place(self, operation: ops.MigrateOp) -> bool:
        # On a database that rebuilds in batch mode: whether ALTER TABLE can make the change.
        impl = self.impl
        match operation:
            case (
                ops.CreateIndexOp()
                | ops.DropIndexOp()
                | ops.CreateTableCommentOp()
                | ops.DropTableCommentOp()
            ):
                return True
            case ops.AlterColumnOp():
                return impl.alters_column_in_place(
                    type_=operation.modify_type is not None,
                    nullable=operation.modify_nullable is not None,
                    server_default=operation.modify_server_default is not False,
                    name=operation.modify_name is not None,
                )
            case ops.AddColumnOp():
                return impl.adds_column_in_place(self.table_name, operation.column)
            case _:
                return False

    def flush(self) -> None:
        """Carry out the recorded changes (called once, when the ``with`` block ends)."""
        if self._flushed:
            return
        self._flushed = True
        if not self.requires_recreate():
            for recorded in self._recorded:
                self.operations.invoke(recorded.operation)
            return
        model = self._source_model()
        for recorded in self._recorded:
            _apply(model, recorded)
        self.impl.check_rebuild(self.table_name, self.schema)
        rebuild_table(
            self.impl,
            model,
            partial_reordering=self.partial_reordering,
            table_args=self.table_args,
            table_kwargs=self.table_kwargs,
        )

    # -- the table as it is -------------------------------------------------------------

    def _source_model(self) -> TableModel:
        if self.copy_from is not None:
            return TableModel.from_table(self.copy_from, self.naming_convention)
        impl = self.impl
        if impl.as_sql or impl.connection is None:
            raise CommandError(
                f"batch_alter_table('{self.table_name}') must rebuild the table, and offline "
                "(--sql) there is no database to read it from; pass its definition as "
                "copy_from=sa.Table(...)."
            )
        table = self._reflect(impl.connection)
        raw_indexes, extra = impl.rebuild_extras(table)
        model = TableModel.from_table(
            table,
            self.naming_convention,
            [IndexSpec(name, [], sql=sql) for name, sql in raw_indexes],
        )
        model.kwargs.update(extra)
        return model

    def _reflect(self, connection: Connection) -> Table:
        with warnings.catch_warnings():
            # Expression indexes come from the implementation's rebuild_extras() instead.
            warnings.filterwarnings(
                "ignore", "Skipped unsupported reflection", category=sa_exc.SAWarning
            )
            try:
                table = Table(
                    self.table_name,
                    MetaData(),
                    *self.reflect_args,
                    schema=self.schema,
                    autoload_with=connection,
                    **self.reflect_kwargs,
                )
            except sa_exc.NoSuchTableError:
                raise CommandError(
                    f"batch_alter_table('{self.table_name}') found no table of that name "
                    "in the database."
                ) from None
        return table


def _apply(model: TableModel, recorded: _Recorded) -> None:
    """Apply one recorded call to the table model."""
    operation = recorded.operation
    match operation:
        case ops.AddColumnOp():
            model.add_column(operation.column, recorded.insert_before, recorded.insert_after)
        case ops.DropColumnOp():
            model.drop_column(operation.column_name, as_type(operation.kw.get("existing_type")))
        case ops.AlterColumnOp():
            model.alter_column(
                operation.column_name,
                nullable=operation.modify_nullable,
                server_default=operation.modify_server_default,
                new_column_name=operation.modify_name,
                type_=operation.modify_type,
                comment=operation.modify_comment,
                existing_type=operation.existing_type,
                autoincrement=operation.kw.get("autoincrement"),
                insert_before=recorded.insert_before,
                insert_after=recorded.insert_after,
            )
        case ops.CreateIndexOp():
            model.add_index(operation.to_index())
        case ops.DropIndexOp():
            model.drop_index(operation.index_name)
        case (
            ops.CreateUniqueConstraintOp()
            | ops.CreateForeignKeyOp()
            | ops.CreateCheckConstraintOp()
            | ops.CreatePrimaryKeyOp()
        ):
            model.add_constraint(operation.to_constraint())
        case ops.DropConstraintOp():
            model.drop_constraint(operation.constraint_name, operation.type_)
        case ops.CreateTableCommentOp():
            model.comment = operation.comment
        case ops.DropTableCommentOp():
            model.comment = None
        case _:
            raise CommandError(f"{type(operation).__name__} cannot be part of a batch.")
