"""A small library-catalogue app, built the way most Flask projects are: an app factory,
Flask-SQLAlchemy models, configuration from the environment, and flask-migrate-lite.

Run it with ``flask --app example_app db upgrade``; ``python example_app/demo.py`` walks
the whole migration workflow in a scratch folder.
"""

from __future__ import annotations

from flask import Flask

from .config import Config
from .extensions import db, migrate


def create_app(config: type[Config] = Config) -> Flask:
    """Build the application with its database and migration commands."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config())
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIRECTORY"])

    from . import models  # noqa: F401  (registers the models on db.metadata)
    from .views import bp

    app.register_blueprint(bp)
    return app
