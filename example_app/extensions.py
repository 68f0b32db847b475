"""The extension objects, created unbound so that the app factory can bind them."""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import Migrate

db = SQLAlchemy()
migrate = Migrate()
