""":class:`Migrator`: one app's database moved revision by revision on one connection.

The ready-made tests and the ``migrator`` fixture share it. It runs the engine directly (the
same migration context the ``upgrade`` command builds, without the command's lint and
validation before it runs), so a test can take many small steps cheaply, and reflect the
tables as they are at each revision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .database import CREATED, ENGINES, empty_database, same_database

if TYPE_CHECKING:
    from flask import Flask
    from flask.ctx import AppContext

    from ..appstate import AppState, Database
    from ..engine.runtime.plan import Step
    from ..engine.script.graph import RevisionGraph

__all__ = ["CheckFailed", "Migrator"]

#: The databases found empty (or made by this process): the tests may empty them again.
_VERIFIED: set[str] = set()


class CheckFailed(Exception):
    """A ready-made migration test failed, or cannot run; the message says why in full."""


class Migrator:
    """The app's migrations on its default database, driven from a test.

    ``migrate_to(rev)`` moves up or down, ``current()`` says where the database is, ``tables``
    and ``table(name)`` are SQLAlchemy tables reflected at the current revision, and
    ``connection``/``execute`` read and write rows in between (committed before the next
    move).
    """

    #: The connection the migrations run on; rows written on it are committed before the
    #: next move.
    connection: sa.Connection

    def __init__(self, app: Flask) -> None:
        from ..appstate import app_state

        self.app = app
        self._context: AppContext | None = app.app_context()
        self._context.push()
        try:
            self.state: AppState = app_state()
            if self.state.multidb:
                raise CheckFailed(
                    f"The migrations folder {self.state.directory} is a multi-database one "
                    "(flask db init --multidb); the pytest plugin tests single-database "
                    "folders only: test each database's migrations with 'flask db upgrade' "
                    "and 'downgrade' in your own tests."
                )
            self.database: Database = self.state.default_database()
            ENGINES.add(self.database.engine)
            self.options = self.state.run_options()
            self.graph: RevisionGraph = self.state.scripts.graph()
            self._connect = self.database.connect()
            self.connection = self._connect.__enter__()
            self._tables: dict[str, sa.Table] | None = None
            self._guard()
        except BaseException:
            self._context.pop()
            self._context = None
            raise

    # -- the database ------------------------------------------------------------------------

    @property
    def bookkeeping_tables(self) -> set[str]:
        """The version table and the applied log: the engine's own tables."""
        names = {self.options.version_table}
        if self.options.log_table_name:
            names.add(self.options.log_table_name)
        return names

    def _guard(self) -> None:
        """Refuse a database that holds the app's data: the tests drop what they find."""
        url = self.database.engine.url
        key = url.render_as_string(hide_password=False)
        if key in _VERIFIED or any(same_database(url, made) for made in CREATED):
            _VERIFIED.add(key)
            return
        found = sorted(set(sa.inspect(self.connection).get_table_names()))
        self._commit()
        if found:
            raise CheckFailed(
                f"The app's database {self.database.url} is not a test database and holds "
                f"tables ({', '.join(found[:5])}{', ...' if len(found) > 5 else ''}); the "
                "migration tests empty their database: build the app on the "
                "migrations_database_url fixture (or on an empty database)."
            )
        _VERIFIED.add(key)

    def _commit(self) -> None:
        if self.connection.in_transaction():
            self.connection.commit()

    def reset(self) -> None:
        """Empty the database: no table, no version row."""
        empty_database(self.connection)
        self._tables = None

    def close(self) -> None:
        """Close the connection and leave the app context."""
        try:
            self._commit()
        finally:
            self._connect.__exit__(None, None, None)
            if self._context is not None:
                self._context.pop()
                self._context = None

    # -- moving ------------------------------------------------------------------------------

    def heads(self) -> tuple[str, ...]:
        """The revisions the database is at (empty at base)."""
        from ..engine.runtime.version import read_heads, version_table

        table = version_table(self.options.version_table, self.options.version_table_schema)
        if not sa.inspect(self.connection).has_table(table.name, schema=table.schema):
            self._commit()
            return ()
        heads = read_heads(self.connection, table)
        self._commit()
        return heads

    def current(self) -> str | None:
        """The revision the database is at, ``None`` at base; several heads are joined with
        commas."""
        heads = self.heads()
        return ",".join(heads) if heads else None

    def run(
        self,
        planner: Callable[[tuple[str, ...]], list[Step]],
        before_step: Callable[[Step], None] | None = None,
    ) -> list[Step]:
        """Run the steps ``planner`` makes from the heads read under the migration lock."""
        from ..engine.runtime.context import MigrationContext

        self._commit()
        self._tables = None
        scripts = self.state.scripts
        context = MigrationContext(self.connection, self.options, url=self.database.url)
        try:
            return context.run(planner, lambda rev: scripts.load_module(rev.revision), before_step)
        finally:
            self._commit()

    def migrate_to(self, revision: str) -> list[Step]:
        """Upgrade or downgrade to ``revision`` (an id, a unique prefix, ``head``, ``base``,
        ``+1``/``-1``); returns the steps that ran."""
        from ..engine.errors import TargetIsNotAncestor
        from ..engine.runtime.plan import plan_downgrade, plan_upgrade

        target = revision.strip()

        def planner(heads: tuple[str, ...]) -> list[Step]:
            if target == "base" or target.startswith("-"):
                return plan_downgrade(self.graph, heads, target)
            try:
                return plan_upgrade(self.graph, heads, target)
            except TargetIsNotAncestor:
                return plan_downgrade(self.graph, heads, target)

        return self.run(planner)

    def upgrade_path(self) -> list[Step]:
        """Every step from base to the heads, in order."""
        from ..engine.runtime.plan import plan_upgrade

        return plan_upgrade(self.graph, (), "heads")

    # -- reading and writing rows -------------------------------------------------------------

    @property
    def tables(self) -> Mapping[str, sa.Table]:
        """The tables as they are at the current revision (the engine's own left out)."""
        if self._tables is None:
            metadata = sa.MetaData()
            skip = self.bookkeeping_tables
            metadata.reflect(self.connection, only=lambda name, _meta: name not in skip)
            self._commit()
            self._tables = dict(metadata.tables)
        return self._tables

    def table(self, name: str) -> sa.Table:
        """One table as it is at the current revision."""
        tables = self.tables
        if name not in tables:
            known = ", ".join(sorted(tables)) or "none"
            raise LookupError(
                f"There is no table {name!r} at revision {self.current() or 'base'} "
                f"(tables: {known})."
            )
        return tables[name]

    def execute(
        self,
        statement: str | sa.Executable,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> sa.CursorResult[Any]:
        """Run SQL text or a SQLAlchemy statement on the migrator's connection; what it
        writes is committed before the next move."""
        query = sa.text(statement) if isinstance(statement, str) else statement
        return self.connection.execute(query, parameters)

    def rows(self, name: str) -> list[dict[str, Any]]:
        """Every row of a table, as dicts, in primary key order."""
        table = self.table(name)
        query = sa.select(table).order_by(*table.primary_key.columns)
        return [dict(row) for row in self.connection.execute(query).mappings()]
