"""What ``flask db migrate`` / ``revision --autogenerate`` / ``check`` say, and what they leave.

Through Flask's in-process CLI runner (stdout and stderr apart): the exact "Detected ..."
lines, "No changes in schema detected." without a file, "Target database is not up to
date." with exit status 1, ``check``'s exit statuses, and the ``Migrate(...)`` options that
decide what is compared (include_object, include_name, process_revision_directives,
compare_type as a flag and as a callable).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result

from tests.autogenerate.harness import Build, Workbench
from tests.cli_runner import invoke
from tests.databases import APPLIED_LOG


class Cli(Workbench):
    """``flask db ...`` in-process, on an app built from the models given to :meth:`use`."""

    def __init__(self, tmp_path: Path, url: str, build: Build, **migrate_args: Any) -> None:
        super().__init__(tmp_path, url, **migrate_args)
        self.build = build

    def use(self, build: Build) -> None:
        self.build = build

    def __call__(self, *args: str, code: int = 0, **migrate_args: Any) -> Result:
        app = self.app(self.build, **migrate_args)
        try:
            result = invoke(app, ["db", *args])
        finally:
            with app.app_context():
                for engine in app.extensions["sqlalchemy"].engines.values():
                    engine.dispose()
        assert result.exit_code == code, (result.output, result.exception)
        return result

    def files(self) -> list[str]:
        return sorted(p.name for p in (self.folder / "versions").glob("*.py"))


def user_v1(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        "user",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("age", sa.Integer),
    )


def user_v2(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        "user",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(10), nullable=False),
    )


def _detected(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Detected")]


def _generated(result: Result) -> Path:
    match = re.search(r"^Generating (\S+\.py) \.\.\.  done$", result.stderr, re.MULTILINE)
    assert match, result.output
    return Path(match.group(1))


@pytest.fixture
def cli(tmp_path: Path, sqlite_url: str) -> Cli:
    runner = Cli(tmp_path, sqlite_url, user_v1)
    runner("init")
    return runner


def test_detected_lines_on_stderr(tmp_path: Path, database_url: str) -> None:
    cli = Cli(tmp_path, database_url, user_v1)
    cli("init")
    first = cli("migrate", "-m", "users")
    assert _detected(first) == ["Detected added table 'user'"]
    assert "Detected" not in first.stdout
    cli("upgrade")

    cli.use(user_v2)
    second = cli("migrate", "-m", "narrower")
    assert _detected(second) == [
        "Detected type change from VARCHAR(length=128) to String(length=10) on 'user.name'",
        "Detected removed column 'user.age'",
    ]
    source = _generated(second).read_text()
    assert "batch_op.drop_column('age')" in source


@pytest.mark.sqlite
def test_no_changes_writes_no_file(cli: Cli) -> None:
    cli("migrate")
    cli("upgrade")
    before = cli.files()
    for args in (["migrate", "-m", "nothing"], ["revision", "--autogenerate", "-m", "nothing"]):
        result = cli(*args)
        assert result.stderr.splitlines()[-1] == "No changes in schema detected."
        assert "Generating" not in result.output
        assert cli.files() == before


@pytest.mark.sqlite
def test_revision_autogenerate_writes_the_changes(cli: Cli) -> None:
    cli("migrate")
    cli("upgrade")
    cli.use(user_v2)
    result = cli("revision", "--autogenerate", "-m", "narrower")
    assert "Detected removed column 'user.age'" in _detected(result)
    assert "drop_column('age')" in _generated(result).read_text()


@pytest.mark.sqlite
def test_a_pending_migration_stops_migrate_and_check(cli: Cli) -> None:
    cli("migrate", "-m", "users")  # written, not applied
    before = cli.files()
    (pending,) = [name.split("_", 1)[0] for name in before]
    cli.use(user_v2)
    for args in (["migrate", "-m", "again"], ["revision", "--autogenerate"], ["check"]):
        result = cli(*args, code=1)
        assert result.stderr.splitlines()[-1] == (
            f"Error: Target database is not up to date: revision {pending} is pending; "
            "run 'flask db upgrade' to apply it."
        )
        assert "Detected" not in result.output
        assert cli.files() == before


@pytest.mark.sqlite
def test_check_exit_statuses(cli: Cli) -> None:
    cli("migrate")
    cli("upgrade")
    in_sync = cli("check")
    assert in_sync.stdout == "No new upgrade operations detected.\n"

    cli.use(user_v2)
    before = cli.files()
    changed = cli("check", code=1)
    assert _detected(changed) == [
        "Detected type change from VARCHAR(length=128) to String(length=10) on 'user.name'",
        "Detected removed column 'user.age'",
    ]
    assert "New upgrade operations detected" in changed.stderr
    assert cli.files() == before


def _legacy(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE legacy (id INTEGER PRIMARY KEY, note VARCHAR(20))")
            conn.exec_driver_sql("INSERT INTO legacy (id, note) VALUES (1, 'keep me')")
            conn.exec_driver_sql("CREATE TABLE tmp_cache (id INTEGER PRIMARY KEY)")
    finally:
        engine.dispose()


@pytest.mark.sqlite
def test_excluded_tables_and_the_version_table_are_never_touched(
    tmp_path: Path, sqlite_url: str
) -> None:
    def include_object(obj: Any, name: str, type_: str, reflected: bool, compare_to: Any) -> bool:
        return not (type_ == "table" and name in ("legacy", "skipped"))

    def include_name(name: str, type_: str, parents: dict[str, Any]) -> bool:
        return not (type_ == "table" and name.startswith("tmp_"))

    def models(md: sa.MetaData, dialect: str) -> None:
        user_v1(md, dialect)
        sa.Table("skipped", md, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table("tmp_models", md, sa.Column("id", sa.Integer, primary_key=True))

    cli = Cli(
        tmp_path,
        sqlite_url,
        models,
        include_object=include_object,
        include_name=include_name,
        version_table="my_versions",
    )
    cli("init")
    _legacy(sqlite_url)
    first = cli("migrate", "-m", "users")
    assert _detected(first) == ["Detected added table 'user'"]
    cli("upgrade")
    assert cli("check").stdout == "No new upgrade operations detected.\n"

    # Without the hooks every one of them would be a change; with them, none is.
    plain = Cli(tmp_path, sqlite_url, models, version_table="my_versions")
    assert set(_detected(plain("check", code=1))) == {
        "Detected added table 'skipped'",
        "Detected added table 'tmp_models'",
        "Detected removed table 'legacy'",
        "Detected removed table 'tmp_cache'",
    }
    engine = sa.create_engine(sqlite_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            kept = conn.execute(sa.text("SELECT note FROM legacy")).scalars().all()
    finally:
        engine.dispose()
    assert tables == {"user", "legacy", "tmp_cache", "my_versions", "my_versions_log"}
    assert kept == ["keep me"]


def test_the_version_table_is_not_a_removed_table(tmp_path: Path, database_url: str) -> None:
    cli = Cli(tmp_path, database_url, user_v1)
    cli("init")
    cli("migrate")
    cli("upgrade")
    cli.use(lambda md, dialect: None)
    result = cli("migrate", "-m", "drop everything")
    assert _detected(result) == ["Detected removed table 'user'"]
    assert "alembic_version" not in _generated(result).read_text()


@pytest.mark.sqlite
def test_process_revision_directives_that_empties_them_writes_nothing(cli: Cli) -> None:
    seen: list[Any] = []

    def process_revision_directives(context: Any, revision: Any, directives: list[Any]) -> None:
        seen.append(directives[0].upgrade_ops.is_empty())
        directives[:] = []

    result = cli("migrate", "-m", "users", process_revision_directives=process_revision_directives)
    assert seen == [False]
    assert "Generating" not in result.output
    assert cli.files() == []


@pytest.mark.sqlite
def test_process_revision_directives_can_change_the_message(cli: Cli) -> None:
    seen: list[Any] = []

    def process_revision_directives(context: Any, revision: Any, directives: list[Any]) -> None:
        # Flask-Migrate's env.py hook reads config.cmd_opts.autogenerate.
        seen.append((context.config.cmd_opts.autogenerate, revision, context.dialect.name))
        directives[0].message = "renamed by the hook"

    first = cli("migrate", "-m", "users", process_revision_directives=process_revision_directives)
    assert '"""renamed by the hook' in _generated(first).read_text()
    first_id = _generated(first).name.split("_", 1)[0]
    cli("upgrade")
    cli.use(user_v2)
    cli("migrate", "-m", "users", process_revision_directives=process_revision_directives)
    assert seen == [(True, (), "sqlite"), (True, (first_id,), "sqlite")]


@pytest.mark.sqlite
def test_flask_migrate_env_hook_drops_empty_revisions(cli: Cli) -> None:
    # The hook of Flask-Migrate's own env.py, as projects copy it into Migrate(...).
    def process_revision_directives(context: Any, revision: Any, directives: list[Any]) -> None:
        if getattr(context.config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []

    hook: dict[str, Any] = {"process_revision_directives": process_revision_directives}
    cli("migrate", **hook)
    cli("upgrade")
    before = cli.files()
    result = cli("migrate", **hook)
    assert result.stderr.splitlines()[-1] == "No changes in schema detected."
    assert cli.files() == before


@pytest.mark.sqlite
def test_compare_type_false_ignores_type_changes(cli: Cli) -> None:
    cli("migrate")
    cli("upgrade")
    cli.use(user_v2)
    result = cli("check", code=1, compare_type=False)
    assert _detected(result) == ["Detected removed column 'user.age'"]


@pytest.mark.sqlite
def test_compare_type_callable_is_honoured(cli: Cli) -> None:
    calls: list[tuple[str, str, str]] = []

    def compare_type(
        context: Any,
        inspected_column: Any,
        metadata_column: sa.Column[Any],
        inspected_type: Any,
        metadata_type: Any,
    ) -> bool | None:
        calls.append((metadata_column.name, repr(inspected_type), repr(metadata_type)))
        if metadata_column.name == "name":
            return False  # the length change does not matter here
        if metadata_column.name == "age":
            return True  # reported although the types agree
        return None  # the default comparison

    def models(md: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "user",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(10), nullable=False),
            sa.Column("age", sa.Integer),
        )

    cli("migrate")
    cli("upgrade")
    cli.use(models)
    result = cli("check", code=1, compare_type=compare_type)
    assert _detected(result) == ["Detected type change from INTEGER() to Integer() on 'user.age'"]
    assert ("name", "VARCHAR(length=128)", "String(length=10)") in calls
    assert {name for name, _, _ in calls} == {"id", "name", "age"}


@pytest.mark.sqlite
def test_compare_server_default_off_by_default_and_on_when_asked(cli: Cli) -> None:
    cli("migrate")
    cli("upgrade")

    def models(md: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "user",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(128), nullable=False),
            sa.Column("age", sa.Integer, server_default="18"),
        )

    cli.use(models)
    assert cli("check").stdout == "No new upgrade operations detected.\n"
    result = cli("check", code=1, compare_server_default=True)
    assert _detected(result) == ["Detected server default on column 'user.age'"]


# --- several databases ------------------------------------------------------------------------


class MultiDb:
    """An app with a default SQLite database and a ``users`` bind, and a multidb folder."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.folder = tmp_path / "migrations"
        self.urls = {
            "": f"sqlite:///{tmp_path / 'main.db'}",
            "users": f"sqlite:///{tmp_path / 'u.db'}",
        }

    def __call__(self, *args: str, extra_column: bool = False, code: int = 0) -> Result:
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        from flask_migrate_lite import Migrate

        app = Flask("multidb")
        app.config["SQLALCHEMY_DATABASE_URI"] = self.urls[""]
        app.config["SQLALCHEMY_BINDS"] = {"users": self.urls["users"]}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": sa.pool.NullPool}
        db = SQLAlchemy(app)
        db.Table("item", sa.Column("id", sa.Integer, primary_key=True))
        columns: list[sa.Column[Any]] = [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(20)),
        ]
        if extra_column:
            columns.append(sa.Column("email", sa.String(50)))
        db.Table("account", *columns, bind_key="users")
        Migrate(app, db, directory=str(self.folder))
        try:
            result = invoke(app, ["db", *args])
        finally:
            with app.app_context():
                for engine in db.engines.values():
                    engine.dispose()
        assert result.exit_code == code, (result.output, result.exception)
        return result

    def tables(self, name: str) -> dict[str, list[str]]:
        engine = sa.create_engine(self.urls[name], poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                insp = sa.inspect(conn)
                names = set(insp.get_table_names()) - {APPLIED_LOG}
                return {t: [c["name"] for c in insp.get_columns(t)] for t in names}
        finally:
            engine.dispose()


@pytest.mark.sqlite
def test_multidb_compares_each_database_with_its_models(tmp_path: Path) -> None:
    multi = MultiDb(tmp_path)
    multi("init", "--multidb")
    first = multi("migrate", "-m", "initial")
    assert _detected(first) == ["Detected added table 'item'", "Detected added table 'account'"]
    source = _generated(first).read_text()
    assert "def upgrade_users():" in source and "def upgrade_():" in source
    multi("upgrade")
    assert multi.tables("") == {"item": ["id"], "alembic_version": ["version_num"]}
    assert multi.tables("users") == {
        "account": ["id", "name"],
        "alembic_version": ["version_num"],
    }
    assert multi("check").stdout == "No new upgrade operations detected.\n"

    changed = multi("check", extra_column=True, code=1)
    assert _detected(changed) == ["Detected added column 'account.email' (in bind 'users')"]
    second = multi("migrate", "-m", "email", extra_column=True)
    assert "Detected added column 'account.email'" in _detected(second)
    multi("upgrade", extra_column=True)
    assert multi.tables("users")["account"] == ["id", "name", "email"]
    assert multi("check", extra_column=True).stdout == "No new upgrade operations detected.\n"
    multi("downgrade", extra_column=True)
    assert multi.tables("users")["account"] == ["id", "name"]
    assert multi.tables("")["item"] == ["id"]
