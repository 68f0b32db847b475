"""Targets: ``flask db upgrade --all-targets`` and the other commands on many PostgreSQL
schemas, MariaDB databases and SQLite files, through the ``flask`` command."""

from __future__ import annotations

import json
import re
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.builder import WAIT, Project, start_together
from tests.databases import admin_engine, connect

pytestmark = pytest.mark.e2e

TENANTS = """\
import json
import pathlib


def targets():
    return json.loads((pathlib.Path(__file__).parent / "targets.json").read_text())
"""

# 0002 refuses to run where a table named 'poison' exists: a failure injected in one target.
# It records where it ran (the schema, or the database) in a table of its own.
UP_2 = """\
if sa.inspect(op.get_bind()).has_table("poison"):
    raise RuntimeError("poisoned")
op.execute("CREATE TABLE side (place VARCHAR(200))")
op.execute("INSERT INTO side VALUES ('ran')")
"""


def _project(path: Path, url: str, targets: object, *, third: bool = False) -> Project:
    project = Project.create(path, url, config={"MIGRATE_TARGETS": "tenants:targets"})
    (path / "tenants.py").write_text(TENANTS)
    _set_targets(project, targets)
    project.make_folder()
    project.write_revision(
        "0001",
        None,
        "op.create_table('item', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('item')",
    )
    project.write_revision("0002", "0001", UP_2, "op.execute('DROP TABLE side')")
    if third:
        project.write_revision(
            "0003",
            "0002",
            "op.create_table('extra', sa.Column('id', sa.Integer, primary_key=True))",
            "op.drop_table('extra')",
        )
    return project


def _set_targets(project: Project, targets: object) -> None:
    (project.path / "targets.json").write_text(json.dumps(targets))


def _timeless(text: str) -> str:
    return re.sub(r"\d+\.\d\ds", "T", text)


def _table(text: str) -> list[list[str]]:
    return [line.split() for line in _timeless(text).splitlines()]


# --- where each kind of target is ------------------------------------------------------------


def _pg_place(url: str, schema: str) -> tuple[list[str] | None, set[str]]:
    """The version rows and the tables of one schema."""
    with connect(url) as connection:
        inspector = sa.inspect(connection)
        tables = set(inspector.get_table_names(schema=schema))
        rows = None
        if "alembic_version" in tables:
            rows = sorted(
                connection.scalars(sa.text(f'SELECT version_num FROM "{schema}".alembic_version'))
            )
    return rows, tables - {"alembic_version", "alembic_version_log"}


def _place(url: str) -> tuple[list[str] | None, set[str]]:
    """The version rows and the tables of one database."""
    with connect(url) as connection:
        tables = set(sa.inspect(connection).get_table_names())
        rows = None
        if "alembic_version" in tables:
            rows = sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))
    return rows, tables - {"alembic_version", "alembic_version_log"}


def _upgrades_logged(connection: sa.Connection, table: str) -> list[str]:
    return sorted(
        connection.scalars(
            sa.text(f"SELECT revision FROM {table} WHERE direction = 'upgrade'")  # noqa: S608
        )
    )


@pytest.fixture
def schemas() -> list[str]:
    tag = uuid.uuid4().hex[:6]
    return [f"fml_{tag}_a", f"fml_{tag}_b", f"fml_{tag}_c"]


@pytest.fixture
def mysql_targets(mysql_url: str) -> Iterator[dict[str, str]]:
    """Three MariaDB databases of this test's own (dropped at its end), by target name."""
    base = sa.make_url(mysql_url)
    tag = uuid.uuid4().hex[:6]
    names = {name: f"{base.database}_{tag}_{name}" for name in ("a", "b", "c")}
    admin = admin_engine(mysql_url)
    try:
        with admin.connect() as connection:
            for database in names.values():
                connection.exec_driver_sql(f"CREATE DATABASE `{database}`")
        yield {
            name: base.set(database=database).render_as_string(hide_password=False)
            for name, database in names.items()
        }
    finally:
        with admin.connect() as connection:
            for database in names.values():
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{database}`")
        admin.dispose()


# --- PostgreSQL schemas ----------------------------------------------------------------------


@pytest.mark.postgresql
def test_upgrade_all_schemas_at_once(
    tmp_path: Path, postgresql_url: str, schemas: list[str]
) -> None:
    project = _project(tmp_path / "proj", postgresql_url, schemas)
    result = project.run("db", "upgrade", "--all-targets", "-j", "2")
    a, b, c = schemas
    assert _table(result.stdout) == [
        ["target", "from", "to", "time", "result"],
        [a, "base", "0002", "T", "ok"],
        [b, "base", "0002", "T", "ok"],
        [c, "base", "0002", "T", "ok"],
    ]
    assert sorted(_timeless(result.stderr).splitlines()) == [
        f"{name}: base -> 0002 (T)" for name in schemas
    ]
    for schema in schemas:
        assert _pg_place(postgresql_url, schema) == (["0002"], {"item", "side"})
    # Nothing landed in public: the models' tables and op.execute's SQL went to each schema.
    assert _place(postgresql_url) == (None, set())
    again = project.run("db", "upgrade", "--all-targets")
    assert [row[1:3] for row in _table(again.stdout)[1:]] == [["0002", "0002"]] * 3


@pytest.mark.postgresql
def test_a_failing_schema_leaves_the_others_migrated(
    tmp_path: Path, postgresql_url: str, schemas: list[str]
) -> None:
    project = _project(tmp_path / "proj", postgresql_url, schemas)
    a, b, c = schemas
    project.run("db", "upgrade", "--all-targets", "0001")
    with connect(postgresql_url) as connection:
        connection.exec_driver_sql(f'CREATE TABLE "{b}".poison (id int)')
        connection.commit()
    before = _pg_place(postgresql_url, b)
    result = project.run("db", "upgrade", "--all-targets", check=False)
    assert result.returncode == 1
    assert _table(result.stdout) == [
        ["target", "from", "to", "time", "result"],
        [a, "0001", "0002", "T", "ok"],
        [b, "0001", "0001", "T", "failed"],
        [c, "0001", "0002", "T", "ok"],
    ]
    assert _timeless(result.stderr).splitlines() == [
        f"{a}: 0001 -> 0002 (T)",
        f"{b}: failed: the upgrade of 0002 failed: RuntimeError: poisoned.",
        f"{c}: 0001 -> 0002 (T)",
        f"Error: 1 of 3 targets failed ({b}); the lines above say why.",
    ]
    assert _pg_place(postgresql_url, b) == before == (["0001"], {"item", "poison"})
    assert _pg_place(postgresql_url, a) == (["0002"], {"item", "side"})
    assert _pg_place(postgresql_url, c) == (["0002"], {"item", "side"})


@pytest.mark.postgresql
def test_a_schema_added_later_is_brought_up_from_base(
    tmp_path: Path, postgresql_url: str, schemas: list[str]
) -> None:
    a, b, c = schemas
    project = _project(tmp_path / "proj", postgresql_url, [a, b])
    project.run("db", "upgrade", "--all-targets")
    _set_targets(project, schemas)
    result = project.run("db", "upgrade", "--all-targets", "-j", "3")
    assert [row[:3] for row in _table(result.stdout)[1:]] == [
        [a, "0002", "0002"],
        [b, "0002", "0002"],
        [c, "base", "0002"],
    ]
    assert _pg_place(postgresql_url, c) == (["0002"], {"item", "side"})


@pytest.mark.postgresql
def test_downgrade_stamp_current_and_status_per_schema(
    tmp_path: Path, postgresql_url: str, schemas: list[str]
) -> None:
    a, b, c = schemas
    project = _project(tmp_path / "proj", postgresql_url, schemas)
    project.run("db", "upgrade", "--all-targets")
    down = project.run("db", "downgrade", "--target", b)
    assert _table(down.stdout)[1][:3] == [b, "0002", "0001"]
    assert _pg_place(postgresql_url, b) == (["0001"], {"item"})
    stamped = project.run("db", "stamp", "--target", c, "0001")
    assert _table(stamped.stdout)[1][:3] == [c, "0002", "0001"]
    assert project.run("db", "current", "--all-targets").stdout == (
        f"{a}: 0002 (head)\n{b}: 0001\n{c}: 0001\n"
    )
    status = project.run("db", "status", "--targets", "*_b", "--check", check=False)
    assert status.returncode == 1
    assert status.stdout == (
        f"Target: {b}\n"
        "[X] 0001 revision 0001 (current)\n"
        "[ ] 0002 revision 0002 (head)\n"
        f"1 of 2 applied; 1 pending migration: run 'flask db upgrade --target {b}'.\n"
    )
    assert status.stderr == (
        f"Error: 1 target has pending migrations ({b}); run 'flask db upgrade --target {b}'.\n"
    )
    behind = project.run("db", "current", "--all-targets", "--check-heads", check=False)
    assert behind.returncode == 1
    assert behind.stderr == (
        f"Error: 2 targets are not at the head revision ({b}, {c}); run 'flask db upgrade "
        f"--target {b} --target {c}'.\n"
    )


@pytest.mark.postgresql
def test_sql_per_schema(tmp_path: Path, postgresql_url: str, schemas: list[str]) -> None:
    a, b, _c = schemas
    project = _project(tmp_path / "proj", postgresql_url, schemas)
    result = project.run("db", "upgrade", "--sql", "--target", a, "--target", b, "0001")
    for schema in (a, b):
        part = result.stdout.split(f"-- Target: {schema}\n", 1)[1].split("-- Target:", 1)[0]
        assert part.startswith(f"\nSET search_path TO {schema};\n")
        assert f"CREATE TABLE {schema}.alembic_version" in part
        assert f"INSERT INTO {schema}.alembic_version (version_num) VALUES ('0001')" in part
        assert "CREATE TABLE item" in part
    assert "-- Target: " + schemas[2] not in result.stdout
    assert _place(postgresql_url) == (None, set())  # nothing ran


@pytest.mark.postgresql
def test_each_worker_has_its_own_op(
    tmp_path: Path, postgresql_url: str, schemas: list[str]
) -> None:
    """Three workers run the same migration at once; each writes where its own op is."""
    project = _project(tmp_path / "proj", postgresql_url, schemas)
    project.write_revision(
        "0003",
        "0002",
        'import time\ntime.sleep(0.3)\nop.execute("INSERT INTO side SELECT current_schema()")',
        "pass",
    )
    project.run("db", "upgrade", "--all-targets", "-j", "3")
    with connect(postgresql_url) as connection:
        for schema in schemas:
            places = connection.scalars(sa.text(f'SELECT place FROM "{schema}".side')).all()
            assert sorted(places) == sorted(["ran", schema])


@pytest.mark.postgresql
@pytest.mark.mysql
@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_two_runs_at_once_apply_each_migration_once(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest, schemas: list[str]
) -> None:
    if kind == "postgresql":
        url = str(request.getfixturevalue("postgresql_url"))
        targets: object = schemas
    else:
        url = str(request.getfixturevalue("mysql_url"))
        targets = request.getfixturevalue("mysql_targets")
    project = _project(tmp_path / "proj", url, targets, third=True)
    processes = start_together(
        project, tmp_path / "barrier", 2, "db", "upgrade", "--all-targets", "-j", "2"
    )
    for process in processes:
        out, err = process.communicate(timeout=WAIT)
        assert process.returncode == 0, err
    if kind == "postgresql":
        with connect(url) as connection:
            for schema in schemas:
                logged = _upgrades_logged(connection, f'"{schema}".alembic_version_log')
                assert logged == ["0001", "0002", "0003"]
                assert connection.scalar(sa.text(f'SELECT count(*) FROM "{schema}".side')) == 1
    else:
        assert isinstance(targets, dict)
        for target_url in targets.values():
            with connect(target_url) as connection:
                assert _upgrades_logged(connection, "alembic_version_log") == [
                    "0001",
                    "0002",
                    "0003",
                ]
                assert connection.scalar(sa.text("SELECT count(*) FROM side")) == 1


# --- MariaDB databases -----------------------------------------------------------------------


@pytest.mark.mysql
def test_a_failing_database_leaves_the_others_migrated(
    tmp_path: Path, mysql_url: str, mysql_targets: dict[str, str]
) -> None:
    project = _project(tmp_path / "proj", mysql_url, mysql_targets)
    project.run("db", "upgrade", "--all-targets", "0001")
    with connect(mysql_targets["b"]) as connection:
        connection.exec_driver_sql("CREATE TABLE poison (id int)")
        connection.commit()
    before = _place(mysql_targets["b"])
    result = project.run("db", "upgrade", "--all-targets", "-j", "2", check=False)
    assert result.returncode == 1
    assert _table(result.stdout) == [
        ["target", "from", "to", "time", "result"],
        ["a", "0001", "0002", "T", "ok"],
        ["b", "0001", "0001", "T", "failed"],
        ["c", "0001", "0002", "T", "ok"],
    ]
    assert "b: failed: the upgrade of 0002 failed: RuntimeError: poisoned." in result.stderr
    assert _place(mysql_targets["b"]) == before == (["0001"], {"item", "poison"})
    assert _place(mysql_targets["a"]) == (["0002"], {"item", "side"})
    assert _place(mysql_targets["c"]) == (["0002"], {"item", "side"})
    assert _place(mysql_url) == (None, set())
    current = project.run("db", "current", "--all-targets")
    assert current.stdout == "a: 0002 (head)\nb: 0001\nc: 0002 (head)\n"


# --- SQLite files ----------------------------------------------------------------------------


def _sqlite_targets(folder: Path, names: str = "abc") -> list[str]:
    return [f"sqlite:///{folder / name}.db" for name in names]


@pytest.mark.sqlite
def test_sqlite_files_as_targets(tmp_path: Path) -> None:
    urls = _sqlite_targets(tmp_path)
    project = _project(tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}", urls)
    project.run("db", "upgrade", "--all-targets", "0001")
    with connect(urls[1]) as connection:
        connection.exec_driver_sql("CREATE TABLE poison (id int)")
        connection.commit()
    result = project.run("db", "upgrade", "--all-targets", check=False)
    assert result.returncode == 1
    # The exact text, each time (under 10 seconds here) written as 0.00s.
    assert re.sub(r"\b\d\.\d\ds", "0.00s", result.stdout) == (
        "target  from  to    time   result\n"
        "a       0001  0002  0.00s  ok\n"
        "b       0001  0001  0.00s  failed\n"
        "c       0001  0002  0.00s  ok\n"
    )
    assert _place(urls[1]) == (["0001"], {"item", "poison"})
    assert _place(urls[0]) == _place(urls[2]) == (["0002"], {"item", "side"})
    assert project.run("db", "current", "--targets", "[ac]").stdout == (
        "a: 0002 (head)\nc: 0002 (head)\n"
    )
    # A target added later is brought up from base; the others are where they were.
    _set_targets(project, [*urls, *_sqlite_targets(tmp_path, "d")])
    later = project.run("db", "upgrade", "--target", "d")
    assert _table(later.stdout)[1][:3] == ["d", "base", "0002"]


@pytest.mark.sqlite
def test_sql_per_sqlite_file(tmp_path: Path) -> None:
    urls = _sqlite_targets(tmp_path, "ab")
    project = _project(tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}", urls)
    result = project.run("db", "stamp", "--sql", "--all-targets", "0001")
    assert result.stdout.count("-- Target: ") == 2
    assert result.stdout.startswith("-- Target: a\n\n")
    assert "-- Target: b\n\n" in result.stdout
    assert result.stdout.count("INSERT INTO alembic_version (version_num) VALUES ('0001');") == 2
    assert result.stderr == ""
    assert not (tmp_path / "a.db").exists()  # nothing connected


# --- what is refused -------------------------------------------------------------------------


@pytest.mark.sqlite
def test_unknown_targets_and_wrong_options_are_refused(tmp_path: Path) -> None:
    urls = _sqlite_targets(tmp_path)
    project = _project(tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}", urls)
    unknown = project.run("db", "upgrade", "--target", "zz", check=False)
    assert (unknown.returncode, unknown.stderr) == (
        1,
        "Error: There is no target named 'zz'; the targets are a, b, c.\n",
    )
    many = [f"sqlite:///{tmp_path / f't{n:02}'}.db" for n in range(12)]
    _set_targets(project, many)
    shortened = project.run("db", "current", "--target", "zz", check=False)
    assert shortened.stderr == (
        "Error: There is no target named 'zz'; the targets are t00, t01, t02, t03, t04, t05, "
        "t06, t07, t08, t09 and 2 more.\n"
    )
    nothing = project.run("db", "status", "--targets", "x*", check=False)
    assert nothing.stderr.startswith("Error: No target matches 'x*'; the targets are t00, ")
    jobs = project.run("db", "upgrade", "-j", "2", check=False)
    assert jobs.returncode == 2
    assert (
        "Error: -j and --fail-fast act on targets; add --target, --targets or --all-targets."
        in (jobs.stderr)
    )


@pytest.mark.sqlite
def test_targets_without_a_targets_function(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}")
    project.make_folder()
    result = project.run("db", "upgrade", "--all-targets", check=False)
    assert (result.returncode, result.stderr) == (
        1,
        "Error: No targets are configured; pass Migrate(app, db, targets=function) or set "
        "MIGRATE_TARGETS to use --target, --targets or --all-targets.\n",
    )
    # Without the options, nothing changes.
    project.run("db", "upgrade")


# --- Ctrl-C ----------------------------------------------------------------------------------


@pytest.mark.timed
@pytest.mark.sqlite
def test_ctrl_c_lets_the_running_migration_finish(tmp_path: Path) -> None:
    urls = _sqlite_targets(tmp_path)
    project = _project(tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}", urls, third=True)
    started = tmp_path / "started"
    # Only when it really runs: the lint before an upgrade records upgrade() first.
    slow = (
        "import pathlib, time\n"
        "if not op.get_context().as_sql:\n"
        f"    pathlib.Path({str(started)!r}).touch()\n"
        "    time.sleep(2)\n"
        "op.create_table('slow', sa.Column('id', sa.Integer, primary_key=True))"
    )
    for path in project.revision_files():
        if path.name.startswith("0002"):
            path.unlink()
    project.write_revision("0002", "0001", slow, "op.drop_table('slow')")
    process = project.popen("db", "upgrade", "--all-targets", "-j", "1")
    deadline = time.monotonic() + WAIT
    while not started.exists():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 130, err
    assert _table(out) == [
        ["target", "from", "to", "time", "result"],
        ["a", "base", "0002", "T", "stopped"],
        ["b", "-", "-", "-", "not", "started"],
        ["c", "-", "-", "-", "not", "started"],
    ]
    assert _timeless(err).splitlines() == [
        "a: stopped at 0002 before its next migration (T).",
        "Interrupted: 3 of 3 targets not upgraded to the end; run the command again to go on "
        "from where each stands.",
    ]
    assert _place(urls[0]) == (["0002"], {"item", "slow"})
    again = project.run("db", "upgrade", "--all-targets")
    assert [row[1:3] for row in _table(again.stdout)[1:]] == [
        ["0002", "0003"],
        ["base", "0003"],
        ["base", "0003"],
    ]


# --- autogenerate and check ------------------------------------------------------------------

MODELS = """
class Item(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(40))
"""


def _model_project(path: Path, url: str, targets: object, **config: object) -> Project:
    project = Project.create(
        path, url, models=MODELS, config={"MIGRATE_TARGETS": "tenants:targets", **config}
    )
    (path / "tenants.py").write_text(TENANTS)
    _set_targets(project, targets)
    project.make_folder()
    return project


@pytest.mark.postgresql
def test_migrate_compares_the_reference_schema_and_check_finds_drift(
    tmp_path: Path, postgresql_url: str, schemas: list[str]
) -> None:
    a, b, c = schemas
    project = _model_project(tmp_path / "proj", postgresql_url, schemas)
    project.run("db", "migrate", "-m", "items")
    (written,) = project.revision_files()
    text = written.read_text()
    assert "op.create_table(\n        'item'," in text
    assert "fml_" not in text and "schema" not in text  # nothing of a target in the file
    project.run("db", "upgrade", "--all-targets", "-j", "2")
    with connect(postgresql_url) as connection:
        connection.exec_driver_sql(f'ALTER TABLE "{c}".item ADD COLUMN extra int')
        connection.commit()
    result = project.run("db", "check", "--all-targets", check=False)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        f"{a}: in sync\n{b}: in sync\n{c}: 1 change\n  Detected removed column 'item.extra'\n",
        f"Error: 1 target drifted from the models ({c}); the lines above say why.\n",
    )
    # The reference target is in sync, so migrate writes nothing.
    assert "No changes in schema detected." in project.run("db", "migrate").stderr
    # With the drifted one as reference, the difference is what autogenerate sees.
    (tmp_path / "proj" / "app.py").write_text(
        (tmp_path / "proj" / "app.py")
        .read_text()
        .replace("migrate.init_app(app, db", f"migrate.init_app(app, db, reference_target={c!r}")
    )
    assert project.run("db", "check", check=False).stderr.startswith(
        "Detected removed column 'item.extra'\n"
    )


@pytest.mark.sqlite
def test_check_on_sqlite_files_names_those_behind(tmp_path: Path) -> None:
    urls = _sqlite_targets(tmp_path, "ab")
    project = _model_project(tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}", urls)
    project.run("db", "migrate", "-m", "items")
    project.run("db", "upgrade", "--target", "a")
    (pending,) = (path.name.split("_")[0] for path in project.revision_files())
    behind = (
        f"b: not compared: Target database is not up to date: revision {pending} is pending; "
        "run 'flask db upgrade --target b' to apply it.\n"
    )
    failed = "Error: 1 target could not be compared (b); the lines above say why.\n"
    result = project.run("db", "check", "--all-targets", check=False)
    assert (result.returncode, result.stdout, result.stderr) == (1, "a: in sync\n" + behind, failed)
    # One target named: the advice names it too.
    result = project.run("db", "check", "--target", "b", check=False)
    assert (result.returncode, result.stdout, result.stderr) == (1, behind, failed)


@pytest.mark.sqlite
def test_targets_given_to_migrate_as_a_function(tmp_path: Path) -> None:
    urls = {
        "first": f"sqlite:///{tmp_path / 'one.db'}",
        "second": f"sqlite:///{tmp_path / 'two.db'}",
    }
    project = Project.create(
        tmp_path / "proj",
        f"sqlite:///{tmp_path / 'app.db'}",
        models=f"def tenant_files():\n    return {urls!r}\n",
        migrate_args=", targets=tenant_files",
    )
    project.make_folder()
    project.write_revision("0001", None)
    project.run("db", "stamp", "--target", "second", "0001")
    assert project.run("db", "current", "--all-targets").stdout == (
        "first: base\nsecond: 0001 (head)\n"
    )


@pytest.mark.sqlite
def test_a_targets_import_string_that_does_not_import(tmp_path: Path) -> None:
    project = Project.create(
        tmp_path / "proj",
        f"sqlite:///{tmp_path / 'app.db'}",
        config={"MIGRATE_TARGETS": "tenants"},
    )
    project.make_folder()
    result = project.run("db", "current", "--all-targets", check=False)
    assert (result.returncode, result.stderr) == (
        1,
        "Error: MIGRATE_TARGETS is 'tenants', which is no import string; write it as "
        "'package.module:function'.\n",
    )
