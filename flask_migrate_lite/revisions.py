"""The revision an application's database is at, for the application's own code.

Health checks and start-up guards written for Alembic read it with
``MigrationContext.configure(connection).get_current_heads()``; :func:`current_revisions` is
the same question asked of this package, without the migrations folder and without Alembic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .appstate import app_state
from .engine.errors import CommandError

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["current_revisions"]


def current_revisions(
    bind: str | None = None, *, connection: Connection | None = None
) -> tuple[str, ...]:
    """The revisions the application's database is at: the rows of its version table.

    An empty tuple when the database was never migrated; one id, or several when the
    database is at several branch heads. Call it inside an application context::

        from flask_migrate_lite import current_revisions

        with app.app_context():
            if current_revisions() != ("ae1027a6acf",):
                ...

    ``bind`` names a database of ``SQLALCHEMY_BINDS`` (each has its own version table); the
    default database otherwise. With ``connection`` (``db.session.connection()``, say) the
    table is read on it, inside its transaction, and no connection is opened. The
    ``version_table``/``version_table_schema`` given to ``Migrate(...)`` are honoured; the
    migrations folder is not read. A database that cannot be reached raises
    :class:`~flask_migrate_lite.engine.errors.DatabaseUnavailable`.
    """
    from .engine.runtime.version import read_heads, version_table

    state = app_state()
    options = state.options
    table = version_table(options.version_table, options.version_table_schema)
    if connection is not None:
        return read_heads(connection, table)
    name = bind or ""
    for database in state.databases():
        if database.name == name:
            with database.connect() as own:
                return read_heads(own, table)
    names = ", ".join(repr(database.name) for database in state.databases())
    raise CommandError(
        f"There is no database bind named '{name}'; the app has {names} "
        "(SQLALCHEMY_BINDS, '' is the default database)."
    )
