"""Exit status 2 for a command called wrongly, 1 for what the folder or database refuses.

A usage error is found from the arguments alone (options that cannot go together, a range
where one revision is needed, a value of a form the command does not take); it prints
click's usage lines and one ``Error:`` line, and changes nothing. Every other error exits 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import flask_migrate_lite
from flask_migrate_lite.engine.errors import (
    MalformedRevisionId,
    RangeNotAllowed,
    UsageError,
)
from tests.builder import Cli

pytestmark = pytest.mark.sqlite

A, B, C = "abcd00000001", "abcd00000002", "abcd00000003"


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


def _usage(cli: Cli, *args: str) -> str:
    """Run a command that must be refused as a usage error; its error line."""
    files = _files(cli)
    result = cli(*args, code=2)
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Usage: cli_test db {args[0]} "), result.output
    assert lines[1] == f"Try 'cli_test db {args[0]} --help' for help."
    assert [line for line in lines if line.startswith("Error: ")] == [lines[-1]]
    assert "Traceback" not in result.output
    assert "Running" not in result.output and "Database:" not in result.output
    assert _files(cli) == files
    assert cli.versions() == [B]
    return lines[-1]


USAGE_ERRORS = [
    (
        ("upgrade", f"{A}:{C}"),
        f"'{A}:{C}': upgrade takes one revision, not a range (a range start:end is for "
        f"--sql, which does not read the database); run 'flask db upgrade {C}'.",
    ),
    (
        ("downgrade", f"{C}:{A}"),
        f"'{C}:{A}': downgrade takes one revision, not a range (a range start:end is for "
        f"--sql, which does not read the database); run 'flask db downgrade {A}'.",
    ),
    (
        ("upgrade", "--plan", f"{A}:"),
        f"'{A}:': upgrade takes one revision, not a range (a range start:end is for "
        "--sql, which does not read the database); run 'flask db upgrade head'.",
    ),
    (
        ("stamp", f"{A}:{C}"),
        f"'{A}:{C}': stamp takes revisions, not a range (a range start:end is for --sql, "
        f"which does not read the database); run 'flask db stamp {C}'.",
    ),
    (
        ("show", f"{A}:{C}"),
        f"'{A}:{C}': show takes a revision, not a range start:end; name one revision.",
    ),
    (
        ("edit", f"{A}:{C}"),
        f"'{A}:{C}': edit takes a revision, not a range start:end; name one revision.",
    ),
    (
        ("merge", f"{A}:{C}", B),
        f"'{A}:{C}': merge takes a revision, not a range start:end; name one revision.",
    ),
    (
        ("revision", "-m", "x", "--head", f"{A}:{C}"),
        f"'{A}:{C}': --head takes a revision, not a range start:end; name one revision.",
    ),
    (
        ("revision", "-m", "x", "--depends-on", f"{A}:{C}"),
        f"'{A}:{C}': --depends-on takes a revision, not a range start:end; name one revision.",
    ),
    (
        ("history", "-r", A),
        f"'{A}': a range needs the form start:end, start: or :end.",
    ),
    (
        ("migrate", "--sql"),
        "migrate compares with a live database and cannot use --sql; leave out --sql.",
    ),
    (
        ("revision", "--autogenerate", "--sql"),
        "revision --autogenerate compares with a live database and cannot use --sql; "
        "leave out --sql.",
    ),
    (
        ("stamp", "--sql", "--purge", "head"),
        "stamp --purge empties the version table it reads from the database, so it "
        "cannot be combined with --sql; leave out one of them.",
    ),
    (
        ("stamp", "--sql", f"{A}:{B}", f"{B}:{C}"),
        f"stamp --sql writes the changes from one starting revision, but several are "
        f"given ({A}, {B}); run it once per starting revision.",
    ),
    (
        ("downgrade", "--sql", A),
        f"A downgrade with --sql needs the revision to start from: write "
        f"'flask db downgrade --sql <from>:{A}' (for example head:{A}).",
    ),
    (
        ("upgrade", "--sql", "current:head"),
        "'current:head' names the current revision, which --sql cannot know since it "
        "does not read the database; write the revision the database is at instead "
        "('flask db upgrade --sql <revision>:head').",
    ),
    (
        ("downgrade", "--sql", "current"),
        "'current' names the current revision, which --sql cannot know since it does not "
        "read the database; write the revision the database is at instead "
        "('flask db downgrade --sql <revision>:base').",
    ),
    (
        ("upgrade", "--plan", "--sql"),
        "--plan reads the database and --sql does not; leave out one of them.",
    ),
    (
        ("downgrade", "--plan", "--sql", f"{C}:{A}"),
        "--plan reads the database and --sql does not; leave out one of them.",
    ),
    (
        ("upgrade", "-1"),
        "'-1' is a step down, and upgrade only goes up; run 'flask db downgrade -1' instead.",
    ),
    (
        ("downgrade", "+1"),
        "'+1' is a step up, and downgrade only goes down; run 'flask db upgrade +1' instead.",
    ),
    (
        ("downgrade", "--sql", f"{A}:+1"),
        f"'+1' is a step up, and downgrade only goes down; run 'flask db upgrade --sql "
        f"{A}:+1' instead.",
    ),
    (
        ("revision", "-m", "x", "--rev-id", "head"),
        "Invalid revision id 'head': 'head' is a reserved word in revision identifiers; "
        "give another --rev-id, or none for a random id.",
    ),
    (
        ("merge", A, B, "--rev-id", "no-dash"),
        "Invalid revision id 'no-dash': it contains '-'; use only letters, digits and '_'.",
    ),
]


@pytest.mark.parametrize(
    ("args", "message"), USAGE_ERRORS, ids=[" ".join(args) for args, _ in USAGE_ERRORS]
)
def test_usage_errors_exit_2(cli: Cli, args: tuple[str, ...], message: str) -> None:
    assert _usage(cli, *args) == f"Error: {message}"


def test_options_click_rejects_exit_2_as_well(cli: Cli) -> None:
    result = cli("upgrade", "--no-such-option", code=2)
    assert result.output.splitlines()[-1].startswith("Error: No such option")


def _operational(cli: Cli, *args: str) -> str:
    result = cli(*args, code=1)
    assert "Usage:" not in result.output and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    assert cli.versions() == [B]
    return errors[0]


def test_what_the_folder_or_the_database_refuses_exits_1(cli: Cli) -> None:
    assert _operational(cli, "upgrade", "0123456789ab") == (
        "Error: No revision matches '0123456789ab'; run 'flask db history' to see the known "
        "revisions."
    )
    assert _operational(cli, "upgrade", "abcd") == (
        f"Error: The prefix 'abcd' matches several revisions ({A}, {B}, {C}); type more "
        "characters of the one you mean."
    )
    assert _operational(cli, "upgrade", A) == (
        f"Error: Cannot upgrade to '{A}': it is below the current revision ({B}), which "
        f"already includes it; to go back to it, run 'flask db downgrade {A}'."
    )
    assert _operational(cli, "downgrade", C) == (
        f"Error: Cannot downgrade to '{C}': it is not below the current revision ({B}); to "
        f"go up to it, run 'flask db upgrade {C}'."
    )
    assert _operational(cli, "upgrade", "+2") == (
        "Error: '+2' goes past the head; use a smaller step or 'flask db history' to count "
        "the revisions."
    )
    assert _operational(cli, "history", "-r", f"{C}:{A}") == (
        f"Error: The range '{C}:{A}' is empty because '{C}' is not an ancestor of '{A}'; "
        "swap the two ends or check 'flask db history'."
    )
    assert _operational(cli, "upgrade", "--bind", "users") == (
        f"Error: --bind users needs a multi-database migrations folder, and {cli.folder} was "
        "made for one database; create it with 'flask db init --multidb'."
    )
    path = next((cli.folder / "versions").glob(f"{A}_*.py"))
    assert _operational(cli, "revision", "--rev-id", A) == (
        f"Error: Invalid revision id '{A}': the revision file {path} already has this id; "
        "give another --rev-id, or none for a random id."
    )
    cli.new("-m", "side", "--head", A, "--splice", "--rev-id", "abcd00000004")
    assert _operational(cli, "upgrade", "head") == (
        f"Error: 'head' is ambiguous because there are several heads ({C}, abcd00000004); "
        "name one of them, use 'heads' to act on all of them, or run 'flask db merge' to "
        "join them."
    )


def test_the_api_raises_usage_errors_before_it_needs_an_app(tmp_path: Path) -> None:
    # Found from the arguments alone: no application context, folder or database is needed.
    with pytest.raises(RangeNotAllowed) as info:
        flask_migrate_lite.upgrade(revision=f"{A}:{C}")
    assert isinstance(info.value, UsageError)
    with pytest.raises(UsageError):
        flask_migrate_lite.downgrade(revision=A, sql=True)
    with pytest.raises(UsageError):
        flask_migrate_lite.migrate(sql=True)
    with pytest.raises(MalformedRevisionId) as bad:
        flask_migrate_lite.revision(message="x", rev_id="a b")
    assert bad.value.rev_id == "a b"
    assert not any(tmp_path.iterdir())
