"""Alembic environment of this folder, for running it with Flask-Migrate or Alembic.

flask-migrate-lite never runs this file: its own engine reads the revision files directly.
It is here so that the folder stays usable if the project goes back to Flask-Migrate's
``flask db`` commands, which run it inside the application context. Each revision file has
one ``upgrade_<bind>()``/``downgrade_<bind>()`` pair per database ('' is the default one);
this file runs the pair of each database on that database's engine.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")


def _extension_state():
    # Flask-Migrate registers itself as "migrate"; Flask-SQLAlchemy alone as "sqlalchemy".
    return current_app.extensions.get("migrate")


def _database():
    state = _extension_state()
    return state.db if state is not None else current_app.extensions["sqlalchemy"]


def _configure_args():
    state = _extension_state()
    return dict(getattr(state, "configure_args", None) or {})


db = _database()


def _engines():
    # Flask-SQLAlchemy 3 keys the default engine by None and each bind by its name.
    return [("" if key is None else key, engine) for key, engine in db.engines.items()]


def _metadata(name):
    return db.metadatas.get(name or None)


def _tokens(name):
    return {"upgrade_token": f"{name}_upgrades", "downgrade_token": f"{name}_downgrades"}


def run_offline():
    for name, engine in _engines():
        logger.info("Migrating database %s", name or "<default>")
        context.configure(
            url=engine.url.render_as_string(hide_password=False),
            target_metadata=_metadata(name),
            literal_binds=True,
            **_tokens(name),
            **_configure_args(),
        )
        with context.begin_transaction():
            context.run_migrations(engine_name=name)


def run_online():
    for name, engine in _engines():
        logger.info("Migrating database %s", name or "<default>")
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=_metadata(name),
                **_tokens(name),
                **_configure_args(),
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
