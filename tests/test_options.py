"""Options of ``Migrate(...)``: a misspelt, unimplemented or mistyped one fails at once.

``Migrate(app, db, include_objct=...)`` used to be accepted and do nothing. Every option is
now checked when ``Migrate(...)``/``init_app(...)`` runs (application start-up) and after each
``@migrate.configure`` callback, with one sentence saying what is wrong and what to do.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import Migrate, MigrateConfig, MigrateError
from flask_migrate_lite.appstate import app_state
from flask_migrate_lite.engine.errors import OptionError
from flask_migrate_lite.options import ALEMBIC_UNSUPPORTED, FIXED, MigrateOptions

pytestmark = pytest.mark.sqlite

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.rst"
OPTIONS = (
    "applied_log_table, compare_server_default, compare_type, ddl_lock_retries, ddl_lock_timeout, "
    "include_name, include_object, include_schemas, lint_ignore, lint_on_upgrade, lock_timeout, "
    "online_safe, process_revision_directives, reference_target, render_as_batch, render_item, "
    "targets, template_args, transaction_per_migration, user_module_prefix, validate_on_upgrade, "
    "version_table, version_table_schema"
)


def hook(*args: Any) -> bool:
    return True


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = Flask("options")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'app.db'}"
    return app


@pytest.fixture
def db(app: Flask) -> SQLAlchemy:
    return SQLAlchemy(app)


def _refused(app: Flask, db: SQLAlchemy, **kwargs: Any) -> str:
    with pytest.raises(OptionError) as caught:
        Migrate(app, db, **kwargs)
    assert "migrate" not in app.extensions
    return str(caught.value)


def test_a_misspelt_option_names_the_closest_one(app: Flask, db: SQLAlchemy) -> None:
    assert _refused(app, db, include_objct=hook) == (
        "Migrate() got an unknown option 'include_objct'; did you mean 'include_object'?"
    )


def test_every_misspelt_option_at_once(app: Flask, db: SQLAlchemy) -> None:
    with pytest.raises(OptionError) as caught:
        Migrate(app, db, include_objct=hook, compare_server_defaults=True)
    assert str(caught.value) == (
        "Migrate() got an unknown option 'include_objct' (did you mean 'include_object'?) "
        "and an unknown option 'compare_server_defaults' (did you mean "
        "'compare_server_default'?)."
    )
    assert caught.value.names == ("include_objct", "compare_server_defaults")
    assert isinstance(caught.value, MigrateError)


def test_an_unknown_option_with_no_close_name_lists_them_all(app: Flask, db: SQLAlchemy) -> None:
    assert _refused(app, db, frobnicate=1) == (
        f"Migrate() got an unknown option 'frobnicate'; the options are {OPTIONS}."
    )


def test_init_app_checks_its_own_arguments(app: Flask, db: SQLAlchemy) -> None:
    migrate = Migrate(db=db)
    with pytest.raises(OptionError) as caught:
        migrate.init_app(app, compare_typ=False)
    assert str(caught.value) == (
        "migrate.init_app() got an unknown option 'compare_typ'; did you mean 'compare_type'?"
    )
    assert "migrate" not in app.extensions and "db" not in app.cli.commands


@pytest.mark.parametrize(
    ("option", "fix"),
    [
        (
            "target_metadata",
            "the models are read from Flask-SQLAlchemy (db.metadata and each bind's), "
            "so remove it.",
        ),
        (
            "on_version_apply",
            "run that code after the upgrade instead (upgrade() returns the migrations it ran).",
        ),
        (
            "transactional_ddl",
            "transactions follow what each database can do (see the databases documentation); "
            "remove it, or pass transaction_per_migration=False for one transaction per run.",
        ),
        ("include_symbol", "use include_object or include_name instead."),
    ],
)
def test_alembic_options_that_are_not_implemented(
    app: Flask, db: SQLAlchemy, option: str, fix: str
) -> None:
    assert _refused(app, db, **{option: hook}) == (
        f"Migrate() got '{option}', an option of Alembic's context.configure() that "
        f"flask-migrate-lite does not implement; {fix}"
    )


def test_every_unimplemented_alembic_option_is_refused(app: Flask, db: SQLAlchemy) -> None:
    for option in ALEMBIC_UNSUPPORTED:
        message = _refused(app, db, **{option: object()})
        assert message.startswith(f"Migrate() got '{option}', an option of Alembic's "), message


def test_options_with_the_one_value_this_engine_uses(app: Flask, db: SQLAlchemy) -> None:
    # Accepted with the value that matches what the engine always does ...
    fixed: dict[str, Any] = {name: value for name, (value, _why) in FIXED.items()}
    Migrate(app, db, **fixed)
    assert app.extensions["migrate"].configure_args["alembic_module_prefix"] == "op."
    # ... and refused with any other, saying which one it takes.
    assert _refused(Flask("other"), db, alembic_module_prefix="alembic.op.") == (
        "Migrate() got alembic_module_prefix='alembic.op.'; flask-migrate-lite only accepts "
        "alembic_module_prefix='op.' (generated code always calls op.<operation>), so remove it."
    )
    assert _refused(Flask("other"), db, literal_binds=False) == (
        "Migrate() got literal_binds=False; flask-migrate-lite only accepts literal_binds=True "
        "(--sql output always writes values inline), so remove it."
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"include_object": True}, "include_object=True; it must be a function or None."),
        ({"compare_type": None}, "compare_type=None; it must be True, False or a function."),
        ({"include_schemas": "yes"}, "include_schemas='yes'; it must be True or False."),
        ({"lock_timeout": "5"}, "lock_timeout='5'; it must be a number."),
        ({"version_table": 3}, "version_table=3; it must be a string."),
        ({"template_args": ["x"]}, "template_args=['x']; it must be a dict or None."),
    ],
)
def test_values_of_the_wrong_type(
    app: Flask, db: SQLAlchemy, kwargs: dict[str, Any], message: str
) -> None:
    assert _refused(app, db, **kwargs) == f"Migrate() got {message}"


def test_what_flask_migrate_projects_pass_keeps_working(app: Flask, db: SQLAlchemy) -> None:
    Migrate(
        app,
        db,
        directory="migrations",
        command="db",
        # Accepted (a callable, as in Flask-Migrate) though Migrate() is annotated with bool.
        compare_type=hook,  # type: ignore[arg-type]
        render_as_batch=False,
        compare_server_default=True,
        include_object=hook,
        include_name=hook,
        include_schemas=True,
        render_item=hook,
        process_revision_directives=hook,
        user_module_prefix="app.types.",
        version_table="schema_version",
        version_table_schema=None,
        transaction_per_migration=False,
        template_args={"author": "me"},
        lock_timeout=5,
    )
    with app.app_context():
        state = app_state()
    assert state.options == MigrateOptions(
        compare_type=hook,
        compare_server_default=True,
        include_object=hook,
        include_name=hook,
        include_schemas=True,
        render_as_batch=False,
        render_item=hook,
        process_revision_directives=hook,
        user_module_prefix="app.types.",
        template_args={"author": "me"},
        version_table="schema_version",
        transaction_per_migration=False,
        lock_timeout=5,
    )
    assert state.run_options().version_table == "schema_version"
    assert state.run_options().transaction_per_migration is False
    assert state.lock_timeout == 5.0
    assert state.template_args() == {"author": "me"}


def test_a_configure_callback_that_sets_an_unknown_option(app: Flask, db: SQLAlchemy) -> None:
    migrate = Migrate(app, db)

    @migrate.configure
    def tune(config: MigrateConfig) -> MigrateConfig:
        config.configure_args["compare_server_defaults"] = True
        return config

    with app.app_context(), pytest.raises(OptionError) as caught:
        app_state()
    assert str(caught.value) == (
        "In config.configure_args, the @migrate.configure callback 'tune' set an unknown "
        "option 'compare_server_defaults'; did you mean 'compare_server_default'?"
    )


def test_a_configure_callback_that_returns_something_else(app: Flask, db: SQLAlchemy) -> None:
    migrate = Migrate(app, db)
    migrate.configure(lambda config: {"compare_type": False})
    with app.app_context(), pytest.raises(OptionError) as caught:
        app_state()
    assert str(caught.value) == (
        "The @migrate.configure callback '<lambda>' returned {'compare_type': False}; "
        "it must return the config it was given, or None."
    )


def test_a_configure_callback_may_set_known_options(app: Flask, db: SQLAlchemy) -> None:
    migrate = Migrate(app, db)

    @migrate.configure
    def tune(config: MigrateConfig) -> None:
        config.configure_args["compare_server_default"] = True
        config.configure_args["version_table"] = "versions"

    with app.app_context():
        state = app_state()
    assert state.options.compare_server_default is True
    assert state.run_options().version_table == "versions"


def test_every_option_is_documented() -> None:
    text = DOCS.read_text()
    for option in [f.name for f in dataclasses.fields(MigrateOptions)] + list(FIXED):
        assert re.search(rf"``{option}(=[^`]*)?``", text), f"{option} is not in {DOCS.name}"
    for option in ALEMBIC_UNSUPPORTED:
        assert f"``{option}``" in text, f"{option} is not in {DOCS.name}"


def test_template_args_reach_the_revision_template(
    app: Flask, db: SQLAlchemy, tmp_path: Path
) -> None:
    from flask_migrate_lite import init, revision

    folder = tmp_path / "migrations"
    Migrate(app, db, directory=str(folder), template_args={"author": "ops team"})
    with app.app_context():
        init(report=lambda line: None)
        template = folder / "script.py.mako"
        template.write_text(template.read_text().replace('"""\n', '"""\n# author: ${author}\n', 1))
        created = revision(message="first", report=lambda line: None)
    assert created is not None
    assert "# author: ops team\n" in Path(str(created.path)).read_text()


def test_init_app_builds_the_options_once(app: Flask, db: SQLAlchemy) -> None:
    Migrate(app, db, version_table="schema_version", lock_timeout=5)
    registered = app.extensions["migrate"]
    assert registered.options == MigrateOptions(version_table="schema_version", lock_timeout=5.0)
    with app.app_context():
        first, second = app_state(), app_state()
    # Without callbacks that change them, every run reads the object init_app built.
    assert first.options is registered.options and second.options is registered.options


def test_a_callback_changes_the_run_not_the_app(app: Flask, db: SQLAlchemy) -> None:
    migrate = Migrate(app, db)

    @migrate.configure
    def tune(config: MigrateConfig) -> None:
        config.configure_args["version_table"] = "versions"
        del config.configure_args["render_as_batch"]

    with app.app_context():
        state = app_state()
    assert state.options == MigrateOptions(version_table="versions")
    assert state.options is not app.extensions["migrate"].options
    assert app.extensions["migrate"].options.version_table == "alembic_version"
    assert app.extensions["migrate"].configure_args == {
        "compare_type": True,
        "render_as_batch": True,
    }


def test_configure_args_changed_after_init_app(app: Flask, db: SQLAlchemy) -> None:
    Migrate(app, db)
    registered = app.extensions["migrate"]
    registered.configure_args["version_table"] = "later"
    with app.app_context():
        assert app_state().run_options().version_table == "later"
    registered.configure_args["version_tabel"] = "typo"
    with app.app_context(), pytest.raises(OptionError) as caught:
        app_state()
    assert str(caught.value) == (
        "app.extensions['migrate'].configure_args has an unknown option 'version_tabel'; "
        "did you mean 'version_table'?"
    )


def test_migrate_configure_args_changed_before_init_app(app: Flask, db: SQLAlchemy) -> None:
    migrate = Migrate(db=db)
    migrate.configure_args["include_schemas"] = True
    migrate.init_app(app)
    assert app.extensions["migrate"].options.include_schemas is True
    migrate.configure_args["include_schema"] = True
    with pytest.raises(OptionError) as caught:
        migrate.init_app(Flask("other"))
    assert str(caught.value) == (
        "migrate.configure_args has an unknown option 'include_schema'; "
        "did you mean 'include_schemas'?"
    )


def test_the_app_config_lock_timeout_replaces_the_option(app: Flask, db: SQLAlchemy) -> None:
    Migrate(app, db, lock_timeout=5)
    app.config["MIGRATE_LOCK_TIMEOUT"] = "2"
    with app.app_context():
        state = app_state()
    assert state.lock_timeout == 2.0
    assert state.run_options().lock_timeout == 2.0
    assert app.extensions["migrate"].options.lock_timeout == 5.0


def test_migrate_keeps_every_branch_label(app: Flask, db: SQLAlchemy, tmp_path: Path) -> None:
    from flask_migrate_lite import init, migrate

    class Item(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "h_options_item"
        id = db.Column(db.Integer, primary_key=True)

    folder = tmp_path / "migrations"
    Migrate(app, db, directory=str(folder))
    with app.app_context():
        init(report=lambda line: None)
        created = migrate(message="first", branch_label=["one", "two"], report=lambda line: None)
    assert created is not None
    assert created.branch_labels == frozenset({"one", "two"})
