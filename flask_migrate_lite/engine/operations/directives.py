"""The migration directives, each defined once: the methods of ``op`` and of ``batch_op``.

:class:`Directives` holds every method of the ``op`` API that builds an operation object
(:mod:`.ops`) and hands it to :meth:`~Directives.invoke`. What ``invoke`` does is up to the
subclass: :class:`~.api.Operations` carries the operation out on the running migration,
batch mode (:mod:`.batch`) records it for the table it rebuilds. The methods not tied to a
table (:meth:`~CommonDirectives.execute`, :meth:`~CommonDirectives.get_bind`, ...) are in
:class:`CommonDirectives`, which ``batch_op`` shares.

The names and arguments are Alembic's, so existing scripts run unchanged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql.elements import ColumnElement, TextClause, conv
from sqlalchemy.sql.expression import Executable, TableClause
from sqlalchemy.sql.type_api import to_instance
from sqlalchemy.types import TypeEngine

from ..ddl.base import DefaultImpl, InlineLiteral, ServerDefault
from ..errors import CommandError
from . import ops

if TYPE_CHECKING:
    from sqlalchemy import Column

__all__ = ["CommonDirectives", "Directives", "MigrationHandle", "TypeArg", "as_type"]

#: A column type as scripts pass it: an instance (``sa.String(50)``) or the class (``sa.Text``).
TypeArg = TypeEngine[Any] | type[TypeEngine[Any]]


class MigrationHandle(Protocol):
    """What the runtime gives :class:`~.api.Operations`: the DDL emitter and the ``-x`` options."""

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


def as_type(type_: TypeArg | None) -> TypeEngine[Any] | None:
    """The type instance: scripts may pass the class (sa.String) where one is meant."""
    return None if type_ is None else to_instance(type_)


class CommonDirectives(ABC):
    """The directives not tied to a table, which ``op`` and ``batch_op`` both offer."""

    @abstractmethod
    def _bound(self, name: str) -> Directives:
        """The directives that carry out the call ``name`` for the running migration."""

    # -- data -------------------------------------------------------------------------------

    def execute(
        self, sqltext: str | Executable, execution_options: Mapping[str, Any] | None = None
    ) -> None:
        """Run SQL text or a statement; offline (``--sql``) it is written to the script::

            op.execute("UPDATE account SET active = true")
            account = sa.table("account", sa.column("active", sa.Boolean))
            op.execute(account.update().values(active=op.inline_literal(False)))

        ``batch_op.execute()`` runs it at once, before the batch's recorded changes (as in
        Alembic).
        """
        self._bound("execute").invoke(ops.ExecuteSQLOp(sqltext, execution_options))

    def inline_literal(self, value: Any, type_: TypeArg | None = None) -> InlineLiteral:
        """A value written into the SQL itself, so that data changes also work offline::

            op.execute(
                account.update()
                .where(account.c.name == op.inline_literal("admin"))
                .values(active=op.inline_literal(True))
            )

        ``type_`` is the value's SQL type, where the Python value does not tell it.
        """
        self._bound("inline_literal")
        return InlineLiteral(value, as_type(type_))

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

        ``batch_op.f()`` does the same inside a batch.
        """
        self._bound("f")
        return conv(name)


class Directives(CommonDirectives):
    """The ``op`` API: each method builds an operation object and passes it to :meth:`invoke`."""

    @property
    @abstractmethod
    def migration(self) -> MigrationHandle:
        """The running migration these directives act on."""

    @overload
    def invoke(self, operation: ops.CreateTableOp) -> Table: ...

    @overload
    def invoke(self, operation: ops.MigrateOp) -> Table | None: ...

    @abstractmethod
    def invoke(self, operation: ops.MigrateOp) -> Table | None:
        """Carry out (or record) an operation object; the new table for a CreateTableOp."""

    def _bound(self, name: str) -> Directives:
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
        operation = ops.CreateTableOp(table_name, columns, schema, if_not_exists, options)
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
        operation = ops.DropTableOp(table_name, schema, if_exists, kw=dict(kw))
        self._bound("drop_table").invoke(operation)

    def rename_table(
        self, old_table_name: str, new_table_name: str, schema: str | None = None
    ) -> None:
        """Rename a table within its schema::

        op.rename_table("account", "user_account")
        """
        self._bound("rename_table").invoke(
            ops.RenameTableOp(old_table_name, new_table_name, schema)
        )

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
        operation = ops.CreateTableCommentOp(table_name, comment, existing_comment, schema)
        self._bound("create_table_comment").invoke(operation)

    def drop_table_comment(
        self, table_name: str, existing_comment: str | None = None, schema: str | None = None
    ) -> None:
        """Remove a table's comment::

        op.drop_table_comment("account", existing_comment="People who can log in")
        """
        operation = ops.DropTableCommentOp(table_name, existing_comment, schema)
        self._bound("drop_table_comment").invoke(operation)

    # -- columns ----------------------------------------------------------------------------

    def add_column(
        self, table_name: str, column: Column[Any], schema: str | None = None, **kw: Any
    ) -> None:
        """Add a column; its foreign keys, ``unique``, ``index`` and comment come along::

            op.add_column("account", sa.Column("email", sa.String(120), nullable=True))

        On SQLite a column that needs a table rebuild (primary key, UNIQUE, NOT NULL
        without a default) is added with ``op.batch_alter_table``. On MySQL/MariaDB
        ``mysql_algorithm="INSTANT"`` makes the server add it without copying the table, or
        refuse (see :doc:`online`).
        """
        self._bound("add_column").invoke(ops.AddColumnOp(table_name, column, schema, kw=dict(kw)))

    def drop_column(
        self, table_name: str, column_name: str, schema: str | None = None, **kw: Any
    ) -> None:
        """Drop a column::

        op.drop_column("account", "email")
        """
        operation = ops.DropColumnOp(table_name, column_name, schema, kw=dict(kw))
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
        only rename in place; use ``op.batch_alter_table`` for the rest there. On
        MySQL/MariaDB ``mysql_algorithm``/``mysql_lock`` end the statement with
        ``ALGORITHM=``/``LOCK=`` (see :doc:`online`).
        """
        operation = ops.AlterColumnOp(
            table_name,
            column_name,
            schema,
            modify_type=as_type(type_),
            modify_nullable=nullable,
            modify_server_default=server_default,
            modify_comment=comment,
            modify_name=new_column_name,
            existing_type=as_type(existing_type),
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
        columns: Sequence[ops.IndexColumn],
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
        ``mysql_algorithm="INPLACE", mysql_lock="NONE"`` build it on MySQL/MariaDB while the
        table stays writable, or fail at once (see :doc:`online`).
        """
        items = (columns,) if isinstance(columns, str) else tuple(columns)
        operation = ops.CreateIndexOp(
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
        operation = ops.DropIndexOp(index_name, table_name, schema, if_exists, kw=dict(kw))
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
        operation = ops.CreateUniqueConstraintOp(
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
        operation = ops.CreateForeignKeyOp(
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
        operation = ops.CreateCheckConstraintOp(
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
        operation = ops.CreatePrimaryKeyOp(constraint_name, table_name, tuple(columns), schema)
        self._bound("create_primary_key").invoke(operation)

    def drop_constraint(
        self,
        constraint_name: str,
        table_name: str,
        type_: ops.ConstraintType | None = None,
        schema: str | None = None,
    ) -> None:
        """Drop a named constraint; ``type_`` is ``"foreignkey"``, ``"unique"``, ``"check"``
        or ``"primary"`` (MySQL needs it, since each kind has its own statement)::

            op.drop_constraint("fk_post_author", "post", type_="foreignkey")
        """
        operation = ops.DropConstraintOp(constraint_name, table_name, type_, schema)
        self._bound("drop_constraint").invoke(operation)

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
        operation = ops.BulkInsertOp(table, tuple(rows), multiinsert)
        self._bound("bulk_insert").invoke(operation)
