"""Each command's options and messages, through Flask's in-process CLI runner."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import flask_migrate_lite
from tests.builder import Cli

pytestmark = pytest.mark.sqlite


def test_init_refuses_a_non_empty_folder(cli: Cli) -> None:
    result = cli("init", code=1)
    assert "already exists and is not empty" in result.output


def test_init_package_writes_init_files(tmp_path: Path) -> None:
    runner = Cli(tmp_path)
    runner("init", "--package")
    assert (runner.folder / "__init__.py").is_file()
    assert (runner.folder / "versions" / "__init__.py").is_file()


def test_list_templates(cli: Cli) -> None:
    lines = cli("list-templates").output.splitlines()
    names = [line.split(" - ")[0] for line in lines]
    assert "flask" in names and "flask-multidb" in names


def test_revision_options(cli: Cli) -> None:
    base = cli.new("-m", "base", "--rev-id", "000000000001", "--branch-label", "core")
    assert base == "000000000001"
    other = cli.new(
        "-m", "other", "--head", "base", "--branch-label", "extra", "--rev-id", "000000000002"
    )
    dep = cli.new("-m", "dep", "--head", "core@head", "--depends-on", other)
    text = next((cli.folder / "versions").glob(f"{dep}_*.py")).read_text()
    assert "down_revision = '000000000001'" in text
    assert "depends_on = '000000000002'" in text
    heads = cli("heads").output.splitlines()
    assert sorted(heads) == sorted([f"{dep} (head)", "000000000002 (extra) (head)"])


def test_revision_rejects_a_bad_rev_id(cli: Cli) -> None:
    # The id's form is wrong whatever the folder holds: a usage error (exit 2).
    result = cli("revision", "-m", "x", "--rev-id", "bad:id", code=2)
    assert result.output.splitlines()[-1] == (
        "Error: Invalid revision id 'bad:id': it contains ':'; use only letters, digits and '_'."
    )
    assert list((cli.folder / "versions").iterdir()) == []
    # An id another file has is a fact about the folder: exit 1.
    taken = cli.new("-m", "x")
    result = cli("revision", "-m", "y", "--rev-id", taken, code=1)
    path = next((cli.folder / "versions").glob(f"{taken}_*.py"))
    assert result.output.splitlines() == [
        f"Error: Invalid revision id '{taken}': the revision file {path} already has this id; "
        "give another --rev-id, or none for a random id."
    ]


def test_revision_version_path(cli: Cli, tmp_path: Path) -> None:
    extra = cli.folder / "other_versions"
    refused = cli("revision", "-m", "x", "--version-path", str(extra), code=1)
    assert "version_locations" in refused.output
    ini = cli.folder / "alembic.ini"
    ini.write_text(
        ini.read_text().replace(
            "[alembic]\n",
            "[alembic]\nversion_locations = %(here)s/versions %(here)s/other_versions\n",
            1,
        )
    )
    result = cli("revision", "-m", "x", "--version-path", str(extra))
    assert str(extra) in result.output
    assert len(list(extra.glob("*_x.py"))) == 1
    assert len(cli("heads").output.splitlines()) == 1


def test_current_and_check_heads(cli: Cli) -> None:
    first = cli.new("-m", "one")
    second = cli.new("-m", "two")
    assert cli("current").output == ""
    cli("upgrade", first)
    assert cli("current").output.splitlines() == [first]
    failed = cli("current", "--check-heads", code=1)
    assert failed.output.splitlines() == [
        f"Error: Target database is not up to date: revision {second} is pending; "
        "run 'flask db upgrade' to apply it."
    ]
    cli("upgrade")
    assert cli("current", "--check-heads").output.splitlines() == [f"{second} (head)"]
    verbose = cli("current", "-v").output
    assert f"Current revision(s) for {cli.url}:" in verbose
    assert f"Rev: {second} (head)" in verbose


def test_history_range_verbose_and_current(cli: Cli) -> None:
    ids = [cli.new("-m", f"step {n}") for n in range(4)]
    cli("upgrade", ids[1])
    lines = cli("history", "-r", f"{ids[1]}:{ids[2]}").output.splitlines()
    assert lines == [f"{ids[1]} -> {ids[2]}, step 2", f"{ids[0]} -> {ids[1]}, step 1"]
    marked = cli("history", "-i").output.splitlines()
    assert f"{ids[0]} -> {ids[1]} (current), step 1" in marked
    verbose = cli("history", "-v", "-r", f"{ids[3]}:").output
    assert f"Rev: {ids[3]} (head)" in verbose and f"Parent: {ids[2]}" in verbose
    assert "Path: " in verbose


def test_show(cli: Cli) -> None:
    first = cli.new("-m", "first one")
    out = cli("show", first[:5]).output
    assert out.startswith(f"Rev: {first} (head)\nParent: <base>\nPath: ")
    assert "    first one" in out


def test_stamp_several_revisions(cli: Cli) -> None:
    root = cli.new("-m", "root")
    a = cli.new("-m", "a")
    b = cli.new("-m", "b", "--head", root, "--splice")
    cli("stamp", a, b)
    assert cli.versions() == sorted([a, b])
    cli("stamp", "--purge", root)
    assert cli.versions() == [root]


def test_group_directory_option(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "other"
    cli("-d", str(other), "init")
    assert (other / "alembic.ini").is_file()
    result = cli("revision", "-d", str(other), "-m", "elsewhere")
    assert str(other) in result.output


def test_edit_runs_the_editor_without_a_shell(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rev = cli.new("-m", "edit me")
    marker = tmp_path / "edited"
    editor = tmp_path / "my editor.py"
    editor.write_text(
        f"import sys, pathlib\npathlib.Path({str(marker)!r}).write_text(sys.argv[1])\n"
    )
    import shlex
    import sys

    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(editor))}")
    cli("edit", rev)
    assert marker.read_text().endswith(".py")
    assert rev in Path(marker.read_text()).name


def test_programmatic_functions_return_results(cli: Cli) -> None:
    with cli.app.app_context():
        created = flask_migrate_lite.revision(message="api")
        assert created is not None
        results = flask_migrate_lite.upgrade()
        assert [s.revision.revision for s in results[0].steps] == [created.revision]
        assert results[0].heads_after == (created.revision,)
        with pytest.raises(flask_migrate_lite.UnknownRevision):
            flask_migrate_lite.upgrade(revision="0123456789ab")


def test_a_command_leaves_the_collector_as_it_was(cli: Cli) -> None:
    # Commands freeze what the app built while they run, and unfreeze it when they end,
    # also when they fail.
    cli.new("-m", "one")
    assert gc.get_freeze_count() == 0
    cli("heads")
    cli("upgrade", "nosuchrev", code=1)
    assert gc.get_freeze_count() == 0
    gc.freeze()  # someone else's freeze is left alone (not undone by the command)
    try:
        cli("heads")
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
