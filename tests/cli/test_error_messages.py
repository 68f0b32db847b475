"""Each error names the thing and the fix: what is pending, the command that goes the other
way, and the whole header of the current revision with ``current -v``."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from tests.builder import Cli
from tests.cli.test_loaded_before_running import MULTIDB_REVISION
from tests.runtime._support import app, error_lines

pytestmark = pytest.mark.sqlite

IDS = [f"feed0000000{n}" for n in range(8)]


def _error(result_output: str) -> str:
    (line,) = [line for line in result_output.splitlines() if line.startswith("Error: ")]
    return line


def test_not_up_to_date_names_the_pending_revisions_and_the_command(cli: Cli) -> None:
    for rev_id in IDS[:3]:
        cli.new("-m", rev_id, "--rev-id", rev_id)
    cli("upgrade", IDS[0])
    expected = (
        f"Error: Target database is not up to date: 2 revisions are pending ({IDS[1]}, "
        f"{IDS[2]}); run 'flask db upgrade' to apply them."
    )
    for args in (
        ["migrate"],
        ["revision", "--autogenerate"],
        ["check"],
        ["current", "--check-heads"],
    ):
        assert _error(cli(*args, code=1).output) == expected
    cli("upgrade", IDS[1])
    assert _error(cli("check", code=1).output) == (
        f"Error: Target database is not up to date: revision {IDS[2]} is pending; "
        "run 'flask db upgrade' to apply it."
    )


def test_not_up_to_date_lists_five_pending_revisions_at_most(cli: Cli) -> None:
    for rev_id in IDS:
        cli.new("-m", rev_id, "--rev-id", rev_id)
    cli("upgrade", IDS[0])
    assert _error(cli("current", "--check-heads", code=1).output) == (
        "Error: Target database is not up to date: 7 revisions are pending "
        f"({', '.join(IDS[1:6])} and 2 more); run 'flask db upgrade' to apply them."
    )


def test_not_up_to_date_names_the_bind(tmp_path: Path) -> None:
    from flask_migrate_lite.engine.script.folder import init_folder

    migrations = tmp_path / "migrations"
    init_folder(migrations, template="flask-multidb")
    for n, rev in enumerate(IDS[:2]):
        down = IDS[n - 1] if n else None
        (migrations / "versions" / f"{rev}_step_{n}.py").write_text(
            MULTIDB_REVISION.format(n=n, rev=rev, down=down or "", down_id=down, extra="")
        )
    main = f"sqlite:///{tmp_path / 'main.db'}"
    users = f"sqlite:///{tmp_path / 'users.db'}"
    with app(main, migrations, config={"SQLALCHEMY_BINDS": {"users": users}}) as migrate:
        migrate.cli("upgrade", "--bind", "")
        result = migrate.cli("current", "--check-heads", code=1)
        assert error_lines(result.output) == [
            f"Error: Target database is not up to date: 2 revisions are pending on bind "
            f"'users' ({IDS[0]}, {IDS[1]}); run 'flask db upgrade' to apply them."
        ]
        check = migrate.cli("check", code=1)
        assert error_lines(check.output) == error_lines(result.output)


def test_upgrade_to_base_or_below_names_downgrade(cli: Cli) -> None:
    for rev_id in IDS[:2]:
        cli.new("-m", rev_id, "--rev-id", rev_id)
    cli("upgrade")
    for target in ("base", IDS[0], f"{IDS[1]}-2"):
        assert _error(cli("upgrade", target, code=1).output) == (
            f"Error: Cannot upgrade to '{target}': it is below the current revision "
            f"({IDS[1]}), which already includes it; to go back to it, run "
            f"'flask db downgrade {target}'."
        )
    assert cli.versions() == [IDS[1]]
    # At the target already: nothing to do, and it says where the database is.
    assert cli("upgrade", IDS[1]).output.splitlines()[-1] == (
        f"Nothing to upgrade: the database is at {IDS[1]}."
    )
    cli("downgrade", "base")
    assert _error(cli("downgrade", IDS[0], code=1).output) == (
        f"Error: Cannot downgrade to '{IDS[0]}': it is not below the current revision "
        f"(base); to go up to it, run 'flask db upgrade {IDS[0]}'."
    )
    # Upgrading an empty database to base, and a branch's base, is nothing to do.
    assert cli("upgrade", "base").output.splitlines()[-1] == (
        "Nothing to upgrade: the database is at base."
    )


def test_upgrade_to_the_base_of_a_branch_not_applied_is_nothing_to_do(cli: Cli) -> None:
    cli.new("-m", "main", "--rev-id", IDS[0])
    cli.new("-m", "side", "--rev-id", IDS[1], "--head", "base", "--branch-label", "side")
    cli("upgrade", IDS[0])
    assert cli("upgrade", "side@base").output.splitlines()[-1] == (
        f"Nothing to upgrade: the database is at {IDS[0]}."
    )
    cli("upgrade", "heads")
    assert _error(cli("upgrade", "side@base", code=1).output).startswith(
        "Error: Cannot upgrade to 'side@base': it is below the current revision ("
    )


def test_current_verbose_shows_the_whole_header(cli: Cli) -> None:
    rev = cli.new("-m", "add users", "--rev-id", IDS[0])
    path = next((cli.folder / "versions").glob(f"{rev}_*.py"))
    text = path.read_text().replace(
        "Create Date:", "A longer description\nover two lines.\n\nCreate Date:", 1
    )
    path.write_text(text)
    cli("upgrade")
    history = cli("history", "-v").output
    lines = cli("current", "-v").output.splitlines()
    assert lines[0] == f"Current revision(s) for {cli.url}:"
    assert "\n".join(lines[1:]).rstrip("\n") == history.rstrip("\n")
    assert "    A longer description" in lines
    assert f"    Revision ID: {rev}" in lines


def test_edit_and_show_of_base_name_a_revision_to_use(cli: Cli) -> None:
    cli.new("-m", "one", "--rev-id", IDS[0])
    assert _error(cli("show", "base", code=1).output) == (
        "Error: 'base' names base, which is not a revision; name a revision to show "
        "(for example 'flask db show head')."
    )
    assert _error(cli("edit", f"{IDS[0]}-1", code=1).output) == (
        f"Error: '{IDS[0]}-1' names base, which has no revision file; name a revision to "
        "edit (for example 'flask db edit head')."
    )


def test_a_failing_editor_names_the_file(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    rev = cli.new("-m", "one", "--rev-id", IDS[0])
    path = next((cli.folder / "versions").glob(f"{rev}_*.py"))
    editor = f"{shlex.quote(sys.executable)} -c 'raise SystemExit(3)'"
    monkeypatch.setenv("EDITOR", editor)
    monkeypatch.delenv("VISUAL", raising=False)
    assert _error(cli("edit", code=1).output) == (
        f"Error: The editor '{editor}' exited with status 3 on {path}; check $EDITOR, or "
        "edit the file with another editor."
    )


def test_a_branch_label_in_use_says_to_choose_another(cli: Cli) -> None:
    cli.new("-m", "one", "--rev-id", IDS[0], "--branch-label", "core")
    result = cli(
        "revision",
        "-m",
        "two",
        "--rev-id",
        IDS[1],
        "--head",
        "base",
        "--branch-label",
        "core",
        code=1,
    )
    assert _error(result.output) == (
        f"Error: The branch label 'core' is used by more than one revision ({IDS[0]}, "
        f"{IDS[1]}); labels must be unique, so choose another one."
    )


def test_an_empty_rev_id_says_what_to_do(cli: Cli) -> None:
    result = cli("revision", "-m", "x", "--rev-id", "", code=2)
    assert _error(result.output) == (
        "Error: Invalid revision id '': it is empty; give another --rev-id, or none for a "
        "random id."
    )
