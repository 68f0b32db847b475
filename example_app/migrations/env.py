"""Alembic environment of this folder, for running it with Flask-Migrate or Alembic.

flask-migrate-lite never runs this file: its own engine reads the revision files directly.
It is here so that the folder stays usable if the project goes back to Flask-Migrate's
``flask db`` commands, which run it inside the application context.
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
# configparser treats '%' as interpolation, so a password holding one must be doubled.
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def _no_empty_autogenerate(migration_context, revision, directives):
    # An autogenerate run that found no change writes no file.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=db.metadata,
        literal_binds=True,
        **_configure_args(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online():
    options = _configure_args()
    options.setdefault("process_revision_directives", _no_empty_autogenerate)
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
