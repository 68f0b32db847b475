"""A text with more than one ':' is read the same way by every command: refused, exit 2.

A range has exactly one ``:`` (``start:end``, ``start:`` or ``:end``). ``a:b:c``, ``a::b``
and ``::`` are neither a range nor a revision, whether the command takes a range
(``upgrade --sql``, ``stamp --sql``, ``history -r``) or one revision (``show``, ``edit``,
``--head``); every command refuses them with the same sentence, before the folder or the
database is read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import flask_migrate_lite
from flask_migrate_lite.engine.errors import RangeNotAllowed, UsageError
from flask_migrate_lite.engine.script.ranges import RangeText, parse_range
from tests.builder import Cli
from tests.project import Project, make_project

pytestmark = pytest.mark.sqlite

A, B, C = "abcd00000001", "abcd00000002", "abcd00000003"

TEXTS = [f"{A}:{B}:{C}", f"{A}::{C}", "::", f"::{C}", f"{A}::", ":::"]


def message(text: str) -> str:
    return f"'{text}': a range has exactly one ':' (start:end, start: or :end)."


# Every place a command reads a revision or a range; the text goes where ``X`` is.
COMMANDS: list[tuple[str, ...]] = [
    ("upgrade", "X"),
    ("upgrade", "--sql", "X"),
    ("upgrade", "--plan", "X"),
    ("downgrade", "X"),
    ("downgrade", "--sql", "X"),
    ("downgrade", "--plan", "X"),
    ("stamp", "X"),
    ("stamp", "--sql", "X"),
    ("stamp", B, "X"),
    ("stamp", "--sql", f"{A}:{B}", "X"),
    ("history", "-r", "X"),
    ("show", "X"),
    ("edit", "X"),
    ("merge", "X", B),
    ("revision", "-m", "x", "--head", "X"),
    ("revision", "-m", "x", "--depends-on", "X"),
    ("migrate", "-m", "x", "--head", "X"),
]

CASES = [
    (tuple(text if arg == "X" else arg for arg in args), text)
    for args in COMMANDS
    for text in TEXTS
]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    runner = Cli(tmp_path)
    runner("init")
    for rev_id in (A, B, C):
        runner.new("-m", f"step {rev_id[-1]}", "--rev-id", rev_id)
    runner("upgrade", B)
    return runner


def _files(cli: Cli) -> list[str]:
    return sorted(path.name for path in (cli.folder / "versions").glob("*.py"))


@pytest.mark.parametrize(("args", "text"), CASES, ids=[" ".join(args) for args, _ in CASES])
def test_two_colons_exit_2_with_one_sentence(cli: Cli, args: tuple[str, ...], text: str) -> None:
    files = _files(cli)
    result = cli(*args, code=2)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Usage: cli_test db {args[0]} "), result.stderr
    assert lines[1] == f"Try 'cli_test db {args[0]} --help' for help."
    assert result.stderr.endswith(f"\n\nError: {message(text)}\n"), result.stderr
    assert [line for line in lines if line.startswith("Error: ")] == [f"Error: {message(text)}"]
    assert _files(cli) == files
    assert cli.versions() == [B]


def test_blanks_around_the_text_are_not_part_of_it(cli: Cli) -> None:
    result = cli("upgrade", "--sql", f" {A}::{C} ", code=2)
    assert result.stderr.endswith(f"\n\nError: {message(f'{A}::{C}')}\n")
    result = cli("show", f" {A}:{B}:{C}", code=2)
    assert result.stderr.endswith(f"\n\nError: {message(f'{A}:{B}:{C}')}\n")


def test_one_colon_still_reads_as_before(cli: Cli) -> None:
    # The ranges the commands take keep their meaning next to the refused ones.
    assert cli("history", "-r", f"{A}:{B}").stdout.splitlines() == [
        f"{A} -> {B}, step 2",
        f"<base> -> {A}, step 1",
    ]
    sql = cli("upgrade", "--sql", f"{B}:").stdout
    assert (
        f"UPDATE alembic_version SET version_num='{C}' WHERE alembic_version.version_num = '{B}'"
        in sql
    )
    sql = cli("stamp", "--sql", f":{A}").stdout
    assert f"INSERT INTO alembic_version (version_num) VALUES ('{A}')" in sql
    assert cli.versions() == [B]


@pytest.mark.parametrize("text", TEXTS)
def test_the_api_refuses_before_it_needs_an_app(tmp_path: Path, text: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: flask_migrate_lite.upgrade(revision=text),
        lambda: flask_migrate_lite.upgrade(revision=text, sql=True),
        lambda: flask_migrate_lite.downgrade(revision=text),
        lambda: flask_migrate_lite.downgrade(revision=text, sql=True),
        lambda: flask_migrate_lite.stamp(revision=text),
        lambda: flask_migrate_lite.stamp(revision=text, sql=True),
        lambda: flask_migrate_lite.show(revision=text),
        lambda: flask_migrate_lite.edit(revision=text),
        lambda: flask_migrate_lite.revision(message="x", head=text),
        lambda: flask_migrate_lite.revision(message="x", depends_on=text),
    ]
    for call in calls:
        with pytest.raises(RangeNotAllowed) as info:
            call()
        assert isinstance(info.value, UsageError)
        assert str(info.value) == message(text)
        assert info.value.identifier == text
    assert not any(tmp_path.iterdir())


def test_the_reader() -> None:
    assert RangeText.parse(f" {A} ") == RangeText(A, None, A, is_range=False)
    assert RangeText.parse(f"{A}:head") == RangeText(f"{A}:head", A, "head", is_range=True)
    assert RangeText.parse(" : ") == RangeText(":", None, None, is_range=True)
    assert RangeText.parse(f"{A}: ").named == (A,)
    assert RangeText.parse("current:+1").named == ("current", "+1")
    for text in TEXTS:
        with pytest.raises(RangeNotAllowed) as info:
            RangeText.parse(text)
        assert str(info.value) == message(text)
        with pytest.raises(RangeNotAllowed) as info:
            parse_range(text)
        assert str(info.value) == message(text)
    with pytest.raises(RangeNotAllowed) as info:
        parse_range(A)
    assert str(info.value) == f"'{A}': a range needs the form start:end, start: or :end."


@pytest.mark.e2e
def test_the_flask_command_prints_the_sentence_on_stderr(tmp_path: Path) -> None:
    project: Project = make_project(tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}")
    project.run("db", "init")
    for args in [("upgrade", "--sql", "a:b:c"), ("stamp", "a::b"), ("show", "::")]:
        result = project.run("db", *args, check=False)
        assert result.returncode == 2, result.output
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[0].startswith("Usage: ") and f" db {args[0]} [OPTIONS]" in lines[0]
        assert lines[-1] == f"Error: {message(args[-1])}"
        assert [line for line in lines if line.startswith("Error:")] == [lines[-1]]
    assert project.versions() == []
