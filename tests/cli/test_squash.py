"""``flask db squash`` on SQLite: what it prints and writes, the revisions it keeps as
written or refuses, a long history in one file, and its errors (one line, non-zero exit)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.script.folder import init_folder
from tests.builder import Cli, app, error_lines, write_revision
from tests.cli.test_loaded_before_running import MULTIDB_REVISION

pytestmark = pytest.mark.sqlite


def _table(name: str) -> tuple[str, str]:
    return (
        f"op.create_table('{name}', sa.Column('id', sa.Integer(), primary_key=True))",
        f"op.drop_table('{name}')",
    )


def _chain(cli: Cli, ids: list[str], first_down: str | None = None) -> None:
    down = first_down
    for rev_id in ids:
        write_revision(cli.migrations, rev_id, down, *_table(f"t_{rev_id}"), message=rev_id)
        down = rev_id


def _error(cli: Cli, *args: str, code: int = 1) -> str:
    result = cli(*args, code=code)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len([line for line in lines if line.startswith("Error:")]) == 1, result.stderr
    return [line for line in lines if line.startswith("Error:")][0]


def _squash_file(cli: Cli, rev_id: str) -> str:
    (path,) = (cli.migrations / "versions").glob(f"{rev_id}_*.py")
    return path.read_text()


def test_squash_prints_the_file_and_what_it_replaces(cli: Cli) -> None:
    _chain(cli, ["a1", "a2", "a3"])
    write_revision(cli.migrations, "a4", "a3", *_table("t_a4"), message="after")
    result = cli("squash", "a1:a3", "-m", "first three", "--rev-id", "sq1")
    path = cli.migrations / "versions" / "sq1_first_three.py"
    assert result.stderr.splitlines() == [
        f"Generating {path} ...  done",
        "Replaces 3 revisions (a1 to a3); 3 operations remain.",
    ]
    text = path.read_text()
    assert "down_revision = None\n" in text
    assert "replaces = ('a1', 'a2', 'a3')\n" in text
    assert "op.drop_table('t_a3')" in text and "op.create_table(\n        't_a1'," in text
    assert cli("heads").stdout == "a4 (head)\n"
    result = cli("upgrade")
    assert [line for line in result.stderr.splitlines() if line.startswith("Running")] == [
        "Running upgrade  -> sq1, first three",
        "Running upgrade sq1 -> a4, after",
    ]


def test_squash_from_a_revision_keeps_its_parent_and_branch_labels(cli: Cli) -> None:
    _chain(cli, ["b1"])
    write_revision(cli.migrations, "b2", "b1", *_table("t_b2"), branch_labels=["feature"])
    _chain(cli, ["b3"], "b2")
    cli("squash", "b2:b3", "--rev-id", "sq2")
    text = _squash_file(cli, "sq2")
    assert "down_revision = 'b1'\n" in text
    assert "branch_labels = ('feature',)\n" in text
    assert cli("show", "feature").stdout.startswith("Rev: sq2 (head)")


def test_a_range_left_open_starts_at_base_and_no_range_squashes_up_to_the_head(
    cli: Cli,
) -> None:
    _chain(cli, ["c1", "c2", "c3"])
    cli("squash", "c2", "--rev-id", "sq3")
    assert "replaces = ('c1', 'c2')\n" in _squash_file(cli, "sq3")
    cli("squash", "--rev-id", "sq4")
    assert "replaces = ('sq3', 'c3')\n" in _squash_file(cli, "sq4")
    assert cli("history").stdout == "<base> -> sq4 (head), squash sq3 to c3\n"


def test_sql_and_rows_are_kept_as_written_with_their_imports(cli: Cli) -> None:
    _chain(cli, ["d1"])
    write_revision(
        cli.migrations,
        "d2",
        "d1",
        """
        t = table('t_d1', column('id', sa.Integer()))
        op.bulk_insert(t, [{'id': 1}, {'id': 2}])
        op.execute('''
        UPDATE t_d1
        SET id = id + 10
        ''')
        """,
        "op.execute('DELETE FROM t_d1')",
        header="from sqlalchemy.sql import table, column",
        message="rows",
    )
    _chain(cli, ["d3"], "d2")
    result = cli("squash", "d1:d3", "--rev-id", "sq5")
    assert result.stderr.splitlines()[1] == (
        "Replaces 3 revisions (d1 to d3); 3 operations remain, 1 of them kept as written (d2)."
    )
    text = _squash_file(cli, "sq5")
    assert "from sqlalchemy.sql import column\nfrom sqlalchemy.sql import table\n" in text
    # The lines inside the SQL string are kept as they were.
    assert "    def upgrade_d2():\n        t = table(" in text
    assert "\n    UPDATE t_d1\n    SET id = id + 10\n    ''')\n" in text
    cli("upgrade")
    with cli.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT id FROM t_d1 ORDER BY id").all()
    assert [row[0] for row in rows] == [11, 12]
    cli("downgrade", "base")


def test_a_revision_using_its_own_helper_is_refused_by_name(cli: Cli) -> None:
    _chain(cli, ["e1"])
    path = write_revision(cli.migrations, "e2", "e1", "op.execute(statement())", "pass")
    path.write_text(path.read_text() + "\n\ndef statement():\n    return 'SELECT 1'\n")
    _chain(cli, ["e3"], "e2")
    assert _error(cli, "squash", "e1:e3") == (
        "Error: Revision e2 cannot be kept as written in a squash: its upgrade() uses "
        "statement, defined elsewhere in its file; squash around it (a range that ends "
        "before e2 or starts after it, instead of e1:e3)."
    )
    assert len(list((cli.migrations / "versions").glob("*.py"))) == 3


def test_errors_are_one_line(cli: Cli) -> None:
    _chain(cli, ["f1", "f2"])
    _chain(cli, ["f3"], "f1")  # f1 is a branch point
    write_revision(cli.migrations, "f4", ("f2", "f3"), message="merge")
    _chain(cli, ["f5"], "f4")
    assert _error(cli, "squash", "zzz9:f2") == (
        "Error: No revision matches 'zzz9'; run 'flask db history' to see the known revisions."
    )
    assert _error(cli, "squash", "f1:f2") == (
        "Error: Revision f1 is a branch point inside the range, and a squash replaces a "
        "straight run of revisions; squash from f1 or above it instead."
    )
    assert _error(cli, "squash", "f2:f5") == (
        "Error: Revision f4 is a merge point, and a squash replaces a straight run of "
        "revisions; squash the revisions above it, or those below it (from a parent of it), "
        "instead."
    )
    assert _error(cli, "squash", "f5:f5") == (
        "Error: The range 'f5:f5' holds one revision (f5); a squash needs at least two."
    )
    assert _error(cli, "squash", "f5:f2") == (
        "Error: Revision f5 is not below f2; give the range as older:newer."
    )
    assert _error(cli, "squash", "f4:f5", "--rev-id", "no-dash", code=2) == (
        "Error: Invalid revision id 'no-dash': it contains '-'; use only letters, digits and '_'."
    )
    usage = cli("squash", "f4:f5", "--baseline", code=2)
    assert "squash --baseline replaces every revision up to the head" in usage.stderr
    assert len(list((cli.migrations / "versions").glob("*.py"))) == 5
    _chain(cli, ["f6"], "f2")
    assert _error(cli, "squash", "--baseline") == (
        "Error: A baseline replaces the history below one head, and there are several "
        "(f5, f6); merge them first."
    )


def test_three_hundred_revisions_become_one_file_and_one_migration(cli: Cli) -> None:
    ids = [f"r{n:03d}" for n in range(300)]
    write_revision(cli.migrations, ids[0], None, *_table("big"))
    for n, rev_id in enumerate(ids[1:], 1):
        write_revision(
            cli.migrations,
            rev_id,
            ids[n - 1],
            f"op.add_column('big', sa.Column('c{n}', sa.Integer(), nullable=True))",
            f"with op.batch_alter_table('big') as batch_op:\n    batch_op.drop_column('c{n}')",
        )
    result = cli("squash", "--baseline", "--rev-id", "base1")
    assert result.stderr.splitlines()[1] == (
        f"Replaces 300 revisions ({ids[0]} to {ids[-1]}); 1 operation remains."
    )
    for path in (cli.migrations / "versions").glob("r*.py"):
        path.unlink()  # no database needs the originals: the squash stands alone
    result = cli("upgrade")
    assert [line for line in result.stderr.splitlines() if line.startswith("Running")] == [
        "Running upgrade  -> base1, baseline"
    ]
    with cli.engine.connect() as connection:
        columns = connection.exec_driver_sql("PRAGMA table_info(big)").all()
    assert len(columns) == 300
    assert cli("heads").stdout == "base1 (head)\n"


def test_the_originals_can_go_once_no_database_needs_them(cli: Cli, tmp_path: Path) -> None:
    _chain(cli, ["g1", "g2", "g3"])
    write_revision(cli.migrations, "g4", "g3", *_table("t_g4"))
    cli("upgrade", "g3")
    cli("squash", "g1:g3", "--rev-id", "sq6")
    for rev_id in ("g1", "g2", "g3"):
        (path,) = (cli.migrations / "versions").glob(f"{rev_id}_*.py")
        path.unlink()
    # The database still holds g3, the end of the range: it stands for the squash.
    assert cli("current").stdout == "g3 (replaced by the squash revision sq6)\n"
    result = cli("upgrade")
    assert [line for line in result.stderr.splitlines() if line.startswith("Running")] == [
        "Running upgrade sq6 -> g4, revision g4"
    ]
    assert cli.versions() == ["g4"]
    assert re.search(r"^g4 \(head\)$", cli("current").stdout, re.MULTILINE)


def test_a_database_inside_the_range_sees_the_originals_and_a_later_revision(cli: Cli) -> None:
    _chain(cli, ["h1", "h2", "h3"])
    cli("upgrade", "h1")
    cli("squash", "h1:h3", "--rev-id", "sq7")
    cli("revision", "-m", "later", "--rev-id", "h4")
    assert "down_revision = 'sq7'\n" in _squash_file(cli, "h4")
    assert cli("status").stdout.splitlines() == [
        "Database: " + cli.url,
        "[X] h1 h1 (current)",
        "[ ] h2 h2",
        "[ ] h3 h3",
        "[ ] h4 later (head)",
        "1 of 4 applied; 3 pending migrations: run 'flask db upgrade'.",
    ]
    result = cli("upgrade")
    assert [line for line in result.stderr.splitlines() if line.startswith("Running")] == [
        "Running upgrade h1 -> h2, h2",
        "Running upgrade h2 -> h3, h3",
        "Running upgrade h3 -> h4, later",
    ]
    assert cli("status").stdout.splitlines()[1:] == [
        "[X] sq7 squash h1 to h3",
        "[X] h4 later (head, current)",
        "All 2 applied.",
    ]
    # Back down one step, the row names the squash: the same point as h3.
    cli("downgrade", "-1")
    assert cli.versions() == ["sq7"]


def test_a_baseline_replaces_branches_and_merges_below_the_head(cli: Cli, tmp_path: Path) -> None:
    _chain(cli, ["m1", "m2"])
    _chain(cli, ["m3a"], "m2")
    _chain(cli, ["m3b"], "m2")
    write_revision(cli.migrations, "m4", ("m3a", "m3b"), message="merge")
    _chain(cli, ["m5"], "m4")
    cli("upgrade", "m3a")  # a database on one branch
    result = cli("squash", "--baseline", "--rev-id", "base2")
    assert result.stderr.splitlines()[1] == (
        "Replaces 6 revisions (m1 to m5); 5 operations remain."
    )
    text = _squash_file(cli, "base2")
    assert "replaces = ('m1', 'm2', 'm3b', 'm3a', 'm4', 'm5')\n" in text
    assert "down_revision = None\n" in text
    assert cli("heads").stdout == "base2 (head)\n"
    result = cli("upgrade")
    assert [line for line in result.stderr.splitlines() if line.startswith("Running")] == [
        "Running upgrade m2 -> m3b, m3b",
        "Running upgrade m3a, m3b -> m4, merge",
        "Running upgrade m4 -> m5, m5",
    ]
    old = sorted(t for t in _tables(cli) if t.startswith("t_"))
    fresh = Cli(tmp_path / "fresh")
    shutil.copytree(cli.migrations, fresh.migrations)
    result = fresh("upgrade")
    assert [line for line in result.stderr.splitlines() if line.startswith("Running")] == [
        "Running upgrade  -> base2, baseline"
    ]
    assert sorted(t for t in _tables(fresh) if t.startswith("t_")) == old


def _tables(runner: Cli) -> list[str]:
    return sa.inspect(runner.engine).get_table_names()


def test_sql_scripts_start_from_the_squash_or_from_inside_the_range(cli: Cli) -> None:
    _chain(cli, ["k1", "k2", "k3"])
    _chain(cli, ["k4"], "k3")
    cli("squash", "k1:k3", "--rev-id", "sq8")

    def steps(*args: str) -> list[str]:
        out = cli("upgrade", "--sql", *args).stdout
        return [line for line in out.splitlines() if line.startswith("-- Running")]

    assert steps() == [
        "-- Running upgrade  -> sq8, squash k1 to k3",
        "-- Running upgrade sq8 -> k4, k4",
    ]
    assert steps("k2:head") == [
        "-- Running upgrade k2 -> k3, k3",
        "-- Running upgrade k3 -> k4, k4",
    ]


def test_a_multi_database_folder_is_refused(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    init_folder(migrations, template="flask-multidb")
    ids = ["md0000000001", "md0000000002"]
    for n, rev in enumerate(ids):
        down = ids[n - 1] if n else None
        (migrations / "versions" / f"{rev}_step_{n}.py").write_text(
            MULTIDB_REVISION.format(n=n, rev=rev, down=down or "", down_id=down, extra="")
        )
    binds = {"SQLALCHEMY_BINDS": {"users": f"sqlite:///{tmp_path / 'users.db'}"}}
    with app(f"sqlite:///{tmp_path / 'main.db'}", migrations, config=binds) as made:
        result = made.cli("squash", code=1)
    assert error_lines(result.output) == [
        "Error: squash works on single-database migrations folders; this one is multi-database."
    ]
