"""Reading what a command needs from the running Flask application.

Internal: the names here may change. It turns ``app.extensions["migrate"]``, the
Flask-SQLAlchemy object and the command-line options into the engine's explicit inputs
(folder, options, engines and metadata).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from flask import current_app

from .callback_config import MigrateConfig
from .engine.config import RunOptions
from .engine.errors import CommandError, DatabaseUnavailable, MigrateError
from .engine.urls import mask_text, mask_url
from .options import MigrateOptions

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, MetaData

    from .engine.script.directory import ScriptDirectory

__all__ = ["Database", "AppState", "app_state", "hide_password"]

DIRECTORY_ENV = "FLASK_DB_DIRECTORY"


class ExtensionMissing(MigrateError):
    """The current app has no ``Migrate`` registered."""

    def __init__(self) -> None:
        super().__init__(
            "This application has no Migrate extension; did you forget to call "
            "'Migrate(app, db)' or 'migrate.init_app(app, db)'?"
        )


class Configurer(Protocol):
    """What runs the app's ``@configure`` callbacks (the ``Migrate`` object)."""

    def call_configure_callbacks(self, config: MigrateConfig) -> MigrateConfig:
        """Return the configuration after every callback has seen it."""
        ...


class RegisteredState(Protocol):
    """What this module reads from ``app.extensions["migrate"]``.

    Described here rather than imported, so that the adapter never depends on the Flask
    face above it.
    """

    @property
    def migrate(self) -> Configurer:
        """The object that runs the configure callbacks."""
        ...

    @property
    def db(self) -> Any:
        """The Flask-SQLAlchemy object."""
        ...

    @property
    def directory(self) -> str:
        """The migrations folder given to ``Migrate``."""
        ...

    @property
    def configure_args(self) -> dict[str, Any]:
        """The keyword arguments given to ``Migrate``."""
        ...

    @property
    def options(self) -> MigrateOptions:
        """The same arguments, typed and checked (built by ``init_app``)."""
        ...


def hide_password(url: Any) -> str:
    """Render an engine URL with every credential masked (see :func:`.engine.urls.mask_url`)."""
    return mask_url(url)


@dataclass(frozen=True)
class Database:
    """One database the app migrates: the default one (``name == ""``) or a bind."""

    name: str
    engine: Engine
    metadata: MetaData

    @property
    def url(self) -> str:
        """The URL with its password and every other credential hidden, for messages."""
        return mask_url(self.engine.url)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection, with connection failures turned into one clear error."""
        from sqlalchemy.exc import DBAPIError, NoSuchModuleError

        try:
            connection = self.engine.connect()
        except NoSuchModuleError as exc:
            reason = mask_text(f"the driver is not installed ({exc})", self.engine.url)
            raise DatabaseUnavailable(self.url, reason) from exc
        except DBAPIError as exc:
            reason = mask_text(_first_line(exc.orig or exc), self.engine.url)
            raise DatabaseUnavailable(self.url, reason) from exc
        except ModuleNotFoundError as exc:
            raise DatabaseUnavailable(
                self.url, f"its driver '{exc.name}' is not installed; pip install it"
            ) from exc
        try:
            yield connection
        finally:
            connection.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0].rstrip(".") if text else type(exc).__name__


@dataclass
class AppState:
    """Everything one command run needs from the application.

    ``options`` are the app's typed options (``init_app`` built them) as this run sees them:
    see :func:`app_state`.
    """

    state: RegisteredState
    config: MigrateConfig
    options: MigrateOptions

    @property
    def directory(self) -> str:
        """The migrations folder for this run."""
        return self.config.directory

    @property
    def lock_timeout(self) -> float:
        """Seconds to wait for the migration lock in this run."""
        return self.options.lock_timeout

    def run_options(self, *, sql: bool = False, tag: str | None = None) -> RunOptions:
        """The engine's run options: the app's options, the ``-x`` values, ``--sql``, ``--tag``."""
        options = self.options
        return RunOptions(
            version_table=options.version_table,
            version_table_schema=options.version_table_schema,
            transaction_per_migration=options.transaction_per_migration,
            as_sql=sql,
            tag=tag,
            x_args=self.config.x_args,
            lock_timeout=options.lock_timeout,
            applied_log_table=options.applied_log_table,
            ddl_lock_timeout=options.ddl_lock_timeout,
            ddl_lock_retries=options.ddl_lock_retries,
        )

    def databases(self) -> list[Database]:
        """The default database first, then every Flask-SQLAlchemy bind."""
        db = self.state.db
        engines: dict[str | None, Engine] = dict(db.engines)
        metadatas: dict[str | None, MetaData] = dict(getattr(db, "metadatas", {None: db.metadata}))
        result = [Database("", engines[None], metadatas.get(None, db.metadata))]
        for key in sorted(k for k in engines if k is not None):
            metadata = metadatas.get(key)
            if metadata is None:
                from sqlalchemy import MetaData as _MetaData

                metadata = _MetaData()
            result.append(Database(key, engines[key], metadata))
        return result

    def default_database(self) -> Database:
        """The app's default database (``SQLALCHEMY_DATABASE_URI``)."""
        return self.databases()[0]

    @functools.cached_property
    def scripts(self) -> ScriptDirectory:
        """The migrations folder's revisions (read once per command)."""
        from .engine.runtime.modules import load_module
        from .engine.script.directory import ScriptDirectory

        return ScriptDirectory.from_path(
            self.directory, config=self.config.script_config(), run_file=load_module
        )

    def template_args(self) -> dict[str, object]:
        """What script.py.mako gets beyond the revision: ``Migrate(template_args=...)``, and
        the bind names of a multidb folder."""
        args: dict[str, object] = dict(self.options.template_args or {})
        if self.multidb:
            args["bind_names"] = [database.name for database in self.databases() if database.name]
        return args

    @functools.cached_property
    def multidb(self) -> bool:
        """Whether the migrations folder was made for several databases (``init --multidb``).

        Such a folder's ``script.py.mako`` writes one ``upgrade_<bind>()`` function per
        database, as Flask-Migrate's multi-database template does. ``init --multidb`` records
        it as ``multidb = true`` in ``alembic.ini``; a folder without that key (one made by
        Flask-Migrate) is recognised by the ``<bind>_upgrades`` its template names.
        """
        try:
            recorded = self.config.get_main_option("multidb")
        except CommandError:
            recorded = None  # an unreadable alembic.ini is reported when the folder is read
        if recorded is not None and recorded.strip():
            return recorded.strip().lower() in ("true", "yes", "on", "1")
        template = os.path.join(self.directory, "script.py.mako")
        try:
            with open(template, encoding="utf-8") as handle:
                return "_upgrades" in handle.read()
        except OSError:
            return False

    def target_databases(self, bind: str | None = None) -> list[Database]:
        """The databases a command acts on: the default one, or every bind when multidb.

        ``bind`` limits it to one (``""`` is the default database).
        """
        if not self.multidb:
            if bind:
                raise CommandError(
                    f"--bind {bind} needs a multi-database migrations folder, and "
                    f"{self.directory} was made for one database; create it with "
                    "'flask db init --multidb'."
                )
            return [self.default_database()]
        databases = self.databases()
        if bind is None:
            return databases
        chosen = [database for database in databases if database.name == bind]
        if not chosen:
            names = ", ".join(repr(database.name) for database in databases)
            raise CommandError(
                f"There is no database bind named '{bind}'; the app has {names} "
                "(SQLALCHEMY_BINDS, '' is the default database)."
            )
        return chosen


def app_state(
    directory: str | os.PathLike[str] | None = None,
    x_arg: Sequence[str] | None = None,
) -> AppState:
    """Collect the state of the current app; must run inside an application context.

    The run's options are those ``init_app`` built, unless the ``@migrate.configure``
    callbacks changed ``config.configure_args``: then they are built again from what the
    callbacks left (checked after each callback). ``MIGRATE_LOCK_TIMEOUT`` in the app's
    config replaces ``lock_timeout``, ``MIGRATE_DDL_LOCK_TIMEOUT`` ``ddl_lock_timeout``, and
    ``MIGRATE_ONLINE_SAFE`` ``online_safe``.
    """
    state: RegisteredState | None = current_app.extensions.get("migrate")
    if state is None:
        raise ExtensionMissing()
    folder = os.path.abspath(
        os.fspath(directory)
        if directory is not None
        else os.environ.get(DIRECTORY_ENV) or state.directory
    )
    options = state.options
    config = MigrateConfig(folder, x_args=list(x_arg or ()), configure_args=state.configure_args)
    config = state.migrate.call_configure_callbacks(config)
    if config.configure_args != state.configure_args:
        # A callback changed options for this run; each change was checked after it.
        options = MigrateOptions.from_args(config.configure_args)
    timeout = current_app.config.get("MIGRATE_LOCK_TIMEOUT")
    if timeout is not None:
        options = dataclasses.replace(options, lock_timeout=float(timeout))
    ddl_timeout = current_app.config.get("MIGRATE_DDL_LOCK_TIMEOUT")
    if ddl_timeout is not None:
        options = dataclasses.replace(options, ddl_lock_timeout=float(ddl_timeout))
    online_safe = current_app.config.get("MIGRATE_ONLINE_SAFE")
    if online_safe is not None:
        options = dataclasses.replace(
            options, online_safe=_flag("MIGRATE_ONLINE_SAFE", online_safe)
        )
    return AppState(state=state, config=config, options=options)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _flag(name: str, value: object) -> bool:
    """A boolean setting of the app's config: a bool, or a string as an environment gives it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise CommandError(f"{name} must be True or False, not {value!r}; fix it in the app's config.")
