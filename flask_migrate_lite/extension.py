"""The Flask extension: ``Migrate(app, db)``.

It keeps no application on itself: everything that belongs to one application is stored in
``app.extensions["migrate"]``, so one ``Migrate`` object serves any number of apps (app
factories, tests). The signatures match Flask-Migrate's, so switching is one import line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from flask import Flask

    from .callback_config import MigrateConfig
    from .options import MigrateOptions

__all__ = ["Migrate", "MigrateState"]

ConfigureCallback = TypeVar("ConfigureCallback", bound=Callable[..., Any])


class MigrateState:
    """What ``app.extensions["migrate"]`` holds for one application.

    The attribute names are Flask-Migrate's (``migrate``, ``db``, ``directory``,
    ``configure_args``), so code that reads them keeps working. :attr:`options` is the same
    arguments as one typed :class:`~flask_migrate_lite.options.MigrateOptions`, built when
    ``init_app`` registers the app (which checked them); every command reads its options from
    it.
    """

    def __init__(self, migrate: Migrate, db: Any, directory: str, **kwargs: Any) -> None:
        from .options import MigrateOptions

        self.migrate = migrate
        self.db = db
        self.directory = directory
        self.configure_args: dict[str, Any] = kwargs
        self._options = MigrateOptions.from_args(kwargs)
        self._options_from = dict(kwargs)

    @property
    def options(self) -> MigrateOptions:
        """The app's options, typed: built from ``configure_args`` by ``init_app``.

        Code may still change ``configure_args`` afterwards, as with Flask-Migrate: the
        changed arguments are then checked and the options built again from them.
        """
        if self.configure_args != self._options_from:
            from .options import MigrateOptions, check_options

            check_options(self.configure_args, "app.extensions['migrate'].configure_args has")
            self._options = MigrateOptions.from_args(self.configure_args)
            self._options_from = dict(self.configure_args)
        return self._options

    @property
    def metadata(self) -> Any:
        """The default database's ``MetaData`` (Flask-Migrate offers the same shortcut)."""
        return self.db.metadata


class Migrate:
    """Add the ``flask db`` commands to a Flask + Flask-SQLAlchemy application.

    ::

        db = SQLAlchemy()
        migrate = Migrate()

        def create_app():
            app = Flask(__name__)
            db.init_app(app)
            migrate.init_app(app, db)
            return app

    ``directory`` is the migrations folder (``FLASK_DB_DIRECTORY`` in the environment and
    ``--directory`` on the command line override it), ``command`` the name of the command
    group. ``compare_type`` and ``render_as_batch`` are on by default, as in Flask-Migrate;
    the other keyword arguments (``include_object``, ``compare_server_default``, ...) are
    those of :class:`~flask_migrate_lite.options.MigrateOptions`, kept in
    ``configure_args``. A misspelt or unimplemented option, or a value of the wrong type,
    raises :class:`~flask_migrate_lite.engine.errors.OptionError` at once.
    """

    def __init__(
        self,
        app: Flask | None = None,
        db: Any = None,
        directory: str | os.PathLike[str] = "migrations",
        command: str = "db",
        compare_type: bool = True,
        render_as_batch: bool = True,
        **kwargs: Any,
    ) -> None:
        from .options import check_options

        check_options(
            {"compare_type": compare_type, "render_as_batch": render_as_batch, **kwargs},
            "Migrate() got",
        )
        self.configure_callbacks: list[Callable[[MigrateConfig], MigrateConfig | None]] = []
        self.db = db
        self.command = command
        self.directory = os.fspath(directory)
        self.configure_args: dict[str, Any] = dict(kwargs)
        self.configure_args["compare_type"] = compare_type
        self.configure_args["render_as_batch"] = render_as_batch
        self._checked_args = dict(self.configure_args)
        if app is not None and db is not None:
            self.init_app(app, db, directory)

    def init_app(
        self,
        app: Flask,
        db: Any = None,
        directory: str | os.PathLike[str] | None = None,
        command: str | None = None,
        compare_type: bool | None = None,
        render_as_batch: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Register the extension on ``app``.

        Arguments given here override those given to the constructor, for this app only.
        """
        db = db if db is not None else self.db
        if db is None:
            raise RuntimeError(
                "Migrate needs the Flask-SQLAlchemy object: pass it as "
                "Migrate(app, db) or migrate.init_app(app, db)."
            )
        from .options import check_options

        given = dict(kwargs)
        if compare_type is not None:
            given["compare_type"] = compare_type
        if render_as_batch is not None:
            given["render_as_batch"] = render_as_batch
        check_options(given, "migrate.init_app() got")
        if self.configure_args != self._checked_args:
            # Checked by the constructor, then changed by code: what this call keeps is checked.
            kept = {name: value for name, value in self.configure_args.items() if name not in given}
            check_options(kept, "migrate.configure_args has")
        args = {**self.configure_args, **given}
        folder = os.fspath(directory) if directory is not None else self.directory
        app.extensions["migrate"] = MigrateState(self, db, folder, **args)

        from .cli import db as db_group

        app.cli.add_command(db_group, name=command or self.command)
        if app.debug and "run" in sys.argv[1:]:
            from . import devloop

            if devloop.is_dev_server(app):
                devloop.start(app, os.path.abspath(os.environ.get("FLASK_DB_DIRECTORY") or folder))

    def configure(self, f: ConfigureCallback) -> ConfigureCallback:
        """Register a callback that adjusts the configuration before each command.

        The callback receives a :class:`~flask_migrate_lite.callback_config.MigrateConfig` and
        returns it (returning ``None`` keeps the object it was given)::

            @migrate.configure
            def configure(config):
                config.set_main_option("truncate_slug_length", "60")
                return config
        """
        self.configure_callbacks.append(f)
        return f

    def call_configure_callbacks(self, config: MigrateConfig) -> MigrateConfig:
        """Run the ``@configure`` callbacks in order and return the resulting config.

        The options a callback leaves in ``config.configure_args`` are checked as those of
        ``Migrate(...)`` are, and a callback must return the config (or ``None``).
        """
        from .callback_config import MigrateConfig
        from .options import callback_name, check_callback_result, check_options

        for callback in self.configure_callbacks:
            result = callback(config)
            check_callback_result(callback, result, MigrateConfig)
            if result is not None:
                config = result
            check_options(
                config.configure_args,
                "In config.configure_args, the @migrate.configure callback "
                f"'{callback_name(callback)}' set",
            )
        return config
