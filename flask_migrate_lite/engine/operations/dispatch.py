"""Carrying out an operation object: each kind of operation to its DDL call.

:func:`carry_out` is the one place where an operation meets the database: a ``match`` over
the closed union :data:`~.ops.MigrateOp`, checked for exhaustiveness by mypy, that calls the
running migration's :class:`~..ddl.base.DefaultImpl`.
"""

from __future__ import annotations

from sqlalchemy import Table

from ..ddl.base import DefaultImpl
from ..ddl.mysql import MySQLImpl
from . import ops

__all__ = ["carry_out"]


def carry_out(impl: DefaultImpl, operation: ops.MigrateOp) -> Table | None:
    """Emit ``operation`` through ``impl``; returns the new table for a :class:`CreateTableOp`.

    ``mysql_algorithm``/``mysql_lock`` of a column or index operation give its statement an
    ``ALGORITHM``/``LOCK`` clause on MySQL/MariaDB (other databases leave them out).
    """
    if (
        isinstance(impl, MySQLImpl)
        and isinstance(
            operation, ops.AddColumnOp | ops.AlterColumnOp | ops.CreateIndexOp | ops.DropIndexOp
        )
        and any(key in operation.kw for key in ops.MYSQL_ONLINE)
    ):
        with impl.online(operation.kw):
            return _carry_out(impl, operation)
    return _carry_out(impl, operation)


def _carry_out(impl: DefaultImpl, operation: ops.MigrateOp) -> Table | None:
    match operation:
        case ops.CreateTableOp():
            table = operation.to_table()
            impl.create_table(table, if_not_exists=operation.if_not_exists)
            return table
        case ops.DropTableOp():
            impl.drop_table(operation.to_table(), if_exists=operation.if_exists)
        case ops.RenameTableOp():
            impl.rename_table(
                operation.old_table_name, operation.new_table_name, schema=operation.schema
            )
        case ops.AddColumnOp():
            impl.add_column(operation.table_name, operation.to_column(), schema=operation.schema)
        case ops.DropColumnOp():
            impl.drop_column(
                operation.table_name,
                operation.column_name,
                schema=operation.schema,
                **operation.kw,
            )
        case ops.AlterColumnOp():
            if operation.has_changes():
                _alter_column(impl, operation)
        case ops.CreateIndexOp():
            impl.create_index(operation.to_index(), if_not_exists=operation.if_not_exists)
        case ops.DropIndexOp():
            impl.drop_index(operation.to_index(), if_exists=operation.if_exists)
        case (
            ops.CreateUniqueConstraintOp()
            | ops.CreateForeignKeyOp()
            | ops.CreateCheckConstraintOp()
            | ops.CreatePrimaryKeyOp()
        ):
            impl.add_constraint(operation.to_constraint())
        case ops.DropConstraintOp():
            impl.drop_constraint(operation.to_constraint())
        case ops.CreateTableCommentOp():
            impl.create_table_comment(operation.to_table())
        case ops.DropTableCommentOp():
            impl.drop_table_comment(operation.to_table())
        case ops.ExecuteSQLOp():
            impl.execute(operation.sqltext, execution_options=operation.execution_options)
        case ops.BulkInsertOp():
            impl.bulk_insert(operation.table, operation.rows, multiinsert=operation.multiinsert)
        case _:
            ops.assert_never(operation)
    return None


def _alter_column(impl: DefaultImpl, operation: ops.AlterColumnOp) -> None:
    impl.alter_column(
        operation.table_name,
        operation.column_name,
        nullable=operation.modify_nullable,
        server_default=operation.modify_server_default,
        name=operation.modify_name,
        type_=operation.modify_type,
        comment=operation.modify_comment,
        schema=operation.schema,
        existing_type=operation.existing_type,
        existing_server_default=operation.existing_server_default,
        existing_nullable=operation.existing_nullable,
        existing_comment=operation.existing_comment,
        **{key: value for key, value in operation.kw.items() if key not in ops.MYSQL_ONLINE},
    )
