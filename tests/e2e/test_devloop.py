"""``flask run --debug``: the pending-migration warning, auto-upgrade, and the reloader."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from flask_migrate_lite.devloop import WATCH_MODULE, FolderWatch, folder_change, watch_folder
from tests import builder
from tests.project import Project, make_project

pytestmark = [pytest.mark.sqlite, pytest.mark.e2e]

MODELS = """
class User(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
"""
WARNING = "You have 1 unapplied migration for"


# Generous bounds: on a busy machine starting a Python process can take many seconds. Every
# wait below ends as soon as its condition holds; the bound only stops a run that would hang.
# FML_TEST_WAIT raises it (tests.builder.WAIT).
WAIT = builder.WAIT
POLL = 0.05


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``flask run`` in the background, its output (stdout and stderr) collected as it comes."""

    def __init__(self, project: Project, *args: str) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(self.port)]
            + list(args),
            cwd=project.path,
            env=project.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self._lines.append(line)

    @property
    def output(self) -> str:
        with self._lock:
            return "".join(self._lines)

    def answers(self) -> bool:
        """Whether the server answers a request (with a 404: the app has no routes)."""
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/missing", timeout=10)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Poll ``condition`` until it holds; fail (with the output) if the server exits."""
        deadline = time.monotonic() + WAIT
        while not condition():
            if self.proc.poll() is not None:
                self._reader.join(WAIT)
                raise AssertionError(f"the server exited before {what}:\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {WAIT:.0f} s:\n{self.output}")
            time.sleep(POLL)

    def stop(self) -> str:
        """Stop the server (and its reloader child); return everything it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(WAIT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(WAIT)
        self._reader.join(WAIT)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return self.output


def _serve(project: Project, *args: str) -> str:
    """Start ``flask run`` with ``args``, wait until it answers, stop it, return its output."""
    server = Server(project, *args)
    try:
        server.wait_for(server.answers, "answer from the development server")
    finally:
        output = server.stop()
    return output


@pytest.fixture
def project(tmp_path: Path, sqlite_url: str) -> Project:
    project = make_project(tmp_path / "proj", sqlite_url, models=MODELS)
    project.run("db", "init")
    project.run("db", "migrate", "-m", "users")
    return project


@pytest.mark.timed
def test_debug_server_warns_once_about_pending_migrations(project: Project) -> None:
    output = _serve(project, "--debug")
    assert output.count(WARNING) == 1, output
    assert "Run 'flask db upgrade'." in output
    assert project.versions() == []


@pytest.mark.timed
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


@pytest.mark.timed
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


RESTARTED = " * Restarting with "


@pytest.mark.timed
def test_reloader_restarts_when_a_revision_file_is_added_or_removed(project: Project) -> None:
    server = Server(project, "--debug")
    try:
        server.wait_for(lambda: server.output.count(WARNING) == 1, "pending-migration warning")
        server.wait_for(server.answers, "answer")
        starts = server.output.count(RESTARTED)

        # A revision written while the server runs (another terminal, a git pull).
        project.run("db", "revision", "-m", "second")
        (added,) = [p for p in project.revision_files() if p.name.endswith("_second.py")]
        server.wait_for(lambda: "You have 2 unapplied migrations for" in server.output, "restart")
        assert f"flask-migrate-lite: {str(added)!r} was added, reloading" in server.output
        assert server.output.count(RESTARTED) > starts
        server.wait_for(server.answers, "answer after the restart")

        # And one removed.
        starts = server.output.count(RESTARTED)
        added.unlink()
        server.wait_for(lambda: server.output.count(WARNING) == 2, "restart after the removal")
        assert f"flask-migrate-lite: {str(added)!r} was removed, reloading" in server.output
        assert server.output.count(RESTARTED) > starts
        server.wait_for(server.answers, "answer after the second restart")
    finally:
        output = server.stop()
    assert "Traceback" not in output, output
    assert project.versions() == []


@pytest.mark.timed
def test_reloader_restarts_when_the_template_changes(project: Project) -> None:
    # Not a Python file: Werkzeug's own checks do not look at it.
    server = Server(project, "--debug")
    try:
        server.wait_for(lambda: server.output.count(WARNING) == 1, "pending-migration warning")
        template = project.migrations / "script.py.mako"
        template.write_text(template.read_text() + "\n# edited\n")
        server.wait_for(lambda: server.output.count(WARNING) == 2, "restart after the edit")
        assert f"flask-migrate-lite: {str(template)!r} was changed, reloading" in server.output
    finally:
        server.stop()


def test_folder_watch_reports_each_kind_of_change(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    versions = migrations / "versions"
    versions.mkdir(parents=True)
    first = versions / "abc_first.py"
    first.write_text("")
    (migrations / "script.py.mako").write_text("")
    (versions / ".abc_first.py.swp").write_text("")  # an editor's file: not watched
    watch = FolderWatch(str(migrations))
    assert sorted(watch.files) == [str(migrations / "script.py.mako"), str(first)]
    watch.check()  # nothing changed: returns

    (versions / ".#abc_second.py").write_text("")
    (versions / "notes.txt").write_text("")
    watch.check()  # neither is a file that matters

    second = versions / "abc_second.py"
    second.write_text("")
    with pytest.raises(SystemExit) as exited:
        watch.check()
    assert exited.value.code == 3
    assert folder_change(watch.files, FolderWatch(str(migrations)).files) == (
        str(second),
        "added",
    )
    second.unlink()
    first.unlink()
    assert folder_change(watch.files, FolderWatch(str(migrations)).files) == (
        str(first),
        "removed",
    )
    first.write_text("revision = 'abc'\n")
    assert folder_change(watch.files, FolderWatch(str(migrations)).files) == (
        str(first),
        "changed",
    )


def test_folder_watch_acts_only_in_the_reloader_loop(tmp_path: Path) -> None:
    """The reloader reads ``__file__`` from the main thread; other readers get None."""
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    watch = watch_folder(str(migrations))
    try:
        assert sys.modules[WATCH_MODULE] is watch
        assert watch.__file__ is None
        (migrations / "versions" / "abc_first.py").write_text("")
        seen: list[object] = []
        reader = threading.Thread(target=lambda: seen.append(watch.__file__))
        reader.start()
        reader.join()
        assert seen == [None]
        with pytest.raises(SystemExit) as exited:
            _ = watch.__file__
        assert exited.value.code == 3
    finally:
        # Left registered, it would stop this test process at the next main-thread look.
        del sys.modules[WATCH_MODULE]
