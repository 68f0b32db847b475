"""The one project builder of the test suite.

A :class:`Project` is a throw-away folder holding an app module (``app.py``), a migrations
folder and revision files. It writes them (:meth:`Project.create`, :meth:`Project.make_folder`,
:meth:`Project.write_revision`), runs ``flask --app app ...`` as a subprocess
(:meth:`Project.run`, :meth:`Project.popen`) and drives the same migrations in-process
(:meth:`Project.app`, an :class:`App` that calls the command functions inside an application
context, or runs ``flask db ...`` through click's runner with :func:`invoke`).

:func:`write_revision` is the one way tests write a revision file by hand (fixed ids, given
``upgrade()``/``downgrade()`` bodies); :func:`fill_revision` fills in one that ``flask db
revision`` wrote.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result as CliResult
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import Migrate, commands
from flask_migrate_lite.engine.script.folder import init_folder
from tests.databases import HANG, tables, version_rows

__all__ = [
    "HANG",
    "ROOT",
    "WAIT",
    "App",
    "Cli",
    "Project",
    "Result",
    "app",
    "error_lines",
    "fill_revision",
    "invoke",
    "make_folder",
    "make_project",
    "popen_flask",
    "start_together",
    "write_app",
    "write_revision",
]

ROOT = Path(__file__).resolve().parent.parent

# Seconds a test waits for something another process does (a server to answer, a migration
# to reach a point) before it fails. Such tests are marked ``timed`` and run apart from the
# default run; CI runs them with a larger value in FML_TEST_WAIT.
WAIT = float(os.environ.get("FML_TEST_WAIT") or 300)

APP_TEMPLATE = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
import sqlalchemy as sa
from {import_from} import Migrate

db = SQLAlchemy()
migrate = Migrate()

{models}

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


# --- revision files ------------------------------------------------------------------------


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
    op_from: str = "flask_migrate_lite",
) -> Path:
    """Write a revision file with a fixed id and the given function bodies.

    The file is named after the message unless ``slug`` is given; ``op_from`` is the module
    its ``op`` is imported from (``alembic`` for files written the way Alembic's are).
    """
    doc = message or f"revision {rev_id}"
    revises = ", ".join(down) if isinstance(down, tuple) else (down or "")
    body_up = textwrap.indent(textwrap.dedent(upgrade).strip("\n"), "    ")
    body_down = textwrap.indent(textwrap.dedent(downgrade).strip("\n"), "    ")
    imports = f"from {op_from} import op\nimport sqlalchemy as sa\n"
    if header:
        imports += textwrap.dedent(header).strip("\n") + "\n"
    source = (
        f'"""{doc}\n\nRevision ID: {rev_id}\nRevises: {revises}\n'
        'Create Date: 2026-01-01 00:00:00.000000\n\n"""\n'
        f"{imports}\n"
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


def fill_revision(path: Path, upgrade: str, downgrade: str) -> None:
    """Replace the ``pass`` bodies of a new revision file with hand-written operations."""
    text = path.read_text()
    body_up = textwrap.indent(textwrap.dedent(upgrade).strip("\n"), "    ") + "\n"
    body_down = textwrap.indent(textwrap.dedent(downgrade).strip("\n"), "    ") + "\n"
    text = text.replace("def upgrade():\n    pass\n", "def upgrade():\n" + body_up, 1)
    text = text.replace("def downgrade():\n    pass\n", "def downgrade():\n" + body_down, 1)
    path.write_text(text)


def make_folder(path: Path) -> Path:
    """A migrations folder in ``path`` made from the bundled ``flask`` template; returns it."""
    init_folder(path / "migrations")
    return path / "migrations"


# --- in-process runs -----------------------------------------------------------------------

# click 8.2 keeps stdout and stderr apart and gives both, interleaved, as ``output``. Before
# 8.2 (the floor, 8.1.3) a runner keeps them apart only when asked (``mix_stderr=False``), and
# its ``output`` is then stdout alone; here it is stdout followed by stderr, as close as 8.1
# can come.
_MIXES = "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


class _ApartResult(CliResult):
    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(app: Flask, args: Sequence[str]) -> CliResult:
    """Run ``flask <args>`` for ``app`` in-process, with stdout and stderr kept apart."""
    if not _MIXES:
        return app.test_cli_runner().invoke(args=list(args))
    runner = app.test_cli_runner(mix_stderr=False)  # type: ignore[call-arg, unused-ignore]
    result = runner.invoke(args=list(args))
    result.__class__ = _ApartResult
    return result


class App:
    """A Flask app with Flask-SQLAlchemy and Migrate on a migrations folder, in-process.

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
        name: str = "fml_runtime_tests",
        **migrate_args: Any,
    ) -> None:
        self.url = url
        self.migrations = migrations
        self.flask = Flask(name)
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

    def cli(self, *args: str, code: int = 0) -> CliResult:
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


class Cli(App):
    """An :class:`App` on a fresh SQLite file and ``migrations`` folder in ``folder``, called
    as ``cli("upgrade", ...)`` to run ``flask db upgrade ...`` in-process."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"sqlite:///{folder / 'app.db'}", folder / "migrations", name="cli_test")
        self.folder = self.migrations
        self.app = self.flask

    def __call__(self, *args: str, code: int = 0) -> CliResult:
        return self.cli(*args, code=code)

    def new(self, *args: str) -> str:
        """Run ``flask db revision <args>``; returns the new revision's id."""
        result = self("revision", *args)
        match = re.search(r"Generating (\S+\.py) \.\.\.  done", result.output)
        assert match, result.output
        return Path(match.group(1)).name.split("_", 1)[0]

    def versions(self) -> list[str]:
        """The rows of the version table (empty when it does not exist)."""
        return version_rows(self.url) or []


@contextmanager
def app(url: str, migrations: Path, **kwargs: Any) -> Iterator[App]:
    """An :class:`App` whose engines are disposed of at the end."""
    made = App(url, migrations, **kwargs)
    try:
        yield made
    finally:
        made.close()


# --- projects driven by the flask command --------------------------------------------------


@dataclass
class Result:
    """What one ``flask`` run printed and returned."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Project:
    """A project folder holding ``app.py``; ``run`` invokes ``flask --app app``."""

    path: Path
    url: str

    @classmethod
    def create(
        cls,
        path: Path,
        url: str,
        *,
        models: str = "",
        config: Mapping[str, Any] | None = None,
        migrate_args: str = "",
        import_from: str = "flask_migrate_lite",
    ) -> Project:
        """Write ``app.py`` into ``path``: ``models`` (source text) at module level,
        ``config`` into the app's configuration, ``migrate_args`` (source text) after
        ``migrate.init_app(app, db``."""
        path.mkdir(parents=True, exist_ok=True)
        source = APP_TEMPLATE.format(
            import_from=import_from,
            models=textwrap.dedent(models),
            url=url,
            config=dict(config or {}),
            migrate_args=migrate_args,
        )
        (path / "app.py").write_text(source, encoding="utf-8")
        return cls(path, url)

    @property
    def migrations(self) -> Path:
        return self.path / "migrations"

    def make_folder(self) -> Path:
        """Make the migrations folder from the bundled template (no subprocess)."""
        return make_folder(self.path)

    def write_revision(
        self, rev_id: str, down: str | tuple[str, ...] | None, *args: Any, **kwargs: Any
    ) -> Path:
        """:func:`write_revision` into this project's migrations folder."""
        return write_revision(self.migrations, rev_id, down, *args, **kwargs)

    def revision_files(self) -> list[Path]:
        return sorted((self.migrations / "versions").glob("*.py"))

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update(extra)
        return env

    def run(self, *args: str, check: bool = True, **env: str) -> Result:
        """Run ``flask --app app <args>`` to its end."""
        proc = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=self.path,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=HANG,
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} failed:\n{result.output}")
        return result

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """Start ``flask --app app <args>`` without waiting for it."""
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=self.path,
            env=self.env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @contextmanager
    def app(self, **kwargs: Any) -> Iterator[App]:
        """The same migrations folder and database, driven in-process."""
        with app(self.url, self.migrations, **kwargs) as made:
            yield made

    def versions(self) -> list[str]:
        """The rows of the version table (empty when it does not exist)."""
        return version_rows(self.url) or []

    def tables(self) -> set[str]:
        """The tables of the database."""
        return tables(self.url)


def make_project(
    path: Path,
    url: str,
    *,
    models: str = "",
    migrate_args: str = "",
    import_from: str = "flask_migrate_lite",
) -> Project:
    """Write ``app.py`` with ``models`` (source text) into ``path``."""
    return Project.create(
        path, url, models=models, migrate_args=migrate_args, import_from=import_from
    )


def write_app(
    path: Path, url: str, *, config: Mapping[str, Any] | None = None, migrate_args: str = ""
) -> Project:
    """Write ``app.py`` for ``flask --app app`` subprocesses into ``path``."""
    return Project.create(path, url, config=config, migrate_args=migrate_args)


def popen_flask(project: Project, *args: str, **env: str) -> subprocess.Popen[str]:
    """Start ``flask --app app <args>`` in ``project`` without waiting for it."""
    return project.popen(*args, **env)


def start_together(
    project: Project, barrier: Path, count: int, *args: str
) -> list[subprocess.Popen[str]]:
    """Start ``count`` processes of ``flask --app app <args>`` and release them at once.

    Each process waits in ``create_app`` until every one of them is ready, so that they
    reach the database together rather than one start-up time apart.
    """
    barrier.mkdir()
    processes = [project.popen(*args, FML_TEST_BARRIER=str(barrier)) for _ in range(count)]
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
