"""The pytest plugin's up-down-up test against a plain upgrade and downgrade of the same history.

```sh
python3 benchmarks/plugin.py [--revisions 200] [--runs 3] \
    [--postgresql postgresql+psycopg://postgres@127.0.0.1/test] \
    [--mysql mysql+pymysql://root@127.0.0.1/test]
```

A generated project (``projects.ddl_history``: every fourth revision creates a table, the
others add a column in batch mode) is run in-process on SQLite, and on each server given (in
a database of its own, dropped at the end). "plain" is ``upgrade`` to head then
``downgrade base`` (the command functions, as ``flask db`` runs them); "up-down-up" is the
plugin's ``test_up_down_up`` (each revision upgraded, downgraded and upgraded again, the
schema read and compared around each step). Each is run ``--runs`` times; the medians and
their ratio are printed (and with ``--json``, written as JSON).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from flask import Flask  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from projects import ddl_history, write_revisions  # noqa: E402

from flask_migrate_lite import Migrate, downgrade, init, upgrade  # noqa: E402
from flask_migrate_lite.testing.checks import Settings, check_up_down_up  # noqa: E402
from flask_migrate_lite.testing.database import ThrowAway, empty_database  # noqa: E402
from flask_migrate_lite.testing.migrator import Migrator  # noqa: E402


def make_app(url: str, folder: Path) -> Flask:
    app = Flask("bench_plugin")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db = SQLAlchemy(app)
    Migrate(app, db, directory=str(folder))
    return app


def make_folder(work: Path, revisions: int) -> Path:
    folder = work / "migrations"
    app = make_app(f"sqlite:///{work / 'init.db'}", folder)
    with app.app_context():
        init(str(folder))
    write_revisions(folder / "versions", ddl_history(revisions))
    return folder


def _empty(app: Flask) -> None:
    with app.app_context():
        from flask_migrate_lite.appstate import app_state

        with app_state().default_database().connect() as connection:
            empty_database(connection)


def plain(app: Flask) -> float:
    _empty(app)
    with app.app_context():
        started = time.perf_counter()
        upgrade(report=lambda line: None)
        downgrade(revision="base", report=lambda line: None)
        return time.perf_counter() - started


def up_down_up(app: Flask) -> float:
    started = time.perf_counter()
    migrator = Migrator(app)
    try:
        check_up_down_up(migrator, Settings())
    finally:
        migrator.close()
    return time.perf_counter() - started


def measure(name: str, url: str, folder: Path, runs: int) -> dict[str, object]:
    app = make_app(url, folder)
    plain(app)  # warm-up: imports, file loading
    plains, checks = [], []
    for _ in range(runs):
        plains.append(plain(app))
        checks.append(up_down_up(app))
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    first, second = statistics.median(plains), statistics.median(checks)
    return {
        "database": name,
        "plain_s": round(first, 3),
        "up_down_up_s": round(second, 3),
        "ratio": round(second / first, 2),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgresql", help="a PostgreSQL server URL")
    parser.add_argument("--mysql", help="a MySQL/MariaDB server URL")
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        folder = make_folder(work, args.revisions)
        targets = [("sqlite", None)]
        targets += [
            (name, url)
            for name, url in (("postgresql", args.postgresql), ("mysql", args.mysql))
            if url
        ]
        for name, server in targets:
            database = ThrowAway(server, work)
            url = database.create()
            try:
                results.append(measure(name, url, folder, args.runs))
            finally:
                database.drop()
    print(f"{args.revisions} revisions, median of {args.runs} runs")
    print(f"{'database':<12} {'plain (s)':>10} {'up-down-up (s)':>15} {'ratio':>6}")
    for row in results:
        print(
            f"{row['database']:<12} {row['plain_s']:>10} {row['up_down_up_s']:>15} "
            f"{row['ratio']:>6}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
