"""The scenarios Flask-Migrate documents, run with flask_migrate_lite (our own tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flask_migrate_lite.engine.script import folder as folder_module
from tests.project import Project, make_project

pytestmark = [pytest.mark.sqlite, pytest.mark.e2e]

USER_128 = """
class User(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(128))
"""
USER_10 = USER_128.replace("String(128)", "String(10)")


def _cycle(project: Project, *prefix: str) -> None:
    project.run(*prefix, "init")
    made = project.run(*prefix, "migrate", "-m", "users")
    assert "Detected added table 'user'" in made.stderr
    project.run(*prefix, "upgrade")
    assert "user" in project.tables()
    assert len(project.versions()) == 1
    project.run(*prefix, "downgrade")
    assert "user" not in project.tables()
    assert project.versions() == []


def test_default_app(tmp_path: Path, sqlite_url: str) -> None:
    project = make_project(tmp_path / "proj", sqlite_url, models=USER_128)
    _cycle(project, "db")
    assert (project.path / "migrations" / "alembic.ini").is_file()


def test_custom_directory_as_str(tmp_path: Path, sqlite_url: str) -> None:
    project = make_project(
        tmp_path / "proj", sqlite_url, models=USER_128, migrate_args=', directory="temp_folder"'
    )
    _cycle(project, "db")
    assert (project.path / "temp_folder" / "versions").is_dir()
    assert not (project.path / "migrations").exists()


def test_custom_directory_as_path(tmp_path: Path, sqlite_url: str) -> None:
    project = make_project(
        tmp_path / "proj",
        sqlite_url,
        models=USER_128,
        migrate_args=', directory=__import__("pathlib").Path("temp_folder")',
    )
    _cycle(project, "db")
    assert (project.path / "temp_folder" / "versions").is_dir()


def test_command_renamed_and_compare_type(tmp_path: Path, sqlite_url: str) -> None:
    project = make_project(
        tmp_path / "proj",
        sqlite_url,
        models=USER_128,
        migrate_args=', command="database", compare_type=True',
    )
    project.run("database", "init")
    project.run("database", "migrate", "-m", "users")
    project.run("database", "upgrade")
    assert project.run("db", "--help", check=False).returncode != 0
    (project.path / "app.py").write_text(
        (project.path / "app.py").read_text().replace("String(128)", "String(10)")
    )
    changed = project.run("database", "migrate", "-m", "shorter")
    assert (
        "Detected type change from VARCHAR(length=128) to String(length=10) on 'user.name'"
        in changed.stderr.splitlines()
    )
    project.run("database", "upgrade")
    assert project.run("database", "check").stdout.strip() == "No new upgrade operations detected."
    project.run("database", "downgrade")
    project.run("database", "downgrade")
    assert project.versions() == []


def test_custom_template_folder(tmp_path: Path, sqlite_url: str) -> None:
    template = tmp_path / "my_template"
    shutil.copytree(Path(folder_module.__file__).parent / "templates" / "flask", template)
    mako = template / "script.py.mako"
    mako.write_text(mako.read_text().replace('"""${message}', '"""Custom: ${message}', 1))
    project = make_project(tmp_path / "proj", sqlite_url, models=USER_128)
    project.run("db", "init", "-t", str(template))
    project.run("db", "migrate", "-m", "users")
    [written] = project.revision_files()
    assert written.read_text().startswith('"""Custom: users')
    project.run("db", "upgrade")
    assert "user" in project.tables()
