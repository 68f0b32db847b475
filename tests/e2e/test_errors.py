"""Errors a user can cause: one sentence on stderr, exit status 1 (2 for a command called
wrongly), nothing changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.project import Project, Result, make_project

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite]


def _generated(output: str) -> Path:
    match = re.search(r"^Generating (\S+\.py) \.\.\.  done$", output, re.MULTILINE)
    assert match, output
    return Path(match.group(1))


def _one_error_line(result: Result) -> str:
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture
def project(project: Project) -> Project:
    project.run("db", "init")
    return project


def _write_revision(project: Project, rev: str, down: str | None, body: str = "pass") -> Path:
    # ``body`` goes in as written inside ``upgrade()``: lines after the first are indented.
    return project.write_revision(
        rev, down, "    " + body, message=f"hand {rev}", slug="hand", op_from="alembic"
    )


def test_no_migrations_folder(tmp_path: Path) -> None:
    proj = make_project(tmp_path / "empty", f"sqlite:///{tmp_path / 'x.db'}")
    line = _one_error_line(proj.run("db", "upgrade", check=False))
    assert "No migrations folder" in line
    assert "flask db init" in line
    assert not (tmp_path / "x.db").exists() or proj.versions() == []


def test_unknown_revision(project: Project) -> None:
    project.run("db", "revision", "-m", "one")
    line = _one_error_line(project.run("db", "upgrade", "fedcba987654", check=False))
    assert "No revision matches 'fedcba987654'" in line
    assert project.versions() == []


def test_ambiguous_prefix_lists_candidates(project: Project) -> None:
    _write_revision(project, "abc111111111", None)
    _write_revision(project, "abc222222222", "abc111111111")
    line = _one_error_line(project.run("db", "upgrade", "abc", check=False))
    assert "abc111111111" in line and "abc222222222" in line
    assert "several revisions" in line
    assert project.versions() == []


def test_multiple_heads(project: Project) -> None:
    _write_revision(project, "aaaa00000001", None)
    _write_revision(project, "bbbb00000002", "aaaa00000001")
    _write_revision(project, "cccc00000003", "aaaa00000001")
    line = _one_error_line(project.run("db", "upgrade", "head", check=False))
    assert "bbbb00000002" in line and "cccc00000003" in line
    assert project.versions() == []


def test_syntax_error_names_file_and_line(project: Project) -> None:
    path = _write_revision(project, "dddd00000001", None, body="x = (")
    line = _one_error_line(project.run("db", "upgrade", check=False))
    assert str(path.name) in line
    assert "line 18" in line
    assert project.versions() == []


def test_relative_step_past_base(project: Project) -> None:
    _write_revision(project, "eeee00000001", None)
    project.run("db", "upgrade")
    line = _one_error_line(project.run("db", "downgrade", "-2", check=False))
    assert "past base" in line
    assert project.versions() == ["eeee00000001"]


def test_relative_step_past_head(project: Project) -> None:
    _write_revision(project, "eeee00000001", None)
    line = _one_error_line(project.run("db", "upgrade", "+2", check=False))
    assert "past the head" in line
    assert project.versions() == []


def test_duplicate_revision_ids(project: Project) -> None:
    first = _write_revision(project, "ffff00000001", None)
    dup = project.migrations / "versions" / "ffff00000001_again.py"
    dup.write_text(first.read_text())
    line = _one_error_line(project.run("db", "heads", check=False))
    assert "ffff00000001" in line and "more than one file" in line


def test_cycle(project: Project) -> None:
    _write_revision(project, "1111aaaa0001", "1111aaaa0002")
    _write_revision(project, "1111aaaa0002", "1111aaaa0001")
    line = _one_error_line(project.run("db", "history", check=False))
    assert "cycle" in line


def test_failing_migration_rolls_back(project: Project) -> None:
    _write_revision(project, "aaaa00000001", None)
    _write_revision(
        project,
        "bbbb00000002",
        "aaaa00000001",
        body='op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.execute("SELECT * FROM no_such_table")',
    )
    result = project.run("db", "upgrade", check=False)
    line = _one_error_line(result)
    assert "bbbb00000002" in line
    assert project.versions() == ["aaaa00000001"]
    assert "t" not in project.tables()


def test_traceback_on_request(project: Project) -> None:
    result = project.run("db", "--traceback", "upgrade", "nope", check=False)
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_database_at_a_revision_without_file(project: Project) -> None:
    _write_revision(project, "eeee00000001", None)
    _write_revision(project, "eeee00000002", "eeee00000001")
    project.run("db", "upgrade")
    (project.migrations / "versions" / "eeee00000002_hand.py").unlink()
    for command in (("upgrade",), ("downgrade",), ("stamp", "head")):
        line = _one_error_line(project.run("db", *command, check=False))
        assert line == (
            f"Error: The database {project.url} is at revision eeee00000002, which no file in "
            f"{project.migrations} has; restore that revision file (another branch or checkout "
            "may have it), or set the database's revision with "
            "'flask db stamp --purge <revision>'."
        )
        assert project.versions() == ["eeee00000002"]
    status = project.run("db", "status").stdout
    assert "[?] eeee00000002" in status
    project.run("db", "stamp", "--purge", "eeee00000001")
    assert project.versions() == ["eeee00000001"]


def test_merge_with_a_single_head(project: Project) -> None:
    _write_revision(project, "eeee00000001", None)
    line = _one_error_line(project.run("db", "merge", check=False))
    assert line == (
        "Error: There is nothing to merge: heads names the single revision eeee00000001; "
        "merge needs two heads or more."
    )
    assert len(project.revision_files()) == 1


def test_usage_errors_exit_2_from_the_flask_command(project: Project) -> None:
    _write_revision(project, "eeee00000001", None)
    for args, message in [
        (
            ("upgrade", "eeee00000001:head"),
            "Error: 'eeee00000001:head': upgrade takes one revision, not a range (a range "
            "start:end is for --sql, which does not read the database); run "
            "'flask db upgrade head'.",
        ),
        (
            ("downgrade", "--sql"),
            "Error: A downgrade with --sql needs the revision to start from: write "
            "'flask db downgrade --sql <from>:-1' (for example head:-1).",
        ),
    ]:
        result = project.run("db", *args, check=False)
        assert result.returncode == 2, result.output
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[0].startswith("Usage: ") and f" db {args[0]} [OPTIONS]" in lines[0]
        assert [line for line in lines if line.startswith("Error:")] == [message]
        assert "Traceback" not in result.stderr
    assert project.versions() == []
