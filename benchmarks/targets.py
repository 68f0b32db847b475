"""Targets at scale: ``flask db upgrade --all-targets`` on many PostgreSQL schemas (or SQLite
files), beside a shell loop that runs ``flask db upgrade`` once per target.

Run by hand (it takes minutes)::

    python3 benchmarks/targets.py --url postgresql+psycopg://postgres@127.0.0.1/test
    python3 benchmarks/targets.py --sqlite --threads --jobs 1,2

With ``--url`` it creates a database of its own on that server (dropped at the end) and a
project whose targets are ``--schemas`` schemas; with ``--sqlite`` the targets are as many
SQLite files, so that no server takes part and what is measured is the command alone. The
folder has ``--revisions`` revisions (a table with an index each). It measures, each from
base:

* ``loop``: ``flask db upgrade`` once per target, as a deployment without targets does it
  (the app reads the schema from ``TENANT_SCHEMA``: its version table there, and
  ``search_path`` set to it; or its SQLite file from ``TENANT_URL``), for the first
  ``--loop-sample`` targets only; the time for every target is extrapolated from them;
* ``-j N`` for each N of ``--jobs``: one ``flask db upgrade --all-targets -j N``; with
  ``--threads``, the same again with the workers kept as threads of one process (as where
  processes cannot be forked), for comparison.

Each command runs through a small parent that reports its children's peak resident memory
(``ru_maxrss``, the largest of its processes) and CPU time. Beside it the machine's busy
time is read from ``/proc/stat`` (Linux): what is not the command's own CPU is the database
server's (its backends, its background writers and the kernel work of its files), the
"server CPU". The table is printed in Markdown, followed by the bound that server CPU sets
when targets run at once: with the command costing nothing, such a run could not be faster
per target than the server CPU spread over every core.
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
from collections.abc import Callable
from dataclasses import dataclass
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


def tenants():
    return {targets}


def create_app():
    app = Flask(__name__)
    # A loop's run on one SQLite tenant names its file in TENANT_URL.
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("TENANT_URL", {url!r})
    schema = os.environ.get("TENANT_SCHEMA")
    options = {{}}
    if schema:  # one schema per run, the way a loop over the tenants does it
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {{
            "connect_args": {{"options": f"-csearch_path={{schema}}"}}
        }}
        options["version_table_schema"] = schema
    elif "TENANT_URL" not in os.environ:
        options["targets"] = tenants
    db.init_app(app)
    Migrate(app, db, **options)
    return app
"""

# The PostgreSQL schemas t0000, t0001, ... or, with --sqlite, a SQLite file each.
SCHEMAS = '[f"t{{n:04}}" for n in range({count})]'
FILES = '{{f"t{{n:04}}": f"sqlite:///{folder}/t{{n:04}}.db" for n in range({count})}}'

# ``flask`` with its workers kept as threads of one process (the comparison row).
THREADS = """\
import sys
from flask.cli import main
import flask_migrate_lite.commands.on_targets as on_targets
on_targets.worker_processes = lambda jobs: 1
sys.argv[0] = "flask"
main()
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

# Runs one command; prints its children's peak RSS (KiB) and CPU seconds on its last line.
MEASURE = """\
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(used.ru_maxrss, used.ru_utime + used.ru_stime)
sys.exit(code)
"""


def _project(folder: Path, url: str, count: int, revisions: int, tenants: Path | None) -> None:
    """The app and its folder; ``tenants``: the folder of SQLite tenants (else schemas)."""
    if tenants is None:
        targets = SCHEMAS.format(count=count)
    else:
        targets = FILES.format(folder=tenants, count=count)
    (folder / "app.py").write_text(APP.format(url=url, targets=targets))
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


def _busy() -> float:
    """CPU seconds the whole machine has spent busy so far (0.0 where /proc is missing)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle, iowait = fields[3], fields[4]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle - iowait) / ticks


@dataclass
class Measured:
    """One measured command (or a loop's sum of them)."""

    seconds: float = 0.0
    peak_kib: int = 0
    client_cpu: float = 0.0
    machine_cpu: float = 0.0

    def add(self, other: Measured) -> None:
        self.seconds += other.seconds
        self.peak_kib = max(self.peak_kib, other.peak_kib)
        self.client_cpu += other.client_cpu
        self.machine_cpu += other.machine_cpu

    @property
    def server_cpu(self) -> float:
        return max(0.0, self.machine_cpu - self.client_cpu)


def _measured(
    folder: Path, args: list[str], *, threads: bool = False, env: dict[str, str] | None = None
) -> Measured:
    """Time, peak RSS and CPU of ``flask --app app <args>`` (``threads``: workers kept as
    threads of the one process; ``env``: added to the environment)."""
    flask = ["-c", THREADS] if threads else ["-m", "flask"]
    busy = _busy()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, *flask, "--app", "app", *args],
        cwd=folder,
        env=_env(**(env or {})),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    machine = _busy() - busy
    if proc.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    rss, cpu = proc.stdout.split()[-2:]
    return Measured(seconds, int(rss), float(cpu), machine)


def _reset(engine: sa.Engine, count: int) -> None:
    """Every schema empty, and the files of the dropped tables gone before the next run
    (PostgreSQL removes them at its next checkpoint, which would land in the measurement)."""
    with engine.connect() as connection:
        for n in range(count):
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS t{n:04} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA t{n:04}")
        try:
            connection.exec_driver_sql("CHECKPOINT")
        except sa.exc.DBAPIError:
            pass  # not allowed for this user: the runs are measured all the same


def _per_schema(seconds: float, count: int) -> str:
    return f"{seconds / count * 1000:.0f} ms"


def _report(args: argparse.Namespace, rows: list[tuple[str, Measured, int, str]]) -> None:
    cores = os.cpu_count() or 1
    kind = "SQLite files" if args.sqlite else "PostgreSQL schemas"
    print(
        textwrap.dedent(
            f"""\
            {args.schemas} {kind} x {args.revisions} revisions, {cores} cores

            | run | wall time | per target | vs loop | command CPU | server CPU | peak RSS | note |
            | --- | --- | --- | --- | --- | --- | --- | --- |"""
        )
    )
    loop = rows[0][1]
    loop_per_schema = loop.seconds / rows[0][2]
    for label, measured, count, note in rows:
        per_schema = measured.seconds / count
        print(
            f"| {label} | {per_schema * args.schemas:.1f} s"
            f" | {_per_schema(measured.seconds, count)}"
            f" | {loop_per_schema / per_schema:.1f}x"
            f" | {_per_schema(measured.client_cpu, count)}"
            f" | {_per_schema(measured.server_cpu, count)}"
            f" | {measured.peak_kib / 1024:.0f} MiB | {note} |"
        )
    # The bound: the server's CPU for a target while targets run at once, spread over every
    # core, the command free. (One session alone costs the server less: see the -j 1 row.)
    parallel = [m.server_cpu / count for label, m, count, _ in rows[1:] if label != "-j 1"]
    server = min(parallel) if parallel else 0.0
    if server > 0 and not args.sqlite:
        floor = server / cores
        print(
            f"\nServer CPU per target with targets at once (the least of those runs):"
            f" {server * 1000:.0f} ms; on {cores} cores no such run can take less than"
            f" {floor * 1000:.0f} ms per target, {loop_per_schema / floor:.1f}x the loop,"
            " however cheap the command."
        )
    json.dump(
        [
            {
                "run": label,
                "seconds": measured.seconds / count * args.schemas,
                "peak_kib": measured.peak_kib,
                "command_cpu_per_target": measured.client_cpu / count,
                "server_cpu_per_target": measured.server_cpu / count,
            }
            for label, measured, count, _ in rows
        ],
        sys.stderr,
    )
    sys.stderr.write("\n")


def _runs(
    args: argparse.Namespace,
    folder: Path,
    reset: Callable[[], None],
    loop_env: Callable[[int], dict[str, str]],
) -> list[tuple[str, Measured, int, str]]:
    """The loop on a sample, then one run on targets for each -j (and, with --threads, the
    same with the workers kept as threads)."""
    rows: list[tuple[str, Measured, int, str]] = []
    sample = min(args.loop_sample, args.schemas)
    reset()
    loop = Measured()
    for n in range(sample):
        loop.add(_measured(folder, ["db", "upgrade"], env=loop_env(n)))
    rows.append(("loop", loop, sample, f"measured on {sample} targets, extrapolated"))
    for jobs in [int(j) for j in args.jobs.split(",")]:
        kinds = [False, True] if args.threads and jobs > 1 else [False]
        for threads in kinds:
            reset()
            command = ["db", "upgrade", "--all-targets", "-j", str(jobs)]
            measured = _measured(folder, command, threads=threads)
            label = f"-j {jobs} (threads)" if threads else f"-j {jobs}"
            rows.append((label, measured, args.schemas, "measured"))
    return rows


def _on_sqlite(args: argparse.Namespace) -> list[tuple[str, Measured, int, str]]:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "project"
        tenants = Path(work) / "tenants"
        folder.mkdir()
        tenants.mkdir()
        _project(folder, f"sqlite:///{work}/app.db", args.schemas, args.revisions, tenants)

        def reset() -> None:
            for path in tenants.iterdir():
                path.unlink()

        def loop_env(n: int) -> dict[str, str]:
            return {"TENANT_URL": f"sqlite:///{tenants}/t{n:04}.db"}

        return _runs(args, folder, reset, loop_env)


def _on_postgresql(args: argparse.Namespace) -> list[tuple[str, Measured, int, str]]:
    base = sa.make_url(args.url)
    name = f"fml_bench_targets_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.set(database=name)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with tempfile.TemporaryDirectory() as work:
            folder = Path(work)
            rendered = url.render_as_string(hide_password=False)
            _project(folder, rendered, args.schemas, args.revisions, None)
            return _runs(
                args,
                folder,
                lambda: _reset(engine, args.schemas),
                lambda n: {"TENANT_SCHEMA": f"t{n:04}"},
            )
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a PostgreSQL URL (its server is used)")
    where.add_argument(
        "--sqlite", action="store_true", help="SQLite files as the targets (no server)"
    )
    parser.add_argument("--schemas", type=int, default=1000, help="how many targets")
    parser.add_argument("--revisions", type=int, default=20)
    parser.add_argument("--loop-sample", type=int, default=50)
    parser.add_argument("--jobs", default="1,8", help="comma-separated worker counts")
    parser.add_argument(
        "--threads",
        action="store_true",
        help="also run each -j above 1 with its workers as threads of one process",
    )
    args = parser.parse_args()
    rows = _on_sqlite(args) if args.sqlite else _on_postgresql(args)
    _report(args, rows)


if __name__ == "__main__":
    main()
