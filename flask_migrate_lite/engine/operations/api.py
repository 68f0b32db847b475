"""The ``op`` API: the methods migration scripts call.

A migration's ``upgrade()`` and ``downgrade()`` use the module-level :data:`op`::

    from flask_migrate_lite import op
    import sqlalchemy as sa

    def upgrade():
        op.add_column("user", sa.Column("email", sa.String(120)))

Each method builds an operation object (:mod:`.ops`) and hands it to :meth:`Operations.invoke`,
which emits the DDL through the running migration's :class:`~..ddl.base.DefaultImpl`. The
names and arguments are Alembic's, so existing scripts run unchanged.

:data:`op` is typed like :class:`Operations`; it finds the running migration through a
context variable that the runtime sets with :func:`running`. Outside a migration every call
raises :class:`~..errors.OperationOutsideMigration`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql.elements import ColumnElement, TextClause, conv
from sqlalchemy.sql.expression import Executable, TableClause
from sqlalchemy.sql.type_api import to_instance
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import immutabledict

from ..ddl.base import DefaultImpl, InlineLiteral, ServerDefault
from ..errors import CommandError, OperationOutsideMigration
from .ops import (
    AddColumnOp,
    AlterColumnOp,
    BulkInsertOp,
    ConstraintType,
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
    IndexColumn,
    MigrateOp,
    RenameTableOp,
    assert_never,
)

if TYPE_CHECKING:
    from sqlalchemy import Column

    from .batch import BatchOperations

__all__ = ["MigrationHandle", "Operations", "RunningOperations", "op", "running"]

TypeArg = TypeEngine[Any] | type[TypeEngine[Any]]


class MigrationHandle(Protocol):
    """What the runtime gives :class:`Operations`: the DDL emitter and the ``-x`` options."""

    @property
    def impl(self) -> DefaultImpl:
        """The DDL implementation for the database being migrated."""
        ...

    @property
    def x_args(self) -> Mapping[str, str]:
        """The ``-x key=value`` options of the command line."""
        ...

    @property
    def as_sql(self) -> bool:
        """Whether statements are written out (``--sql``) rather than run."""
        ...

    @property
    def tag(self) -> str | None:
        """The ``--tag`` argument of the command line."""
        ...

    def autocommit_block(self) -> AbstractContextManager[None]:
        """Run the block outside the migration's transaction (``CREATE INDEX CONCURRENTLY``)."""
        ...


def _type(type_: TypeArg | None) -> TypeEngine[Any] | None:
    # Scripts may pass the class (sa.String) where an instance is meant (sa.String()).
    return None if type_ is None else to_instance(type_)


class Operations:
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

    def _bound(self, name: str) -> Operations:
        """The Operations that carries out ``name``: this one (``op`` finds the running one)."""
        return self

    # -- tables -----------------------------------------------------------------------------

    def create_table(self, table_name: str, *columns: SchemaItem, **kw: Any) -> Table:
        """Create a table from columns and constraints; returns the :class:`~sqlalchemy.Table`.

        Keyword arguments are those of :class:`~sqlalchemy.Table` (``schema``, ``comment``,
        ``mysql_engine``...) plus ``if_not_exists``. The returned table suits
        :meth:`bulk_insert`::

            account = op.create_table(
                "account",
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("name", sa.String(50), nullable=False),
            )
            op.bulk_insert(account, [{"id": 1, "name": "admin"}])
        """
        options = dict(kw)
        schema = options.pop("schema", None)
        if_not_exists = options.pop("if_not_exists", None)
        operation = CreateTableOp(table_name, columns, schema, if_not_exists, options)
        return self._bound("create_table").invoke(operation)

    def drop_table(
        self,
        table_name: str,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Drop a table::

        op.drop_table("account")
        op.drop_table("audit", schema="archive", if_exists=True)
        """
        operation = DropTableOp(table_name, schema, if_exists, kw=dict(kw))
        self._bound("drop_table").invoke(operation)

    def rename_table(
        self, old_table_name: str, new_table_name: str, schema: str | None = None
    ) -> None:
        """Rename a table within its schema::

        op.rename_table("account", "user_account")
        """
        self._bound("rename_table").invoke(RenameTableOp(old_table_name, new_table_name, schema))

    def create_table_comment(
        self,
        table_name: str,
        comment: str,
        existing_comment: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Set a table's comment; ``existing_comment`` lets a downgrade restore the old one::

        op.create_table_comment("account", "People who can log in")
        """
        operation = CreateTableCommentOp(table_name, comment, existing_comment, schema)
        self._bound("create_table_comment").invoke(operation)

    def drop_table_comment(
        self, table_name: str, existing_comment: str | None = None, schema: str | None = None
    ) -> None:
        """Remove a table's comment::

        op.drop_table_comment("account", existing_comment="People who can log in")
        """
        operation = DropTableCommentOp(table_name, existing_comment, schema)
        self._bound("drop_table_comment").invoke(operation)

    # -- columns ----------------------------------------------------------------------------

    def add_column(self, table_name: str, column: Column[Any], schema: str | None = None) -> None:
        """Add a column; its foreign keys, ``unique``, ``index`` and comment come along::

            op.add_column("account", sa.Column("email", sa.String(120), nullable=True))

        On SQLite a column that needs a table rebuild (primary key, UNIQUE, NOT NULL
        without a default) is added with ``op.batch_alter_table``.
        """
        self._bound("add_column").invoke(AddColumnOp(table_name, column, schema))

    def drop_column(
        self, table_name: str, column_name: str, schema: str | None = None, **kw: Any
    ) -> None:
        """Drop a column::

        op.drop_column("account", "email")
        """
        operation = DropColumnOp(table_name, column_name, schema, kw=dict(kw))
        self._bound("drop_column").invoke(operation)

    def alter_column(
        self,
        table_name: str,
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
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Change a column's type, nullability, server default, comment or name.

        Name only what changes; ``existing_*`` describe what stays, which makes the change
        reversible. MySQL restates the whole column: online it reads what the call does not
        give, offline (``--sql``) it needs ``existing_type`` and ``existing_nullable``::

            op.alter_column(
                "account", "name",
                type_=sa.String(100), existing_type=sa.String(50), existing_nullable=False,
            )
            op.alter_column("account", "age", type_=sa.Integer,
                            postgresql_using="age::integer")

        ``server_default=None`` drops the default, ``comment=None`` the comment. SQLite can
        only rename in place; use ``op.batch_alter_table`` for the rest there.
        """
        operation = AlterColumnOp(
            table_name,
            column_name,
            schema,
            modify_type=_type(type_),
            modify_nullable=nullable,
            modify_server_default=server_default,
            modify_comment=comment,
            modify_name=new_column_name,
            existing_type=_type(existing_type),
            existing_nullable=existing_nullable,
            existing_server_default=existing_server_default,
            existing_comment=existing_comment,
            kw=dict(kw),
        )
        self._bound("alter_column").invoke(operation)

    # -- indexes ----------------------------------------------------------------------------

    def create_index(
        self,
        index_name: str | None,
        table_name: str,
        columns: Sequence[IndexColumn],
        schema: str | None = None,
        unique: bool = False,
        if_not_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Create an index on column names and/or SQL expressions::

            op.create_index("ix_account_email", "account", ["email"], unique=True)
            op.create_index("ix_account_lower_name", "account", [sa.text("lower(name)")])

        Dialect options pass through: ``postgresql_where=``, ``postgresql_concurrently=True``
        (inside ``with op.get_context().autocommit_block():``), ``mysql_length=``...
        """
        items = (columns,) if isinstance(columns, str) else tuple(columns)
        operation = CreateIndexOp(
            index_name, table_name, items, schema, unique, if_not_exists, kw=dict(kw)
        )
        self._bound("create_index").invoke(operation)

    def drop_index(
        self,
        index_name: str,
        table_name: str | None = None,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Drop an index (MySQL needs ``table_name``)::

        op.drop_index("ix_account_email", table_name="account")
        """
        operation = DropIndexOp(index_name, table_name, schema, if_exists, kw=dict(kw))
        self._bound("drop_index").invoke(operation)

    # -- constraints ------------------------------------------------------------------------

    def create_unique_constraint(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a UNIQUE constraint::

        op.create_unique_constraint("uq_account_email", "account", ["email"])
        """
        operation = CreateUniqueConstraintOp(
            constraint_name, table_name, tuple(columns), schema, kw=dict(kw)
        )
        self._bound("create_unique_constraint").invoke(operation)

    def create_foreign_key(
        self,
        constraint_name: str | None,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        onupdate: str | None = None,
        ondelete: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        source_schema: str | None = None,
        referent_schema: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        """Add a FOREIGN KEY from ``source_table`` to ``referent_table``::

        op.create_foreign_key(
            "fk_post_author", "post", "account", ["author_id"], ["id"], ondelete="CASCADE"
        )
        """
        operation = CreateForeignKeyOp(
            constraint_name,
            source_table,
            referent_table,
            tuple(local_cols),
            tuple(remote_cols),
            onupdate=onupdate,
            ondelete=ondelete,
            deferrable=deferrable,
            initially=initially,
            match=match,
            source_schema=source_schema,
            referent_schema=referent_schema,
            kw=dict(dialect_kw),
        )
        self._bound("create_foreign_key").invoke(operation)

    def create_check_constraint(
        self,
        constraint_name: str | None,
        table_name: str,
        condition: str | TextClause | ColumnElement[Any],
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a CHECK constraint from SQL text or an expression::

        op.create_check_constraint("ck_account_age", "account", "age >= 0")
        """
        operation = CreateCheckConstraintOp(
            constraint_name, table_name, condition, schema, kw=dict(kw)
        )
        self._bound("create_check_constraint").invoke(operation)

    def create_primary_key(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        schema: str | None = None,
    ) -> None:
        """Add a PRIMARY KEY::

        op.create_primary_key("pk_membership", "membership", ["user_id", "group_id"])
        """
        operation = CreatePrimaryKeyOp(constraint_name, table_name, tuple(columns), schema)
        self._bound("create_primary_key").invoke(operation)

    def drop_constraint(
        self,
        constraint_name: str,
        table_name: str,
        type_: ConstraintType | None = None,
        schema: str | None = None,
    ) -> None:
        """Drop a named constraint; ``type_`` is ``"foreignkey"``, ``"unique"``, ``"check"``
        or ``"primary"`` (MySQL needs it, since each kind has its own statement)::

            op.drop_constraint("fk_post_author", "post", type_="foreignkey")
        """
        operation = DropConstraintOp(constraint_name, table_name, type_, schema)
        self._bound("drop_constraint").invoke(operation)

    # -- data -------------------------------------------------------------------------------

    def execute(
        self, sqltext: str | Executable, execution_options: Mapping[str, Any] | None = None
    ) -> None:
        """Run SQL text or a statement; offline (``--sql``) it is written to the script::

        op.execute("UPDATE account SET active = true")
        account = sa.table("account", sa.column("active", sa.Boolean))
        op.execute(account.update().values(active=op.inline_literal(False)))
        """
        self._bound("execute").invoke(ExecuteSQLOp(sqltext, execution_options))

    def bulk_insert(
        self,
        table: Table | TableClause,
        rows: Sequence[Mapping[str, Any]],
        multiinsert: bool = True,
    ) -> None:
        """Insert rows given as dictionaries keyed by column name::

            roles = sa.table("role", sa.column("id", sa.Integer), sa.column("name", sa.String))
            op.bulk_insert(roles, [{"id": 1, "name": "admin"}, {"id": 2, "name": "user"}])

        Online the rows go in one executemany (``multiinsert=False``: one statement per
        row); offline each row becomes an INSERT with its values written out.
        """
        operation = BulkInsertOp(table, tuple(rows), multiinsert)
        self._bound("bulk_insert").invoke(operation)

    def inline_literal(self, value: Any, type_: TypeArg | None = None) -> InlineLiteral:
        """A value written into the SQL itself, so that data changes also work offline::

        op.execute(
            account.update()
            .where(account.c.name == op.inline_literal("admin"))
            .values(active=op.inline_literal(True))
        )
        """
        self._bound("inline_literal")
        return InlineLiteral(value, _type(type_))

    # -- context ----------------------------------------------------------------------------

    def get_bind(self) -> Connection:
        """The connection the migration runs on, for queries::

            rows = op.get_bind().execute(sa.text("SELECT id FROM account")).all()

        There is none in offline (``--sql``) mode; write data changes with
        :meth:`execute` there.
        """
        connection = self._bound("get_bind").migration.impl.connection
        if connection is None:
            raise CommandError(
                "op.get_bind() has no connection in offline (--sql) mode; use op.execute() "
                "so that the SQL is written to the script."
            )
        return connection

    def get_context(self) -> MigrationHandle:
        """The running migration (``op.get_context().autocommit_block()``, ``x_args``)."""
        return self._bound("get_context").migration

    def f(self, name: str) -> conv:
        """Mark a constraint or index name as final, so naming conventions leave it as is::

        op.create_unique_constraint(op.f("uq_account_email"), "account", ["email"])
        """
        self._bound("f")
        return conv(name)

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
        from .batch import BatchOperations  # imported late: batch imports this module

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

    # -- dispatch ---------------------------------------------------------------------------

    @overload
    def invoke(self, operation: CreateTableOp) -> Table: ...

    @overload
    def invoke(self, operation: MigrateOp) -> Table | None: ...

    def invoke(self, operation: MigrateOp) -> Table | None:
        """Carry out an operation object; returns the new table for :class:`CreateTableOp`.

        Every directive above comes here, so code holding operation objects (a reversed
        upgrade, autogenerate) runs them the same way::

            op.invoke(AddColumnOp("account", sa.Column("email", sa.String(120))))
        """
        impl = self._bound("invoke").migration.impl
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
                impl.add_column(
                    operation.table_name, operation.to_column(), schema=operation.schema
                )
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
