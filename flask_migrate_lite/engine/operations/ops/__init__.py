"""Operation objects: what a migration asks the database to do, as plain data.

Each operation of the ``op`` API is one frozen dataclass here. The same objects are executed
(:meth:`Operations.invoke <flask_migrate_lite.engine.operations.api.Operations.invoke>`),
reversed for a downgrade (``reverse()``), and, later, produced by autogenerate and rendered to
Python. :data:`MigrateOp` is the closed union of them all, so a ``match`` over it is checked
for exhaustiveness by mypy.

Names and keyword arguments follow Alembic's: ``modify_*`` is the new state of a column and
``existing_*`` what it was, where ``False`` for a server default or a comment means "not
given" (``None`` is a real value there: no default, no comment).

The ``to_*`` methods build the SQLAlchemy schema objects (tables holding just the columns an
operation names) that the DDL layer compiles.
"""

from __future__ import annotations

from typing import TypeAlias

from ...ddl.base import ServerDefault
from .columns import AddColumnOp, AlterColumnOp, DropColumnOp
from .common import MYSQL_ONLINE, ConstraintType, IndexColumn, assert_never
from .constraints import (
    CreateCheckConstraintOp,
    CreateConstraintOp,
    CreateForeignKeyOp,
    CreatePrimaryKeyOp,
    CreateUniqueConstraintOp,
    DropConstraintOp,
)
from .data import BulkInsertOp, ExecuteSQLOp
from .indexes import CreateIndexOp, DropIndexOp
from .tables import (
    CreateTableCommentOp,
    CreateTableOp,
    DropTableCommentOp,
    DropTableOp,
    RenameTableOp,
)

__all__ = [
    "MYSQL_ONLINE",
    "AddColumnOp",
    "AlterColumnOp",
    "BulkInsertOp",
    "ConstraintType",
    "CreateCheckConstraintOp",
    "CreateConstraintOp",
    "CreateForeignKeyOp",
    "CreateIndexOp",
    "CreatePrimaryKeyOp",
    "CreateTableCommentOp",
    "CreateTableOp",
    "CreateUniqueConstraintOp",
    "DropColumnOp",
    "DropConstraintOp",
    "DropIndexOp",
    "DropTableCommentOp",
    "DropTableOp",
    "ExecuteSQLOp",
    "IndexColumn",
    "MigrateOp",
    "RenameTableOp",
    "ServerDefault",
    "assert_never",
]


#: Every operation, as a closed union: ``match`` statements over it are checked by mypy.
MigrateOp: TypeAlias = (
    CreateTableOp
    | DropTableOp
    | RenameTableOp
    | AddColumnOp
    | DropColumnOp
    | AlterColumnOp
    | CreateIndexOp
    | DropIndexOp
    | CreateUniqueConstraintOp
    | CreateForeignKeyOp
    | CreateCheckConstraintOp
    | CreatePrimaryKeyOp
    | DropConstraintOp
    | CreateTableCommentOp
    | DropTableCommentOp
    | ExecuteSQLOp
    | BulkInsertOp
)
