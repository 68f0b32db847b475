"""``flask db revision -m``: hostile messages are kept as text through the real command, never
run, shown back by ``history``; values that cannot be used end in one sentence."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.project import Project, Result, make_project

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite]


def run(project: Project, *args: str | bytes) -> Result:
    """``flask --app app`` with arguments that may be bytes (as a terminal can send them)."""
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=project.path,
        env=project.env(),
        capture_output=True,
        timeout=120,
    )
    return Result(
        proc.returncode,
        proc.stdout.decode("utf-8", "backslashreplace"),
        proc.stderr.decode("utf-8", "backslashreplace"),
    )


def one_error(result: Result) -> str:
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def usage_error(result: Result) -> str:
    """The one ``Error:`` line of a usage error (exit status 2, after click's usage lines)."""
    assert result.returncode == 2, result.output
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Usage: "), result.stderr
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture
def project(project: Project) -> Project:
    project.run("db", "init")
    return project


def test_hostile_messages_are_kept_shown_and_never_run(project: Project, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    messages = [
        f'close"""\nopen({str(marker)!r}, "w").close()\n"""',
        "C:\\new\\x64 \\N trailing \\",
        'tab\tand café 日本語 🙂 \x1b[2J ends with a quote"',
    ]
    for number, message in enumerate(messages):
        result = run(project, "db", "revision", "-m", message, "--rev-id", f"rev{number}")
        assert result.returncode == 0, result.output
        assert re.search(rf"^Generating \S+/rev{number}_\w*\.py \.\.\.  done$", result.stderr, re.M)
    upgraded = run(project, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.output
    assert not marker.exists()
    assert project.versions() == ["rev2"]
    history = run(project, "db", "history")
    assert history.returncode == 0, history.output
    # Line breaks and tabs are kept; other control characters are shown escaped.
    assert history.stdout == (
        'rev1 -> rev2 (head), tab\tand café 日本語 🙂 \\x1b[2J ends with a quote"\n'
        "rev0 -> rev1, C:\\new\\x64 \\N trailing \\\n"
        f"<base> -> rev0, {messages[0]}\n"
    )
    show = run(project, "db", "show", "rev0")
    assert show.returncode == 0, show.output
    assert "\n".join("    " + line for line in messages[0].split("\n")) in show.stdout
    assert not marker.exists()


def test_a_message_that_is_not_utf8_is_refused_and_nothing_is_written(project: Project) -> None:
    line = usage_error(run(project, "db", "revision", "-m", b"caf\xe9 au lait"))
    assert line == (
        "Error: The revision message cannot be used because it is not valid text (the byte "
        "0xe9 at position 4 is not UTF-8); type it again in UTF-8, or set a UTF-8 locale "
        "(LANG=C.UTF-8)."
    )
    assert project.revision_files() == []
    # The folder still works.
    assert run(project, "db", "revision", "-m", "café au lait").returncode == 0
    history = run(project, "db", "history")
    assert history.returncode == 0 and history.stdout.endswith(", café au lait\n")


def test_unusable_ids_and_labels_end_in_one_line(project: Project) -> None:
    cases = [
        ("--rev-id", b"a\nb", "Error: Invalid revision id 'a\\nb': it contains '\\n'"),
        ("--rev-id", b"\xff", "Error: Invalid revision id '\\udcff': it contains '\\udcff'"),
        ("--branch-label", b"my branch", "Error: Invalid branch label 'my branch': it contains"),
        ("--branch-label", b"head", "Error: Invalid branch label 'head': 'head' is a reserved"),
    ]
    for option, value, expected in cases:
        line = usage_error(run(project, "db", "revision", "-m", "m", option, value))
        assert line.startswith(expected), line
    assert project.revision_files() == []


def test_migrate_refuses_a_bad_message_or_label_before_reading_the_database(
    tmp_path: Path,
) -> None:
    # The database cannot even be opened: the usage error must come first, naming the value.
    project = make_project(tmp_path / "proj", f"sqlite:///{tmp_path / 'missing' / 'app.db'}")
    project.run("db", "init")
    label = usage_error(run(project, "db", "migrate", "-m", "m", "--branch-label", "my branch"))
    assert label.startswith("Error: Invalid branch label 'my branch': it contains"), label
    message = usage_error(run(project, "db", "migrate", "-m", b"caf\xe9"))
    assert message.startswith("Error: The revision message cannot be used because"), message
    assert project.revision_files() == []
