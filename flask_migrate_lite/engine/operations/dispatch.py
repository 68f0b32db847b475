"""Carrying out an operation object: each kind of operation to its DDL call.

:func:`carry_out` is the one place where an operation meets the database: a ``match`` over
the closed union :data:`~.ops.MigrateOp`, checked for exhaustiveness by mypy, that calls the
running migration's :class:`~..ddl.base.DefaultImpl`.
"""

from __future__ import annotations

from sqlalchemy import Table

from ..ddl.base import DefaultImpl
from .ops import (
    AddColumnOp,
    AlterColumnOp,
    BulkInsertOp,
    CreateCheckConstraintOp,
    CreateForeignKeyOp,
    CreateIndexOp,
    CreatePrimaryKeyOp,
    CreateTableCommentOp,
    CreateTableOp,
    CreateUniqueConstraintOp,
    DropColumnOp,
    DropConstraintOp,
    DropIndexOp,
    DropTableCommentOp,
    DropTableOp,
    ExecuteSQLOp,
    MigrateOp,
    RenameTableOp,
    assert_never,
)

__all__ = ["carry_out"]


def carry_out(impl: DefaultImpl, operation: MigrateOp) -> Table | None:
    """Emit ``operation`` through ``impl``; returns the new table for a :class:`CreateTableOp`."""
    match operation:
        case CreateTableOp():
            table = operation.to_table()
            impl.create_table(table, if_not_exists=operation.if_not_exists)
            return table
        case DropTableOp():
            impl.drop_table(operation.to_table(), if_exists=operation.if_exists)
        case RenameTableOp():
            impl.rename_table(
                operation.old_table_name, operation.new_table_name, schema=operation.schema
            )
        case AddColumnOp():
            impl.add_column(operation.table_name, operation.to_column(), schema=operation.schema)
        case DropColumnOp():
            impl.drop_column(
                operation.table_name,
                operation.column_name,
                schema=operation.schema,
                **operation.kw,
            )
        case AlterColumnOp():
            if operation.has_changes():
                _alter_column(impl, operation)
        case CreateIndexOp():
            impl.create_index(operation.to_index(), if_not_exists=operation.if_not_exists)
        case DropIndexOp():
            impl.drop_index(operation.to_index(), if_exists=operation.if_exists)
        case (
            CreateUniqueConstraintOp()
            | CreateForeignKeyOp()
            | CreateCheckConstraintOp()
            | CreatePrimaryKeyOp()
        ):
            impl.add_constraint(operation.to_constraint())
        case DropConstraintOp():
            impl.drop_constraint(operation.to_constraint())
        case CreateTableCommentOp():
            impl.create_table_comment(operation.to_table())
        case DropTableCommentOp():
            impl.drop_table_comment(operation.to_table())
        case ExecuteSQLOp():
            impl.execute(operation.sqltext, execution_options=operation.execution_options)
        case BulkInsertOp():
            impl.bulk_insert(operation.table, operation.rows, multiinsert=operation.multiinsert)
        case _:
            assert_never(operation)
    return None


def _alter_column(impl: DefaultImpl, operation: AlterColumnOp) -> None:
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
        **operation.kw,
    )
