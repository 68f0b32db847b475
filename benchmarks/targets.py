"""Targets at scale: ``flask db upgrade --all-targets`` on many PostgreSQL schemas, beside a
shell loop that runs ``flask db upgrade`` once per schema.

Run by hand (it takes minutes)::

    python3 benchmarks/targets.py --url postgresql+psycopg://postgres@127.0.0.1/test

It creates a database of its own on that server (dropped at the end), a project whose
targets are ``--schemas`` schemas and a folder of ``--revisions`` revisions (a table with an
index each), then measures, each from base:

* ``loop``: ``flask db upgrade`` once per schema, as a deployment without targets does it
  (the app reads the schema from ``TENANT_SCHEMA``: its version table there, and
  ``search_path`` set to it), for the first ``--loop-sample`` schemas only; the time for
  every schema is extrapolated from them (the time per schema times the count);
* ``-j N`` for each N of ``--jobs``: one ``flask db upgrade --all-targets -j N``.

Each command runs through a small parent that reports its children's peak resident memory
(``ru_maxrss``). The table is printed in Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent

APP = """\
import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import Migrate

db = SQLAlchemy()


def tenant_schemas():
    return [f"t{{n:04}}" for n in range({count})]


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = {url!r}
    schema = os.environ.get("TENANT_SCHEMA")
    options = {{}}
    if schema:  # one schema per run, the way a loop over the tenants does it
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {{
            "connect_args": {{"options": f"-csearch_path={{schema}}"}}
        }}
        options["version_table_schema"] = schema
    else:
        options["targets"] = tenant_schemas
    db.init_app(app)
    Migrate(app, db, **options)
    return app
"""

REVISION = '''\
"""step {n}

Revision ID: {rev}
Revises: {down}
Create Date: 2026-01-01 00:00:00.000000

"""
from flask_migrate_lite import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down_value!r}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "t{n}",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created", sa.DateTime),
    )
    op.create_index("ix_t{n}_name", "t{n}", ["name"])


def downgrade():
    op.drop_table("t{n}")
'''

# Runs one command and prints its children's peak RSS (KiB) on its last line.
MEASURE = """\
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def _project(folder: Path, url: str, count: int, revisions: int) -> None:
    (folder / "app.py").write_text(APP.format(url=url, count=count))
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "init"],
        cwd=folder,
        env=_env(),
        check=True,
        capture_output=True,
    )
    down = None
    for n in range(revisions):
        rev = f"{n + 1:012x}"
        (folder / "migrations" / "versions" / f"{rev}_step.py").write_text(
            REVISION.format(n=n, rev=rev, down=down or "", down_value=down)
        )
        down = rev


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _measured(folder: Path, args: list[str], **env: str) -> tuple[float, int]:
    """Seconds and the peak RSS (KiB) of ``flask --app app <args>``."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=folder,
        env=_env(**env),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return seconds, int(proc.stdout.split()[-1])


def _reset(engine: sa.Engine, count: int) -> None:
    with engine.connect() as connection:
        for n in range(count):
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS t{n:04} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA t{n:04}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL URL (its server is used)")
    parser.add_argument("--schemas", type=int, default=1000)
    parser.add_argument("--revisions", type=int, default=20)
    parser.add_argument("--loop-sample", type=int, default=50)
    parser.add_argument("--jobs", default="1,8", help="comma-separated worker counts")
    args = parser.parse_args()
    base = sa.make_url(args.url)
    name = f"fml_bench_targets_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.set(database=name)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as work:
            folder = Path(work)
            _project(
                folder, url.render_as_string(hide_password=False), args.schemas, args.revisions
            )
            sample = min(args.loop_sample, args.schemas)
            _reset(engine, args.schemas)
            total, peak = 0.0, 0
            for n in range(sample):
                seconds, rss = _measured(folder, ["db", "upgrade"], TENANT_SCHEMA=f"t{n:04}")
                total += seconds
                peak = max(peak, rss)
            loop = total / sample * args.schemas
            rows.append(("loop", loop, peak, f"measured on {sample} schemas, extrapolated"))
            for jobs in [int(j) for j in args.jobs.split(",")]:
                _reset(engine, args.schemas)
                seconds, rss = _measured(
                    folder, ["db", "upgrade", "--all-targets", "-j", str(jobs)]
                )
                rows.append((f"-j {jobs}", seconds, rss, "measured"))
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    print(
        textwrap.dedent(
            f"""\
            {args.schemas} schemas x {args.revisions} revisions, PostgreSQL, {os.cpu_count()} cores

            | run | wall time | per schema | vs loop | peak RSS | note |
            | --- | --- | --- | --- | --- | --- |"""
        )
    )
    loop_seconds = rows[0][1]
    for label, seconds, rss, note in rows:
        print(
            f"| {label} | {seconds:.1f} s | {seconds / args.schemas * 1000:.0f} ms | "
            f"{loop_seconds / seconds:.1f}x | {rss / 1024:.0f} MiB | {note} |"
        )
    json.dump(
        [{"run": r[0], "seconds": r[1], "peak_kib": r[2]} for r in rows],
        sys.stderr,
    )
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
