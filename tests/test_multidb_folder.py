"""Whether a migrations folder is multi-database is read from its alembic.ini.

``init --multidb`` writes ``multidb = true``; a folder without the key (Flask-Migrate writes
none) is recognised by its ``script.py.mako``, as before.
"""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import Migrate, init
from flask_migrate_lite.appstate import app_state
from flask_migrate_lite.engine.errors import CommandError


def _app(tmp_path: Path) -> Flask:
    app = Flask("multidb_folder")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'main.db'}"
    app.config["SQLALCHEMY_BINDS"] = {"users": f"sqlite:///{tmp_path / 'users.db'}"}
    Migrate(app, SQLAlchemy(app), directory=str(tmp_path / "migrations"))
    return app


def _ini(tmp_path: Path) -> configparser.ConfigParser:
    ini = configparser.ConfigParser()
    ini.read(tmp_path / "migrations" / "alembic.ini", encoding="utf-8")
    return ini


def _targets(app: Flask) -> list[str]:
    with app.app_context():
        return [database.name for database in app_state().target_databases()]


def test_init_multidb_records_the_layout(tmp_path: Path) -> None:
    app = _app(tmp_path)
    with app.app_context():
        init(multidb=True, report=lambda line: None)
    assert _ini(tmp_path).get("alembic", "multidb") == "true"
    assert _targets(app) == ["", "users"]


def test_a_single_database_folder_records_nothing(tmp_path: Path) -> None:
    app = _app(tmp_path)
    with app.app_context():
        init(report=lambda line: None)
        assert not _ini(tmp_path).has_option("alembic", "multidb")
        with pytest.raises(CommandError, match="^--bind users needs a multi-database"):
            app_state().target_databases("users")


def test_the_recorded_key_wins_over_the_template_text(tmp_path: Path) -> None:
    app = _app(tmp_path)
    with app.app_context():
        init(multidb=True, report=lambda line: None)
    template = tmp_path / "migrations" / "script.py.mako"
    template.write_text(template.read_text(encoding="utf-8").replace("_upgrades", "_ops"))
    assert _targets(app) == ["", "users"]


def test_a_folder_without_the_key_is_recognised_by_its_template(tmp_path: Path) -> None:
    app = _app(tmp_path)
    with app.app_context():
        init(multidb=True, report=lambda line: None)
    ini = tmp_path / "migrations" / "alembic.ini"
    text = ini.read_text(encoding="utf-8")
    ini.write_text(text.replace("multidb = true\n", ""), encoding="utf-8")
    assert not _ini(tmp_path).has_option("alembic", "multidb")
    assert _targets(app) == ["", "users"]
