"""Folders and databases made by the real Flask-Migrate + Alembic work unchanged, and the
package runs with Alembic absent.

Flask-Migrate and Alembic are test-only dependencies: the folder is generated here, at test
time, by running their ``flask db`` commands.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.project import HANG, Project, Result, fill_revision, make_project

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite]

pytest.importorskip("flask_migrate", reason="Flask-Migrate is a test dependency")

UP = """
op.create_table(
    "user",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint("id"),
)
with op.batch_alter_table("user", schema=None) as batch_op:
    batch_op.create_index(batch_op.f("ix_user_name"), ["name"], unique=False)
"""
DOWN = """
with op.batch_alter_table("user", schema=None) as batch_op:
    batch_op.drop_index(batch_op.f("ix_user_name"))
op.drop_table("user")
"""
UP2 = """
with op.batch_alter_table("user", schema=None) as batch_op:
    batch_op.add_column(sa.Column("age", sa.Integer(), nullable=True))
"""
DOWN2 = """
with op.batch_alter_table("user", schema=None) as batch_op:
    batch_op.drop_column("age")
"""


def _generated(output: str) -> Path:
    match = re.search(r"Generating (\S+\.py) \.\.\.\s+done", output)
    assert match, output
    return Path(match.group(1))


def _switch(project: Project, to: str) -> None:
    app = project.path / "app.py"
    text = app.read_text()
    text = re.sub(r"^from \S+ import Migrate$", f"from {to} import Migrate", text, flags=re.M)
    app.write_text(text)


@pytest.fixture
def flask_migrate_project(tmp_path: Path) -> tuple[Project, list[str]]:
    """A project whose folder and two revisions were written by Flask-Migrate + Alembic."""
    project = make_project(
        tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}", import_from="flask_migrate"
    )
    project.run("db", "init")
    assert (project.migrations / "env.py").is_file()
    ids = []
    for message, up, down in (("users", UP, DOWN), ("user age", UP2, DOWN2)):
        path = _generated(project.run("db", "revision", "-m", message).output)
        assert "from alembic import op" in path.read_text()
        fill_revision(path, up, down)
        ids.append(path.name.split("_", 1)[0])
    return project, ids


def test_flask_migrate_folder_runs_unchanged(
    flask_migrate_project: tuple[Project, list[str]],
) -> None:
    project, (first, second) = flask_migrate_project
    before = {
        p: p.read_bytes()
        for p in project.migrations.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    _switch(project, "flask_migrate_lite")
    up = project.run("db", "upgrade")
    assert f"Running upgrade  -> {first}, users" in up.stderr.splitlines()
    assert f"Running upgrade {first} -> {second}, user age" in up.stderr.splitlines()
    assert project.versions() == [second]
    assert "user" in project.tables()
    project.run("db", "downgrade", "base")
    assert project.versions() == []
    assert project.tables() == {"alembic_version"}
    after = {
        p: p.read_bytes()
        for p in project.migrations.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert after == before


def test_databases_move_between_the_tools(
    flask_migrate_project: tuple[Project, list[str]],
) -> None:
    project, (first, second) = flask_migrate_project
    project.run("db", "upgrade", first)  # Flask-Migrate + Alembic
    assert project.versions() == [first]
    _switch(project, "flask_migrate_lite")
    assert project.run("db", "current").stdout.splitlines() == [first]
    project.run("db", "upgrade")
    assert project.versions() == [second]
    _switch(project, "flask_migrate")
    current = project.run("db", "current").output
    assert f"{second} (head)" in current
    project.run("db", "downgrade", "base")  # Alembic undoes what we applied
    assert project.versions() == []
    assert project.tables() == {"alembic_version"}


BLOCK_ALEMBIC = textwrap.dedent(
    """
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"alembic", "flask_migrate"}:
                raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
            return None

    sys.meta_path.insert(0, Block())
    from flask.cli import main
    sys.argv = ["flask", *sys.argv[1:]]
    main()
    """
)


def _run_blocked(project: Project, *args: str) -> Result:
    proc = subprocess.run(
        [sys.executable, "-c", BLOCK_ALEMBIC, "--app", "app", *args],
        cwd=project.path,
        env=project.env(),
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def test_works_with_alembic_absent(flask_migrate_project: tuple[Project, list[str]]) -> None:
    project, (first, second) = flask_migrate_project
    _switch(project, "flask_migrate_lite")
    probe = _run_blocked(project, "db", "heads")
    assert probe.returncode == 0, probe.output
    assert probe.stdout.splitlines() == [f"{second} (head)"]
    up = _run_blocked(project, "db", "upgrade")
    assert up.returncode == 0, up.output
    assert project.versions() == [second]
    down = _run_blocked(project, "db", "downgrade", "base")
    assert down.returncode == 0, down.output
    assert project.versions() == []
    # The blocker really blocks: importing alembic fails under it.
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            BLOCK_ALEMBIC.replace("from flask.cli import main", "import alembic"),
        ],
        capture_output=True,
        text=True,
    )
    assert check.returncode != 0 and "blocked" in check.stderr
