"""The fixtures the plugin offers once it is on (registered by :mod:`.plugin`).

``migrations_database_url``
    The session's throw-away database (per xdist worker), dropped at the end.
``migrations_app``
    The app named by the ``migrations_app`` ini setting, built on that database; a suite may
    define its own ``migrations_app`` fixture instead (in a ``conftest.py``).
``migrator``
    A :class:`~.migrator.Migrator` on an emptied database, for testing data migrations.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .database import SetupError, ThrowAway
from .migrator import CheckFailed, Migrator

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["migrations_app", "migrations_database_url", "migrator"]

DATABASE_ENV = "MIGRATIONS_DATABASE_URL"


@pytest.fixture(scope="session")
def migrations_database_url(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of this session's (and xdist worker's) throw-away database."""
    server = os.environ.get(DATABASE_ENV) or str(pytestconfig.getini("migrations_database_url"))
    database = ThrowAway(server or None, tmp_path_factory.mktemp("migrations"))
    try:
        url = database.create()
    except SetupError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield url
    finally:
        database.drop()


def load_app(spec: str) -> Flask:
    """The app ``module:name`` names: an app object, or a factory called without arguments."""
    from flask import Flask

    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise CheckFailed(
            f"migrations_app is {spec!r}; write it as 'package.module:create_app' or "
            "'package.module:app'."
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CheckFailed(
            f"migrations_app {spec!r}: cannot import {module_name} ({exc})."
        ) from None
    found: Any = getattr(module, attribute, None)
    if found is None:
        raise CheckFailed(f"migrations_app {spec!r}: {module_name} has no {attribute!r}.")
    app = found if isinstance(found, Flask) else found() if callable(found) else None
    if not isinstance(app, Flask):
        raise CheckFailed(
            f"migrations_app {spec!r} is neither a Flask app nor a factory that returns one."
        )
    return app


@pytest.fixture(scope="session")
def migrations_app(pytestconfig: pytest.Config, migrations_database_url: str) -> Iterator[Flask]:
    """The app named by the ``migrations_app`` ini setting, on the throw-away database.

    The URL is put in the environment variable ``migrations_database_env`` names
    (``DATABASE_URL`` by default) before the app's module is imported and its factory
    called; an app that ends up on another database is refused.
    """
    import sqlalchemy as sa

    from .database import same_database

    spec = str(pytestconfig.getini("migrations_app") or "").strip()
    if not spec:
        pytest.fail(
            "The migration tests need the app: set migrations_app = 'package.module:create_app' "
            "in the pytest configuration, or define a migrations_app fixture in a conftest.py.",
            pytrace=False,
        )
    variable = str(pytestconfig.getini("migrations_database_env") or "").strip() or "DATABASE_URL"
    before = os.environ.get(variable)
    os.environ[variable] = migrations_database_url
    try:
        try:
            app = load_app(spec)
        except CheckFailed as exc:
            pytest.fail(str(exc), pytrace=False)
        extension = app.extensions.get("sqlalchemy")
        engine = None
        if extension is not None:
            with app.app_context():
                engine = extension.engine
        if engine is None or not same_database(engine.url, migrations_database_url):
            where = sa.make_url(engine.url).render_as_string() if engine is not None else "none"
            pytest.fail(
                f"migrations_app {spec!r} builds its app on the database {where}, not on the "
                f"test database; make it read {variable} (set to the test database's URL "
                "before it runs), or define a migrations_app fixture that builds the app on "
                "migrations_database_url.",
                pytrace=False,
            )
        yield app
    finally:
        if before is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = before


@pytest.fixture
def migrator(migrations_app: Flask) -> Iterator[Migrator]:
    """The app's migrations on its emptied database: ``migrate_to(rev)``, ``current()``,
    ``tables``/``table(name)`` at the current revision, ``execute``/``connection``."""
    from ..engine.errors import MigrateError

    try:
        migrating = Migrator(migrations_app)
    except (CheckFailed, MigrateError) as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        migrating.reset()
        yield migrating
    finally:
        migrating.close()
