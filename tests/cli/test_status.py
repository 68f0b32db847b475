"""``flask db status`` and ``upgrade/downgrade --plan``: what is applied and what would run."""

from __future__ import annotations

import pytest

from tests.builder import Cli

pytestmark = pytest.mark.sqlite


def test_status_marks_applied_and_pending_oldest_first(cli: Cli) -> None:
    first = cli.new("-m", "first", "--rev-id", "aaaa00000001")
    second = cli.new("-m", "second", "--rev-id", "aaaa00000002")
    result = cli("status")
    assert result.output.splitlines() == [
        f"Database: {cli.url}",
        f"[ ] {first} first",
        f"[ ] {second} second (head)",
        "0 of 2 applied; 2 pending migrations: run 'flask db upgrade'.",
    ]
    cli("upgrade", first)
    assert cli("status").output.splitlines()[1:] == [
        f"[X] {first} first (current)",
        f"[ ] {second} second (head)",
        "1 of 2 applied; 1 pending migration: run 'flask db upgrade'.",
    ]
    assert cli.versions() == [first]


def test_status_check_is_a_gate(cli: Cli) -> None:
    cli.new("-m", "only", "--rev-id", "bbbb00000001")
    failed = cli("status", "--check", code=1)
    expected = "Error: 1 migration is pending; run 'flask db upgrade'."
    assert failed.output.splitlines()[-1] == expected
    cli("upgrade")
    passed = cli("status", "--check")
    assert passed.output.splitlines()[-1] == "All 1 applied."


def test_status_shows_branches_merges_and_labels(cli: Cli) -> None:
    root = cli.new("-m", "root", "--rev-id", "cccc00000001")
    cli.new("-m", "left", "--rev-id", "cccc00000002", "--branch-label", "lefty")
    cli.new("-m", "right", "--rev-id", "cccc00000003", "--head", root, "--splice")
    cli("merge", "heads", "-m", "join", "--rev-id", "cccc00000004")
    lines = cli("status").output.splitlines()
    assert lines[1] == "[ ] cccc00000001 root (branchpoint)"
    assert "[ ] cccc00000002 left (lefty)" in lines
    assert lines[4] == "[ ] cccc00000004 join (head, mergepoint)"


def test_upgrade_plan_changes_nothing(cli: Cli) -> None:
    first = cli.new("-m", "first", "--rev-id", "dddd00000001")
    second = cli.new("-m", "second", "--rev-id", "dddd00000002")
    result = cli("upgrade", "--plan")
    assert result.output.splitlines() == [
        f"Database: {cli.url} (at base)",
        f"Would run upgrade  -> {first}, first",
        f"Would run upgrade {first} -> {second}, second",
    ]
    assert cli.versions() == []
    cli("upgrade")
    result = cli("downgrade", "--plan", "base")
    assert result.output.splitlines()[1:] == [
        f"Would run downgrade {second} -> {first}, second",
        f"Would run downgrade {first} -> , first",
    ]
    assert cli.versions() == [second]
    assert cli("upgrade", "--plan").output.splitlines()[1] == "Nothing to do."


def test_status_bind_needs_a_multidb_folder(cli: Cli) -> None:
    result = cli("status", "--bind", "users", code=1)
    assert "flask db init --multidb" in result.output
