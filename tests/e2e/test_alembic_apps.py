"""Applications that use Alembic themselves, and applications that fail to load.

* With Alembic installed and imported by the application, revision files saying
  ``from alembic import op`` are still run by this engine, and Alembic's own
  ``MigrationContext`` reads the revision this engine wrote.
* ``flask db ...`` on an application whose import fails shows the import error, not
  ``No such command 'db'`` (the ``flask.commands`` entry point of the package).
* ``Migrate(...)`` refusing an option at start-up prints its one sentence.

The ``flask`` subprocesses see the entry point declared in ``pyproject.toml`` through a
``.dist-info`` folder on their path, as an installed package provides it.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.project import ROOT, Project, Result, make_project

pytestmark = pytest.mark.e2e

REVISION = '''\
"""first

Revision ID: aaa111bbb222
Revises:
Create Date: 2024-01-01 00:00:00

"""
from alembic import op
import alembic
import sqlalchemy as sa

revision = "aaa111bbb222"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    import importlib

    installed = importlib.import_module("alembic")
    table = op.create_table(
        "ran_by",
        sa.Column("engine", sa.String(200), primary_key=True),
        sa.Column("shim", sa.String(200)),
        sa.Column("installed", sa.String(500)),
    )
    op.bulk_insert(
        table,
        [
            {
                "engine": type(op).__module__,
                "shim": str(alembic.__doc__),
                "installed": installed.__file__,
            }
        ],
    )


def downgrade():
    op.drop_table("ran_by")
'''

APP = """\
from alembic.migration import MigrationContext
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_migrate_lite import Migrate, current_revisions

db = SQLAlchemy()
migrate = Migrate()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = {url!r}
    db.init_app(app)
    migrate.init_app(app, db)

    @app.cli.command("revisions")
    def revisions():
        with db.engine.connect() as connection:
            print("alembic:", MigrationContext.configure(connection).get_current_heads())
        print("ours:", current_revisions())
        print("ours on the session:", current_revisions(connection=db.session.connection()))

    return app
"""


def entry_points(tmp_path: Path) -> Path:
    """A folder holding the package's metadata with the entry points of pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text()
    section = re.search(
        r'^\[project\.entry-points\."flask\.commands"\]\n(.*?)(?=^\[|\Z)', text, re.M | re.S
    )
    assert section, "pyproject.toml declares no flask.commands entry point"
    lines = []
    for line in section.group(1).splitlines():
        match = re.fullmatch(r'\s*([\w-]+)\s*=\s*"([^"]+)"\s*', line)
        if match:
            lines.append(f"{match.group(1)} = {match.group(2)}")
    assert lines == ["db = flask_migrate_lite.entry:db"]
    folder = tmp_path / "site"
    info = folder / "flask_migrate_lite-0.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: flask-migrate-lite\nVersion: 0.0.0\n"
    )
    (info / "entry_points.txt").write_text("[flask.commands]\n" + "\n".join(lines) + "\n")
    return folder


def _run(project: Project, site: Path, *args: str, extra: Path | None = None) -> Result:
    path = [str(ROOT), str(site), *([str(extra)] if extra else [])]
    return project.run(*args, check=False, PYTHONPATH=os.pathsep.join(path))


def test_revision_files_run_under_this_engine_with_alembic_installed(
    tmp_path: Path, database_url: str
) -> None:
    pytest.importorskip("alembic")
    site = entry_points(tmp_path)
    project = make_project(tmp_path / "proj", database_url)
    (project.path / "app.py").write_text(APP.format(url=database_url))
    assert _run(project, site, "db", "init").returncode == 0
    (project.migrations / "versions" / "aaa111bbb222_first.py").write_text(REVISION)

    upgrade = _run(project, site, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.output
    assert "Running upgrade  -> aaa111bbb222, first" in upgrade.stderr
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT engine, shim, installed FROM ran_by")).one()
    engine.dispose()
    # The file's `op` and `alembic` were this engine's, while the real Alembic was importable
    # in the same process (and imported by the app itself).
    assert row.engine == "flask_migrate_lite.engine.operations.api"
    assert row.shim.startswith("Stand-in for alembic inside revision files run by")
    assert row.installed.endswith(os.path.join("alembic", "__init__.py"))
    assert project.versions() == ["aaa111bbb222"]

    # Alembic's MigrationContext reads what this engine wrote; so does current_revisions().
    shown = _run(project, site, "revisions")
    assert shown.returncode == 0, shown.output
    assert shown.stdout.splitlines() == [
        "alembic: ('aaa111bbb222',)",
        "ours: ('aaa111bbb222',)",
        "ours on the session: ('aaa111bbb222',)",
    ]


def _without_alembic(tmp_path: Path) -> Path:
    """A folder that, first on the path, makes ``import alembic`` fail as if uninstalled."""
    folder = tmp_path / "no_alembic"
    (folder / "alembic").mkdir(parents=True)
    (folder / "alembic" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'alembic'\", name='alembic')\n"
    )
    return folder


@pytest.mark.sqlite
def test_an_app_that_fails_to_import_is_reported_as_such(tmp_path: Path, sqlite_url: str) -> None:
    site = entry_points(tmp_path)
    project = make_project(tmp_path / "proj", sqlite_url)
    (project.path / "app.py").write_text(APP.format(url=sqlite_url))
    result = _run(project, site, "db", "upgrade", extra=_without_alembic(tmp_path))
    assert result.returncode == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Error: While importing 'app', an ImportError was raised:")
    assert 'app.py", line 1, in <module>' in result.stderr
    assert result.stderr.rstrip().endswith("ModuleNotFoundError: No module named 'alembic'")
    assert "No such command" not in result.output


@pytest.mark.sqlite
def test_an_option_refused_at_start_up_is_one_sentence(tmp_path: Path, sqlite_url: str) -> None:
    site = entry_points(tmp_path)
    project = make_project(tmp_path / "proj", sqlite_url, migrate_args=", include_objct=None")
    result = _run(project, site, "db", "upgrade")
    assert result.returncode == 1, result.output
    assert result.stderr == (
        "Error: migrate.init_app() got an unknown option 'include_objct'; "
        "did you mean 'include_object'?\n"
    )
    traced = _run(project, site, "db", "--traceback", "upgrade")
    assert traced.returncode == 1
    assert "Traceback (most recent call last)" in traced.stderr
    assert traced.stderr.rstrip().endswith(
        "OptionError: migrate.init_app() got an unknown option 'include_objct'; "
        "did you mean 'include_object'?"
    )


@pytest.mark.sqlite
def test_a_configure_callback_error_is_one_sentence(tmp_path: Path, sqlite_url: str) -> None:
    site = entry_points(tmp_path)
    project = make_project(
        tmp_path / "proj",
        sqlite_url,
        models=textwrap.dedent(
            """
            @migrate.configure
            def tune(config):
                config.configure_args["compare_server_defaults"] = True
                return config
            """
        ),
    )
    result = _run(project, site, "db", "check")
    assert result.returncode == 1, result.output
    assert result.stderr == (
        "Error: In config.configure_args, the @migrate.configure callback 'tune' set an "
        "unknown option 'compare_server_defaults'; did you mean 'compare_server_default'?\n"
    )


@pytest.mark.sqlite
def test_db_under_another_name_is_pointed_at(tmp_path: Path, sqlite_url: str) -> None:
    site = entry_points(tmp_path)
    project = make_project(tmp_path / "proj", sqlite_url, migrate_args=', command="migrations"')
    result = _run(project, site, "db", "upgrade")
    assert result.returncode == 2, result.output
    assert result.stderr.rstrip().endswith(
        "Error: No such command 'db': this application registers the migration commands as "
        "'flask migrations' (Migrate(..., command='migrations'))."
    )
    assert _run(project, site, "migrations", "init").returncode == 0


@pytest.mark.sqlite
def test_an_app_without_db_is_told_how_to_add_it(tmp_path: Path) -> None:
    site = entry_points(tmp_path)
    project = Project(tmp_path / "proj", "sqlite://")
    project.path.mkdir()
    (project.path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    result = _run(project, site, "db", "upgrade")
    assert result.returncode == 2, result.output
    assert result.stderr.rstrip().endswith(
        "Error: No such command 'db': the application does not register it; call "
        "'Migrate(app, db)' or 'migrate.init_app(app, db)' where the app is created."
    )


@pytest.mark.sqlite
def test_an_app_on_flask_migrate_keeps_its_own_db_command(tmp_path: Path, sqlite_url: str) -> None:
    # Switching back must stay possible with this package still installed.
    pytest.importorskip("flask_migrate")
    site = entry_points(tmp_path)
    project = make_project(tmp_path / "proj", sqlite_url, import_from="flask_migrate")
    assert _run(project, site, "db", "init").returncode == 0
    assert (project.migrations / "env.py").is_file()
    current = _run(project, site, "db", "current")
    assert current.returncode == 0, current.output
    assert "[alembic.runtime.migration] Context impl SQLiteImpl." in current.output
