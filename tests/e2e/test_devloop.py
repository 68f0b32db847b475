"""``flask run --debug``: the pending-migration warning, auto-upgrade, and the reloader."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from flask_migrate_lite.devloop import watch_folder
from tests.project import Project, make_project

pytestmark = [pytest.mark.sqlite, pytest.mark.e2e]

MODELS = """
class User(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
"""
WARNING = "You have 1 unapplied migration for"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(project: Project, *args: str) -> str:
    """Start ``flask run`` with ``args``, wait until it answers, stop it, return its output."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port), *args],
        cwd=project.path,
        env=project.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/missing", timeout=1)
            except urllib.error.HTTPError:
                break  # the server answered (404)
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the development server did not start")
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    return output


@pytest.fixture
def project(tmp_path: Path, sqlite_url: str) -> Project:
    project = make_project(tmp_path / "proj", sqlite_url, models=MODELS)
    project.run("db", "init")
    project.run("db", "migrate", "-m", "users")
    return project


def test_debug_server_warns_once_about_pending_migrations(project: Project) -> None:
    output = _serve(project, "--debug")
    assert output.count(WARNING) == 1, output
    assert "Run 'flask db upgrade'." in output
    assert project.versions() == []


def test_no_warning_and_nothing_imported_outside_debug(project: Project) -> None:
    output = _serve(project)
    assert "flask-migrate-lite" not in output
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, app; app.create_app(); print('flask_migrate_lite.devloop' in sys.modules)",
        ],
        cwd=project.path,
        env=project.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "False"


def test_auto_upgrade_in_development(project: Project) -> None:
    source = (project.path / "app.py").read_text()
    source = source.replace(
        "db.init_app(app)", 'app.config["MIGRATE_AUTO_UPGRADE"] = True\n    db.init_app(app)'
    )
    (project.path / "app.py").write_text(source)
    output = _serve(project, "--debug", "--no-reload")
    assert WARNING not in output
    assert "Running upgrade  -> " in output
    assert len(project.versions()) == 1
    assert "user" in project.tables()


def test_reloader_watches_the_migrations_folder(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "abc_first.py").write_text("")
    (tmp_path / "migrations" / "script.py.mako").write_text("")
    count = watch_folder(str(tmp_path / "migrations"))
    watched = {
        getattr(module, "__file__", None)
        for name, module in sys.modules.items()
        if name.startswith("flask_migrate_lite._watched_")
    }
    assert count == 2
    assert str(versions / "abc_first.py") in watched
    assert str(tmp_path / "migrations" / "script.py.mako") in watched
