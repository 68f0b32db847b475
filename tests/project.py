"""A throw-away Flask project on disk, driven by the real ``flask`` command."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent

# Seconds after which a subprocess of a test counts as hung. Not a wait: tests wait for
# conditions; this only ends a run that would never finish, so it is far longer than any
# command takes on a busy machine.
HANG = 600

APP_TEMPLATE = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
import sqlalchemy as sa
from {import_from} import Migrate

db = SQLAlchemy()
migrate = Migrate()

{models}

def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = {url!r}
    db.init_app(app)
    migrate.init_app(app, db{migrate_args})
    return app
"""


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

    @property
    def migrations(self) -> Path:
        return self.path / "migrations"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update(extra)
        return env

    def run(self, *args: str, check: bool = True, **env: str) -> Result:
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

    def versions(self) -> list[str]:
        """The rows of the version table (empty when it does not exist)."""
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                if not sa.inspect(conn).has_table("alembic_version"):
                    return []
                return sorted(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))
        finally:
            engine.dispose()

    def tables(self) -> set[str]:
        """The tables of the database."""
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                return set(sa.inspect(conn).get_table_names())
        finally:
            engine.dispose()

    def revision_files(self) -> list[Path]:
        return sorted((self.migrations / "versions").glob("*.py"))


def make_project(
    path: Path,
    url: str,
    *,
    models: str = "",
    migrate_args: str = "",
    import_from: str = "flask_migrate_lite",
) -> Project:
    """Write ``app.py`` with ``models`` (source text) into ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    source = APP_TEMPLATE.format(
        import_from=import_from,
        models=textwrap.dedent(models),
        url=url,
        migrate_args=migrate_args,
    )
    (path / "app.py").write_text(source)
    return Project(path, url)


def fill_revision(path: Path, upgrade: str, downgrade: str) -> None:
    """Replace the ``pass`` bodies of a new revision file with hand-written operations."""
    text = path.read_text()
    body_up = textwrap.indent(textwrap.dedent(upgrade).strip("\n"), "    ") + "\n"
    body_down = textwrap.indent(textwrap.dedent(downgrade).strip("\n"), "    ") + "\n"
    text = text.replace("def upgrade():\n    pass\n", "def upgrade():\n" + body_up, 1)
    text = text.replace("def downgrade():\n    pass\n", "def downgrade():\n" + body_down, 1)
    path.write_text(text)
