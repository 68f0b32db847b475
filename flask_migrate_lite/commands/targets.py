"""Targets: the many databases (or PostgreSQL schemas) one app migrates alike.

The app names them with ``Migrate(app, db, targets=callable)`` or ``MIGRATE_TARGETS`` in its
config (a callable, or an import string ``"package.module:function"``). The callable is
called with no arguments, inside the application context (``current_app`` is there), and
returns one of:

* schema names (a list of strings without ``://``): each a PostgreSQL schema of the app's
  default database, with its own version table in that schema;
* a dict ``name -> URL``, or ``(name, URL)`` pairs: a database each;
* bare URLs: a database each, named by its database (a SQLite file by its name without the
  suffix).

Internal: the names here may change.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from flask import current_app

from ..appstate import AppState, Database
from ..engine.errors import CommandError, UsageError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..engine.config import RunOptions

__all__ = [
    "SchemaDatabase",
    "Selection",
    "Target",
    "configured_targets",
    "reference_target",
    "select_targets",
]

#: How many names an error lists before it says how many more there are.
_LISTED = 10


@dataclass(frozen=True)
class Selection:
    """Which targets the command line asked for: ``--target``, ``--targets``, ``--all-targets``."""

    names: tuple[str, ...] = ()
    pattern: str | None = None
    everything: bool = False

    @property
    def given(self) -> bool:
        """Whether any target was asked for (else the command runs as without targets)."""
        return bool(self.names or self.pattern or self.everything)


@dataclass(frozen=True)
class SchemaDatabase(Database):
    """The app's default database seen through one PostgreSQL schema.

    Its connections put the models' tables (those without a schema of their own) in the
    schema (``schema_translate_map``) and set ``search_path`` to it, so that SQL a migration
    runs with ``op.execute`` lands there too; ``search_path`` is reset when the connection
    goes back to the pool. With ``create_missing`` (a run that writes), the connection
    first creates the schema when it is not there yet (a target added later).
    """

    schema: str = ""
    create_missing: bool = False

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        from sqlalchemy.exc import DBAPIError

        with super().connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote_schema(self.schema)
            if self.create_missing:
                self._create_schema(connection, quoted)
            connection.exec_driver_sql(f"SET search_path TO {quoted}")
            connection.commit()
            connection.execution_options(schema_translate_map={None: self.schema})
            try:
                yield connection
            finally:
                if not connection.invalidated:
                    try:
                        if connection.in_transaction():
                            connection.rollback()
                        connection.exec_driver_sql("RESET search_path")
                        connection.commit()
                    except DBAPIError:
                        pass  # a broken connection is discarded by the pool

    def _create_schema(self, connection: Connection, quoted: str) -> None:
        from sqlalchemy import text
        from sqlalchemy.exc import IntegrityError

        found = connection.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": self.schema}
        ).scalar()
        if found:
            connection.commit()
            return
        try:
            connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
            connection.commit()
        except IntegrityError:
            # Another run created it between the look and the CREATE (IF NOT EXISTS does
            # not hold off a concurrent one): it is there, which is all this wants.
            connection.rollback()


@dataclass(frozen=True)
class Target:
    """One target: its name and the database it migrates."""

    name: str
    database: Database
    #: The PostgreSQL schema of a schema target, else None.
    schema: str | None = None

    def run_options(self, options: RunOptions) -> RunOptions:
        """The run's options for this target: a schema target's version table is in it."""
        if self.schema is None:
            return options
        return dataclasses.replace(options, version_table_schema=self.schema)

    @property
    def label(self) -> str:
        """The target in messages: its name, and where it is when that is not the name."""
        if self.schema is not None:
            return self.name
        return f"{self.name} ({self.database.url})"

    def writing(self) -> Target:
        """The target for a run that writes: a schema target's connection creates its
        schema when it is missing (on the connection the run then uses)."""
        if isinstance(self.database, SchemaDatabase):
            database = dataclasses.replace(self.database, create_missing=True)
            return dataclasses.replace(self, database=database)
        return self


def _callable(state: AppState) -> Any:
    """The configured targets function (``MIGRATE_TARGETS`` first), or None."""
    found = current_app.config.get("MIGRATE_TARGETS")
    if found is None:
        found = state.options.targets
    if found is None:
        return None
    if isinstance(found, str):
        module_name, _, attribute = found.partition(":")
        if not module_name or not attribute:
            raise CommandError(
                f"MIGRATE_TARGETS is '{found}', which is no import string; write it as "
                "'package.module:function'."
            )
        try:
            module = importlib.import_module(module_name)
            found = getattr(module, attribute)
        except (ImportError, AttributeError) as exc:
            raise CommandError(
                f"The targets function '{found}' cannot be imported ({exc}); fix "
                "MIGRATE_TARGETS or the targets= argument of Migrate()."
            ) from exc
    if not callable(found):
        raise CommandError(
            f"The targets {found!r} are not callable; give a function that returns them."
        )
    return found


_POOL_OPTIONS = ("pool_size", "max_overflow", "pool_timeout", "pool_recycle", "poolclass", "pool")


def _unpooled(engine: Any) -> Any:
    """The app's engine for schema targets: the same URL and ``SQLALCHEMY_ENGINE_OPTIONS``,
    without a pool, so that any number of workers each has a connection of its own."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    given = dict(current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options = {key: value for key, value in given.items() if key not in _POOL_OPTIONS}
    return create_engine(engine.url, poolclass=NullPool, **options)


def _name_of_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    database = make_url(url).database or ""
    if make_url(url).get_backend_name() == "sqlite":
        return PurePath(database).stem
    return database


def _url_target(name: str, url: str, metadata: Any) -> Target:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    if not isinstance(url, str) or "://" not in url:
        raise CommandError(
            f"The target '{name}' has {url!r} for a URL; the targets function must give "
            "database URLs such as 'postgresql://host/db'."
        )
    engine = create_engine(url, poolclass=NullPool)
    return Target(name, Database("", engine, metadata))


def configured_targets(state: AppState) -> list[Target]:
    """Every target the app names, in the order its function gives them.

    Raises :class:`CommandError` when no targets are configured, or when what the function
    returns is not one of the forms above.
    """
    function = _callable(state)
    if function is None:
        raise CommandError(
            "No targets are configured; pass Migrate(app, db, targets=function) or set "
            "MIGRATE_TARGETS to use --target, --targets or --all-targets."
        )
    if state.multidb:
        raise CommandError(
            f"Targets need a migrations folder made for one database, and {state.directory} "
            "was made for several (--multidb); use --bind there instead."
        )
    given = function()
    default = state.default_database()
    pairs: list[tuple[str, str]]
    if isinstance(given, Mapping):
        pairs = [(str(name), url) for name, url in given.items()]
    else:
        items = list(given)
        if all(isinstance(item, str) and "://" not in item for item in items):
            if default.engine.dialect.name != "postgresql":
                raise CommandError(
                    "The targets are schema names, which need PostgreSQL, and the app's "
                    f"database is {default.engine.dialect.name}; return database URLs instead."
                )
            engine = _unpooled(default.engine)
            return [
                Target(name, SchemaDatabase("", engine, default.metadata, name), name)
                for name in _unique(items)
            ]
        pairs = []
        for item in items:
            if isinstance(item, str):
                pairs.append((_name_of_url(item), item))
            elif isinstance(item, tuple) and len(item) == 2:
                pairs.append((str(item[0]), item[1]))
            else:
                raise CommandError(
                    f"The targets function returned {item!r} among its targets; each must be "
                    "a schema name, a URL or a (name, URL) pair."
                )
    _unique([name for name, _ in pairs])
    return [_url_target(name, url, default.metadata) for name, url in pairs]


def reference_target(state: AppState) -> Target | None:
    """The target autogenerate compares the models with, when the app has targets: the
    ``reference_target`` option's, else the first."""
    if _callable(state) is None or state.multidb:
        return None
    targets = configured_targets(state)
    if not targets:
        raise CommandError(
            "The targets function returned no target, so there is nothing to compare the "
            "models with; return at least one."
        )
    wanted = state.options.reference_target
    if wanted is None:
        return targets[0]
    for target in targets:
        if target.name == wanted:
            return target
    names = [target.name for target in targets]
    raise CommandError(
        f"The reference_target '{wanted}' is not a target; the targets are {shortened(names)}."
    )


def _unique(names: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    for name in names:
        if not name:
            raise CommandError("The targets function returned a target without a name.")
        if name in seen:
            raise CommandError(
                f"The targets function returned the name '{name}' twice; each target needs "
                "a name of its own."
            )
        seen.add(name)
    return list(names)


def shortened(names: Sequence[str]) -> str:
    """At most ten names, and how many more there are."""
    shown = ", ".join(names[:_LISTED])
    more = len(names) - _LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def select_targets(state: AppState, selection: Selection) -> list[Target]:
    """The targets the command line asked for, in the configured order."""
    targets = configured_targets(state)
    if selection.everything:
        return targets
    names = [target.name for target in targets]
    wanted: set[str] = set()
    for name in selection.names:
        if name not in names:
            raise CommandError(
                f"There is no target named '{name}'; the targets are {shortened(names)}."
            )
        wanted.add(name)
    if selection.pattern is not None:
        matched = fnmatch.filter(names, selection.pattern)
        if not matched:
            raise CommandError(
                f"No target matches '{selection.pattern}'; the targets are {shortened(names)}."
            )
        wanted.update(matched)
    return [target for target in targets if target.name in wanted]


def check_selection(selection: Selection, bind: str | None) -> None:
    """Refuse targets together with ``--bind``."""
    if selection.given and bind is not None:
        raise UsageError(
            "--bind picks a database of a multi-database folder and the targets are "
            "databases of their own; leave out one of them."
        )
