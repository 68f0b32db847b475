"""Turning the plugin on and off, its ini settings, the throw-away databases (one per xdist
worker, dropped at the end), and the refusals: a multi-database folder, an app on a database
that is not a test database, a factory that ignores the test database."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.script.folder import init_folder
from tests.databases import admin_engine, dialect_of
from tests.plugin.support import failure, fixture_conftest, run, write_project
from tests.plugin.test_ready_made import GOOD, GOOD_MODELS, configure, server

pytest_plugins = ["pytester"]

INERT_TEST = """\
import sys

import pytest


def test_nothing_was_loaded(request):
    assert not [name for name in sys.modules if name.startswith("flask_migrate_lite.engine")]
    assert "flask_migrate_lite.testing.fixtures" not in sys.modules
    assert "flask_migrate_lite.testing.plugin" in sys.modules
    with pytest.raises(pytest.FixtureLookupError):
        request.getfixturevalue("migrator")
"""


def test_the_plugin_is_inert_until_turned_on(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    configure(pytester, None)
    (pytester.path / "test_inert.py").write_text(INERT_TEST)
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*collected 1 item", "*1 passed*"])
    assert "migrations::" not in result.stdout.str()


def test_the_ini_setting_names_a_factory_and_narrows_the_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    configure(
        pytester,
        None,
        migrations_app="app:create_app",
        migrations_tests="single_head upgrade test_lint",
        migrations_skip="lint",
    )
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*collected 2 items",
            "migrations::test_single_head PASSED*",
            "migrations::test_upgrade PASSED*",
            "*2 passed*",
        ]
    )
    # A marker leaves them out.
    result = run(pytester, monkeypatch, "-m", "not migrations")
    result.stdout.fnmatch_lines(["*2 deselected*"])
    # 'none' turns the tests off and keeps the fixtures.
    configure(pytester, None, migrations_app="app:create_app", migrations_tests="none")
    (pytester.path / "test_fixture.py").write_text(
        "def test_it(migrator):\n    assert migrator.current() is None\n"
    )
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*collected 1 item", "*1 passed*"])


def test_the_ini_setting_names_an_app_object(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    (pytester.path / "wsgi.py").write_text("from app import create_app\n\napp = create_app()\n")
    configure(pytester, None, migrations_app="wsgi:app", migrations_tests="upgrade")
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["migrations::test_upgrade PASSED*"])


def test_an_unknown_test_name_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    configure(pytester, None, migrations_app="app:create_app", migrations_skip="heads")
    result = run(pytester, monkeypatch)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: migrations_tests / migrations_skip name heads, which is not a ready-made "
            "migration test; choose among single_head, upgrade, models_match, up_down_up, "
            "downgrade, lint (or 'none')."
        ]
    )


def test_a_factory_that_ignores_the_test_database_is_refused(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    elsewhere = pytester.path / "real.db"
    (pytester.path / "fixed.py").write_text(
        f"from app import create_app as make\n\n\ndef create_app():\n"
        f"    return make('sqlite:///{elsewhere}')\n"
    )
    configure(pytester, None, migrations_app="fixed:create_app", migrations_tests="upgrade")
    result = run(pytester, monkeypatch)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            f"migrations_app 'fixed:create_app' builds its app on the database "
            f"sqlite:///{elsewhere}, not on the test database; make it read DATABASE_URL (set "
            "to the test database's URL before it runs), or define a migrations_app fixture "
            "that builds the app on migrations_database_url."
        ]
    )
    assert not elsewhere.exists()


def test_an_app_on_a_database_that_holds_tables_is_refused(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    real = pytester.path / "real.db"
    engine = sa.create_engine(f"sqlite:///{real}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE customer (id INTEGER PRIMARY KEY)")
    engine.dispose()
    (pytester.path / "conftest.py").write_text(
        "import pytest\n\nfrom app import create_app\n\n\n@pytest.fixture(scope='session')\n"
        f"def migrations_app():\n    return create_app('sqlite:///{real}')\n"
    )
    configure(pytester, None, migrations_tests="upgrade")
    result = run(pytester, monkeypatch)
    assert failure(result, "upgrade") == [
        f"The app's database sqlite:///{real} is not a test database and holds tables "
        "(customer); the migration tests empty their database: build the app on the "
        "migrations_database_url fixture (or on an empty database)."
    ]


def test_a_multi_database_folder_is_refused(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    shutil.rmtree(pytester.path / "migrations")
    init_folder(pytester.path / "migrations", "flask-multidb")
    fixture_conftest(pytester.path)
    configure(pytester, None, migrations_tests="single_head")
    result = run(pytester, monkeypatch)
    assert failure(result, "single_head") == [
        f"The migrations folder {pytester.path / 'migrations'} is a multi-database one "
        "(flask db init --multidb); the pytest plugin tests single-database folders only: "
        "test each database's migrations with 'flask db upgrade' and 'downgrade' in your own "
        "tests."
    ]


RECORD_URL = """\
import os


def test_record(migrations_database_url, migrator):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"url-{worker}.txt", "w") as handle:
        handle.write(migrations_database_url)
    migrator.migrate_to("head")
    assert migrator.current() == "ccc333"
"""


def test_one_database_per_xdist_worker_dropped_at_the_end(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    fixture_conftest(pytester.path)
    configure(pytester, server(database_url), migrations_tests="none")
    (pytester.path / "test_record.py").write_text(RECORD_URL)
    result = run(pytester, monkeypatch, "-n", "2", "--dist", "each")
    assert result.ret == 0, result.stdout.str()
    urls = {worker: (pytester.path / f"url-{worker}.txt").read_text() for worker in ("gw0", "gw1")}
    names = {worker: sa.make_url(url).database or "" for worker, url in urls.items()}
    assert names["gw0"] != names["gw1"]
    if dialect_of(database_url) == "sqlite":
        assert names["gw0"].endswith("/migrations-gw0.sqlite")
        assert names["gw1"].endswith("/migrations-gw1.sqlite")
        return
    base = sa.make_url(database_url).database or ""
    for worker, name in names.items():
        assert name.startswith(f"{base[: 60 - 20]}"[:10])
        assert f"_{worker}_" in name
    admin = admin_engine(database_url)
    try:
        with admin.connect() as connection:
            if dialect_of(database_url) == "postgresql":
                query = "SELECT datname FROM pg_database"
            else:
                query = "SELECT schema_name FROM information_schema.schemata"
            existing = set(connection.scalars(sa.text(query)))
    finally:
        admin.dispose()
    assert not set(names.values()) & existing


def test_the_projects_own_suite_leaves_the_plugin_off() -> None:
    # Neither the project's pytest configuration nor a conftest.py of its suite names an app:
    # the plugin stays inert for the project's own tests (example_app has its own pytest.ini).
    from tests.builder import ROOT

    pyproject = (ROOT / "pyproject.toml").read_text()
    section = pyproject.split("[tool.pytest.ini_options]", 1)[1].split("\n[", 1)[0]
    assert "addopts" in section and "migrations_" not in section
    conftests = sorted((ROOT / "tests").rglob("conftest.py"))
    assert conftests and not [p for p in conftests if "migrations_app" in p.read_text()]


def test_the_ready_made_tests_spread_over_xdist_workers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each starts from an emptied database of its worker's own: any split works.
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    fixture_conftest(pytester.path)
    configure(pytester, None)
    result = run(pytester, monkeypatch, "-n", "2", "-v")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*6 passed*"])
    workers = {
        line.split("]")[0]
        for line in result.outlines
        if line.startswith("[gw") and "PASSED migrations::test_" in line
    }
    assert len(workers) == 2, result.stdout.str()


def test_a_fixture_in_a_subfolders_conftest(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ready-made tests are placed under that conftest.py's folder, where its fixture is.
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    (pytester.path / "tests").mkdir()
    fixture_conftest(pytester.path / "tests")
    (pytester.path / "tests" / "test_it.py").write_text(
        "def test_it(migrator):\n    migrator.migrate_to('head')\n"
    )
    configure(pytester, None, migrations_tests="upgrade")
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["migrations::test_upgrade PASSED*", "*2 passed*"])


def test_settings_that_cannot_work_are_one_sentence(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    configure(pytester, None, migrations_app="nowhere:create_app", migrations_tests="upgrade")
    result = run(pytester, monkeypatch)
    result.stdout.fnmatch_lines(
        ["migrations_app 'nowhere:create_app': cannot import nowhere (No module named 'nowhere')."]
    )
    configure(pytester, None, migrations_app="app", migrations_tests="upgrade")
    result = run(pytester, monkeypatch)
    result.stdout.fnmatch_lines(
        [
            "migrations_app is 'app'; write it as 'package.module:create_app' or "
            "'package.module:app'."
        ]
    )
    configure(
        pytester,
        "sqlite:///elsewhere.db",
        migrations_app="app:create_app",
        migrations_tests="upgrade",
    )
    result = run(pytester, monkeypatch)
    result.stdout.fnmatch_lines(
        [
            "migrations_database_url names a sqlite database; give a PostgreSQL or "
            "MySQL/MariaDB server URL (leave it unset for SQLite)."
        ]
    )
    assert result.ret == 1
