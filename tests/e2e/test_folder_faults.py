"""File-system faults around the migrations folder end in one sentence and leave the folder
as it was: read-only folders, broken and looping symbolic links, a header too deep to parse,
a revision that cannot be rendered, and two runs writing the same revision id at once."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builder import WAIT
from tests.project import Project, Result, make_project

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite]


def _unprivileged() -> list[str]:
    """A command prefix under which permission bits apply (root ignores them)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def run(project: Project, *args: str, unprivileged: bool = False) -> Result:
    prefix = _unprivileged() if unprivileged else []
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=project.path,
        env=project.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def one_error(result: Result) -> str:
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file and folder under ``folder`` with its content (or link target)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if "__pycache__" in path.parts:
            continue
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = path.read_bytes()
    return found


@pytest.fixture
def project(project: Project) -> Project:
    project.run("db", "init")
    project.run("db", "revision", "-m", "first", "--rev-id", "first")
    return project


@pytest.fixture
def read_only(project: Project) -> Iterator[list[Path]]:
    """Folders to make read-only; writable again afterwards, so that they can be removed."""
    folders: list[Path] = []
    yield folders
    for folder in folders:
        folder.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)


def _make_read_only(folders: list[Path], folder: Path) -> None:
    folders.append(folder)
    folder.chmod(0o555)


def test_a_read_only_versions_folder(project: Project, read_only: list[Path]) -> None:
    versions = project.migrations / "versions"
    _make_read_only(read_only, versions)
    before = snapshot(project.migrations)
    line = one_error(run(project, "db", "revision", "-m", "second", unprivileged=True))
    assert line == (
        f"Error: Cannot write in {versions}: permission denied; make that folder writable, "
        "or run the command as a user who may write there."
    )
    assert snapshot(project.migrations) == before
    # Everything that only reads the folder goes on working.
    history = run(project, "db", "history", unprivileged=True)
    assert history.stdout == "<base> -> first (head), first\n", history.output
    assert run(project, "db", "upgrade", unprivileged=True).returncode == 0
    assert project.versions() == ["first"]


def test_a_read_only_migrations_folder_with_a_writable_versions_folder(
    project: Project, read_only: list[Path]
) -> None:
    _make_read_only(read_only, project.migrations)
    result = run(project, "db", "revision", "-m", "second", "--rev-id", "second", unprivileged=True)
    assert result.returncode == 0, result.output
    assert [p.name for p in project.revision_files()] == ["first_first.py", "second_second.py"]


def test_init_under_a_read_only_folder(tmp_path: Path, read_only: list[Path]) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    proj = make_project(tmp_path / "proj2", f"sqlite:///{tmp_path / 'x.db'}")
    _make_read_only(read_only, parent)
    target = parent / "sub" / "migrations"
    line = one_error(run(proj, "db", "init", "-d", str(target), unprivileged=True))
    assert line == (
        f"Error: Cannot create {parent / 'sub'}: permission denied; make that folder "
        "writable, or run the command as a user who may write there."
    )
    assert list(parent.iterdir()) == []


def test_a_broken_symbolic_link_among_revision_files(project: Project) -> None:
    link = project.migrations / "versions" / "second_gone.py"
    link.symlink_to(project.path / "elsewhere" / "second_gone.py")
    before = snapshot(project.migrations)
    for command in (["history"], ["upgrade"]):
        line = one_error(run(project, "db", *command))
        assert line == (
            f"Error: Cannot read the revision file {link}: it is a broken symbolic link (its "
            "target does not exist); fix or remove it."
        )
    assert snapshot(project.migrations) == before
    assert project.versions() == []


def test_a_symbolic_link_loop_among_revision_files(project: Project) -> None:
    versions = project.migrations / "versions"
    (versions / "x.py").symlink_to(versions / "y.py")
    (versions / "y.py").symlink_to(versions / "x.py")
    line = one_error(run(project, "db", "heads"))
    assert line == (
        f"Error: Cannot read the revision file {versions / 'x.py'}: it is a symbolic link "
        "loop; fix or remove it."
    )


def test_a_header_too_deep_to_parse(project: Project) -> None:
    path = project.migrations / "versions" / "deep.py"
    path.write_text('"""deep\n"""\nrevision = "deep"\ndown_revision = ' + "-" * 100_000 + "1\n")
    line = one_error(run(project, "db", "history"))
    assert line.startswith(f"Error: Cannot read the revision file {path}")
    assert line.endswith("; fix or remove it.")


def test_a_revision_that_cannot_be_encoded_leaves_no_file(project: Project) -> None:
    ini = project.migrations / "alembic.ini"
    ini.write_text(ini.read_text().replace("[alembic]\n", "[alembic]\noutput_encoding = ascii\n"))
    mako = project.migrations / "script.py.mako"
    mako.write_text(mako.read_text().replace("import sqlalchemy as sa\n", "# Société\n"))
    before = snapshot(project.migrations)
    line = one_error(run(project, "db", "revision", "-m", "second"))
    assert line == (
        f"Error: The template {mako} renders a character that the output_encoding ascii "
        "cannot hold ('\\xe9' on line 9); set output_encoding = utf-8 in alembic.ini."
    )
    assert snapshot(project.migrations) == before
    assert run(project, "db", "history").stdout == "<base> -> first (head), first\n"


def _wait_for(condition: object, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.mark.timed
def test_the_same_rev_id_written_by_two_runs_at_once(project: Project, tmp_path: Path) -> None:
    # Each run's template reports that it is rendering (so the run has passed every check it
    # makes before writing), then waits for the go; both are released together.
    signals = tmp_path / "signals"
    signals.mkdir()
    go = tmp_path / "go"
    mako = project.migrations / "script.py.mako"
    mako.write_text(
        "<%\n"
        "    import os, pathlib, time\n"
        f"    pathlib.Path({str(signals)!r}, str(os.getpid())).touch()\n"
        "    deadline = time.monotonic() + 60\n"
        f"    while not os.path.exists({str(go)!r}) and time.monotonic() < deadline:\n"
        "        time.sleep(0.01)\n"
        "%>" + mako.read_text()
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "db", "revision"]
            + ["-m", message, "--rev-id", "same"],
            cwd=project.path,
            env=project.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for message in ("one", "two")
    ]
    try:
        _wait_for(lambda: len(list(signals.iterdir())) == 2, "both runs to render")
        go.touch()
        outputs = [proc.communicate(timeout=120) for proc in runs]
    finally:
        for proc in runs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    codes = sorted(proc.returncode for proc in runs)
    assert codes == [0, 1], outputs
    errors = [err for proc, (_, err) in zip(runs, outputs, strict=True) if proc.returncode]
    written = [p for p in project.revision_files() if p.name.startswith("same_")]
    assert len(written) == 1
    assert errors[0].strip() == (
        f"Error: Invalid revision id 'same': the revision file {written[0]} already has this "
        "id; give another --rev-id, or none for a random id."
    )
    history = run(project, "db", "history")
    assert history.returncode == 0 and history.stdout.startswith("first -> same (head), ")
