"""The Flask extension: registration, app factories, several apps, configure callbacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import Migrate, MigrateConfig
from flask_migrate_lite.appstate import app_state


def _app(tmp_path: Path, name: str = "a") -> Flask:
    app = Flask(name)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / (name + '.db')}"
    return app


def test_migrate_app_db_registers_state_and_group(tmp_path: Path) -> None:
    app = _app(tmp_path)
    db = SQLAlchemy(app)
    migrate = Migrate(app, db)
    state = app.extensions["migrate"]
    assert state.migrate is migrate
    assert state.db is db
    assert state.directory == "migrations"
    assert state.configure_args == {"compare_type": True, "render_as_batch": True}
    assert "db" in app.cli.commands


def test_defaults_and_overrides_follow_flask_migrate(tmp_path: Path) -> None:
    app = _app(tmp_path)
    db = SQLAlchemy(app)
    Migrate(
        app,
        db,
        directory=tmp_path / "m",
        command="database",
        compare_type=False,
        render_as_batch=False,
        include_schemas=True,
    )
    state = app.extensions["migrate"]
    assert state.directory == str(tmp_path / "m")
    assert state.configure_args == {
        "include_schemas": True,
        "compare_type": False,
        "render_as_batch": False,
    }
    assert "database" in app.cli.commands and "db" not in app.cli.commands


def test_one_migrate_serves_several_apps(tmp_path: Path) -> None:
    db = SQLAlchemy()
    migrate = Migrate(db=db)
    first, second = _app(tmp_path, "first"), _app(tmp_path, "second")
    for app in (first, second):
        db.init_app(app)
    migrate.init_app(first, directory="one")
    migrate.init_app(second, directory="two", compare_type=False)
    assert first.extensions["migrate"].directory == "one"
    assert second.extensions["migrate"].directory == "two"
    assert first.extensions["migrate"].configure_args["compare_type"] is True
    assert second.extensions["migrate"].configure_args["compare_type"] is False
    assert not hasattr(migrate, "app")


def test_init_app_without_db_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"Migrate\(app, db\)"):
        Migrate().init_app(_app(tmp_path))


def test_configure_callbacks_run_in_order(tmp_path: Path) -> None:
    app = _app(tmp_path)
    db = SQLAlchemy(app)
    migrate = Migrate(app, db)
    seen: list[str] = []

    @migrate.configure
    def first(config: MigrateConfig) -> MigrateConfig:
        seen.append("first")
        config.set_main_option("truncate_slug_length", "10")
        return config

    @migrate.configure
    def second(config: MigrateConfig) -> None:
        seen.append("second")
        config.attributes["marker"] = 1

    with app.app_context():
        state = app_state()
    assert seen == ["first", "second"]
    assert state.config.get_main_option("truncate_slug_length") == "10"
    assert state.config.script_config().truncate_slug_length == 10
    assert state.config.attributes == {"marker": 1}


def test_directory_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    db = SQLAlchemy(app)
    Migrate(app, db, directory="from_code")
    cwd = Path.cwd()
    with app.app_context():
        # Relative folders are taken from the working directory, and reported absolute.
        assert app_state().directory == str(cwd / "from_code")
        monkeypatch.setenv("FLASK_DB_DIRECTORY", "from_env")
        assert app_state().directory == str(cwd / "from_env")
        assert app_state("from_option").directory == str(cwd / "from_option")
        assert app_state(tmp_path / "abs").directory == str(tmp_path / "abs")


def test_x_args_are_parsed(tmp_path: Path) -> None:
    app = _app(tmp_path)
    db = SQLAlchemy(app)
    Migrate(app, db)
    with app.app_context():
        state = app_state(x_arg=["data=1", "flag", "k=a=b"])
    assert state.config.x_args == {"data": "1", "flag": "", "k": "a=b"}
    assert state.run_options().x_args == {"data": "1", "flag": "", "k": "a=b"}
