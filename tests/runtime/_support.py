"""Helpers of the runtime tests: projects, revision files, in-process runs and snapshots.

A project here is a folder with ``app.py`` and a ``migrations`` folder whose revision files
have fixed ids (written directly, which is faster than ``flask db revision``). Tests drive it
in-process (:class:`App`, calling the command functions inside an application context) or as
real ``flask db ...`` subprocesses (:class:`tests.project.Project`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import Migrate, commands
from flask_migrate_lite.engine.script.folder import init_folder
from tests.cli_runner import invoke
from tests.conftest import reset_mysql, reset_postgresql
from tests.project import HANG, Project

__all__ = [
    "App",
    "dialect_of",
    "error_lines",
    "make_folder",
    "popen_flask",
    "reset",
    "run_script",
    "snapshot",
    "start_together",
    "version_rows",
    "write_app",
    "write_revision",
]

APP_SOURCE = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
import sqlalchemy as sa
from flask_migrate_lite import Migrate

db = SQLAlchemy()
migrate = Migrate()


def _barrier():
    # Tests that start many processes at once make them all wait here until told to go.
    import os, pathlib, time

    folder = os.environ.get("FML_TEST_BARRIER")
    if not folder:
        return
    folder = pathlib.Path(folder)
    (folder / f"ready-{{os.getpid()}}").touch()
    for _ in range(6000):
        if (folder / "go").exists():
            return
        time.sleep(0.01)


def create_app():
    _barrier()
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = {url!r}
    app.config.update({config!r})
    db.init_app(app)
    migrate.init_app(app, db{migrate_args})
    return app
"""


def dialect_of(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``mysql``."""
    name = sa.make_url(url).get_backend_name()
    return "mysql" if name == "mariadb" else name


def reset(url: str) -> None:
    """Empty the database at ``url``.

    A SQLite file is emptied rather than removed: pooled connections of a running app
    would keep the removed file open and find it read-only.
    """
    dialect = dialect_of(url)
    if dialect == "postgresql":
        reset_postgresql(url)
    elif dialect == "mysql":
        reset_mysql(url)
    else:
        with connect(url) as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            inspector = sa.inspect(connection)
            for view in inspector.get_view_names():
                connection.exec_driver_sql(f'DROP VIEW "{view}"')
            for table in inspector.get_table_names():
                connection.exec_driver_sql(f'DROP TABLE "{table}"')
            connection.commit()


# --- files ---------------------------------------------------------------------------------


def make_folder(path: Path) -> Path:
    """A migrations folder made from the bundled ``flask`` template; returns it."""
    init_folder(path / "migrations")
    return path / "migrations"


def write_revision(
    migrations: Path,
    rev_id: str,
    down: str | tuple[str, ...] | None,
    upgrade: str = "pass",
    downgrade: str = "pass",
    *,
    message: str = "",
    branch_labels: Sequence[str] | None = None,
    depends_on: Sequence[str] | None = None,
    header: str = "",
    slug: str | None = None,
) -> Path:
    """Write a revision file with a fixed id and the given function bodies.

    The file is named after the message unless ``slug`` is given.
    """
    doc = message or f"revision {rev_id}"
    revises = ", ".join(down) if isinstance(down, tuple) else (down or "")
    body_up = textwrap.indent(textwrap.dedent(upgrade).strip("\n"), "    ")
    body_down = textwrap.indent(textwrap.dedent(downgrade).strip("\n"), "    ")
    source = (
        f'"""{doc}\n\nRevision ID: {rev_id}\nRevises: {revises}\n'
        'Create Date: 2026-01-01 00:00:00.000000\n\n"""\n'
        "from flask_migrate_lite import op\n"
        "import sqlalchemy as sa\n"
        f"{textwrap.dedent(header)}\n\n"
        f"revision = {rev_id!r}\n"
        f"down_revision = {down!r}\n"
        f"branch_labels = {tuple(branch_labels) if branch_labels else None!r}\n"
        f"depends_on = {tuple(depends_on) if depends_on else None!r}\n\n\n"
        f"def upgrade():\n{body_up}\n\n\n"
        f"def downgrade():\n{body_down}\n"
    )
    path = migrations / "versions" / f"{rev_id}_{slug or doc.replace(' ', '_')}.py"
    path.write_text(source, encoding="utf-8")
    return path


def write_app(
    path: Path, url: str, *, config: Mapping[str, Any] | None = None, migrate_args: str = ""
) -> Project:
    """Write ``app.py`` for ``flask --app app`` subprocesses into ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    source = APP_SOURCE.format(url=url, config=dict(config or {}), migrate_args=migrate_args)
    (path / "app.py").write_text(source, encoding="utf-8")
    return Project(path, url)


def popen_flask(project: Project, *args: str, **env: str) -> subprocess.Popen[str]:
    """Start ``flask --app app <args>`` in ``project`` without waiting for it."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=project.path,
        env=project.env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_together(project: Project, barrier: Path, count: int, *args: str) -> list[Any]:
    """Start ``count`` processes of ``flask --app app <args>`` and release them at once.

    Each process waits in ``create_app`` until every one of them is ready, so that they
    reach the database together rather than one start-up time apart.
    """
    barrier.mkdir()
    processes = [popen_flask(project, *args, FML_TEST_BARRIER=str(barrier)) for _ in range(count)]
    for _ in range(12000):
        if len(list(barrier.glob("ready-*"))) >= count or any(
            p.poll() is not None for p in processes
        ):
            break
        time.sleep(0.01)
    (barrier / "go").touch()
    return processes


def error_lines(stderr: str) -> list[str]:
    """The lines of ``stderr`` that report an error."""
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


def run_script(url: str, sql: str) -> None:
    """Run ``sql`` with the database's own command-line client, stopping at the first error.

    The clients run with a default encoding that is not UTF-8 (LATIN1 for ``psql``, the C
    locale's for ``mariadb``), so a script must say what encoding it is written in.
    """
    parsed = sa.make_url(url)
    dialect = dialect_of(url)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PGCLIENTENCODING": "LATIN1"}
    if dialect == "sqlite":
        assert parsed.database
        command = ["sqlite3", "-bail", parsed.database]
    elif dialect == "postgresql":
        command = ["psql", "-X", "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
        command += ["-U", parsed.username or "postgres", "-d", str(parsed.database)]
        command += ["-v", "ON_ERROR_STOP=1", "-q"]
    else:
        command = ["mariadb", "-h", parsed.host or "127.0.0.1", "-P", str(parsed.port or 3306)]
        command += ["-u", parsed.username or "root", str(parsed.database)]
    done = subprocess.run(
        command, input=sql.encode("utf-8"), capture_output=True, env=env, timeout=HANG
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0 and not stderr.strip(), stderr + "\n" + sql


# --- in-process runs -----------------------------------------------------------------------


class App:
    """A Flask app with Flask-SQLAlchemy and Migrate, driven in-process.

    ``foreign_keys`` installs a ``connect`` listener that turns ``PRAGMA foreign_keys`` on
    (SQLite), the way applications enforce foreign keys there.
    """

    def __init__(
        self,
        url: str,
        migrations: Path,
        *,
        config: Mapping[str, Any] | None = None,
        foreign_keys: bool = False,
        **migrate_args: Any,
    ) -> None:
        self.url = url
        self.migrations = migrations
        self.flask = Flask("fml_runtime_tests")
        self.flask.config["SQLALCHEMY_DATABASE_URI"] = url
        self.flask.config.update(config or {})
        self.db = SQLAlchemy()
        self.db.init_app(self.flask)
        Migrate(self.flask, self.db, directory=str(migrations), **migrate_args)
        if foreign_keys:
            with self.flask.app_context():
                sa.event.listen(self.db.engine, "connect", _foreign_keys_on)

    @property
    def engine(self) -> sa.Engine:
        with self.flask.app_context():
            return self.db.engine

    def close(self) -> None:
        with self.flask.app_context():
            for engine in self.db.engines.values():
                engine.dispose()

    def cli(self, *args: str, code: int = 0) -> Result:
        """Run ``flask db <args>`` in-process; stdout and stderr are kept apart."""
        result = invoke(self.flask, ["db", *args])
        assert result.exit_code == code, (args, result.output, result.exception)
        return result

    def upgrade(self, revision: str = "head", **kwargs: Any) -> list[commands.RunResult]:
        with self.flask.app_context():
            return commands.upgrade(revision=revision, **kwargs)

    def downgrade(self, revision: str = "-1", **kwargs: Any) -> list[commands.RunResult]:
        with self.flask.app_context():
            return commands.downgrade(revision=revision, **kwargs)

    def stamp(self, *revisions: str, purge: bool = False) -> list[commands.RunResult]:
        with self.flask.app_context():
            return commands.stamp(revision=list(revisions) or ["head"], purge=purge)


def _foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def app(url: str, migrations: Path, **kwargs: Any) -> Iterator[App]:
    """An :class:`App` whose engines are disposed of at the end."""
    made = App(url, migrations, **kwargs)
    try:
        yield made
    finally:
        made.close()


# --- what the database holds ---------------------------------------------------------------


@contextmanager
def connect(url: str) -> Iterator[sa.Connection]:
    """A connection of a throw-away engine."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def version_rows(url: str) -> list[str] | None:
    """The sorted rows of ``alembic_version``, or None when the table does not exist."""
    with connect(url) as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))


def _value(value: Any) -> Any:
    return value if isinstance(value, (int, str, type(None))) else str(value)


def snapshot(url: str, *, rows: bool = True) -> dict[str, Any]:
    """Everything reflection sees of each table, and (with ``rows``) the rows of each.

    Columns with their compiled type, nullability and server default, the primary key,
    indexes, unique constraints and foreign keys, so two snapshots are equal exactly when the
    schemas are.
    """
    result: dict[str, Any] = {}
    with connect(url) as connection:
        inspector = sa.inspect(connection)
        dialect = connection.dialect
        for table in sorted(inspector.get_table_names()):
            columns = [
                (c["name"], c["type"].compile(dialect=dialect), c["nullable"], c.get("default"))
                for c in inspector.get_columns(table)
            ]
            indexes = sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            )
            uniques = sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            )
            fks = sorted(
                (
                    f["name"],
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                )
                for f in inspector.get_foreign_keys(table)
            )
            pk = inspector.get_pk_constraint(table)
            entry: dict[str, Any] = {
                "columns": columns,
                "pk": tuple(pk["constrained_columns"]),
                "indexes": indexes,
                "uniques": uniques,
                "foreign_keys": fks,
            }
            if rows:
                quoted = dialect.identifier_preparer.quote(table)
                found = connection.exec_driver_sql(f"SELECT * FROM {quoted}").all()
                entry["rows"] = sorted((tuple(_value(v) for v in row) for row in found), key=repr)
            result[table] = entry
    return result
