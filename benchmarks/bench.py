#!/usr/bin/env python3
"""Time flask-migrate-lite's ``flask db`` commands against Flask-Migrate's on the same projects.

    python3 benchmarks/bench.py [--quick] [--runs N] [--postgresql URL] [--mysql URL]
                                [--only SCENARIO ...] [--theirs-python PATH] [--work DIR]

"ours" runs in the current interpreter (flask-migrate-lite installed with ``pip install -e .``);
"theirs" runs Flask-Migrate + Alembic in a virtualenv made once under ``benchmarks/.work/``.
Every measurement is one ``flask --app app ...`` subprocess: wall-clock time, and peak RSS of the
child from ``os.wait4``. See benchmarks/README.md for the scenarios and how to read the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import projects  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LAUNCHER = HERE / "launch.py"
DEFAULT_WORK = HERE / ".work"
VENV_PACKAGES = ["flask-migrate", "alembic", "flask-sqlalchemy", "psycopg[binary]", "pymysql"]
TOOLS = ("ours", "theirs")
RUN_TIMEOUT = 900.0
EXIT_NO_THEIRS = 3

# Tables the benchmark creates in a server database (and drops again before using it).
BENCH_TABLE = re.compile(r"^(table_\d{4}|step_\d{4}|alembic_version)$")
REVISION_ID = re.compile(r"\b[0-9a-f]{12}\b")


# --- sizes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    linear: int
    linear_long: int
    branchy: int
    ddl: int
    check_small: int
    check_large: int
    migrate: int


FULL = Sizes(
    linear=1000,
    linear_long=5000,
    branchy=1000,
    ddl=200,
    check_small=50,
    check_large=200,
    migrate=200,
)
QUICK = Sizes(linear=10, linear_long=30, branchy=40, ddl=8, check_small=3, check_large=6, migrate=6)


# --- running one command -----------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    maxrss_kib: int
    returncode: int
    stdout: str
    stderr: str
    after_load: float | None = None  # seconds from the app loaded to the end (launch.py)


def _maxrss_kib(ru_maxrss: int) -> int:
    return ru_maxrss // 1024 if sys.platform == "darwin" else ru_maxrss  # bytes on macOS


def measure(cmd: Sequence[str], cwd: Path, env: dict[str, str], scratch: Path) -> Run:
    """Run ``cmd`` once; wall-clock time and the child's own peak RSS (``os.wait4``)."""
    scratch.mkdir(parents=True, exist_ok=True)
    out_path, err_path = scratch / "stdout.txt", scratch / "stderr.txt"
    timing = scratch / "after-load.txt"
    timing.unlink(missing_ok=True)
    env = dict(env, BENCH_TIMING_FILE=str(timing))
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        timer = threading.Timer(RUN_TIMEOUT, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        seconds,
        _maxrss_kib(usage.ru_maxrss),
        proc.returncode,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
        float(timing.read_text()) if timing.exists() else None,
    )


def failure_line(run: Run) -> str:
    """The line that says what went wrong: an error line, else the first line of stderr."""
    lines = [line.strip() for line in run.stderr.splitlines() if line.strip()]
    if not lines:
        lines = [line.strip() for line in run.stdout.splitlines() if line.strip()]
    if not lines:
        return f"exit status {run.returncode}"
    raised = [line for line in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception): ", line)]
    if raised:
        return raised[-1]  # the exception a traceback ended with
    said = [
        line
        for line in lines
        if re.match(r"^(Error|ERROR|FAILED)\b", line) and not line.endswith(":")
    ]
    if said:
        return said[0]
    return lines[0]


# --- tools -------------------------------------------------------------------------------------


@dataclass
class Tool:
    name: str
    python: str
    env: dict[str, str]
    versions: dict[str, str] = field(default_factory=dict)


def base_env() -> dict[str, str]:
    # Bytecode is written as in a normal install: an installed package has its .pyc files,
    # and so does this checkout after the warm-up run (PYTHONDONTWRITEBYTECODE would make
    # every run of "ours" recompile its modules while "theirs" reads pip's .pyc files).
    drop = {
        "PYTHONPATH",
        "DATABASE_URL",
        "MIGRATIONS_DIRECTORY",
        "VIRTUAL_ENV",
        "PYTHONDONTWRITEBYTECODE",
    }
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLASK_", "BENCH_")) and k not in drop
    }


def _can_import(python: str, module: str, env: dict[str, str]) -> bool:
    # Not from the checkout's folder, where the package would import without being installed.
    proc = subprocess.run(
        [python, "-c", f"import {module}"], env=env, capture_output=True, cwd=tempfile.gettempdir()
    )
    return proc.returncode == 0


def _versions(python: str, env: dict[str, str], names: Sequence[str]) -> dict[str, str]:
    code = (
        "import json, platform, sys\n"
        "from importlib import metadata\n"
        "found = {'python': platform.python_version()}\n"
        f"for name in {list(names)!r}:\n"
        "    try:\n"
        "        found[name] = metadata.version(name)\n"
        "    except metadata.PackageNotFoundError:\n"
        "        pass\n"
        "print(json.dumps(found))\n"
    )
    proc = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True)
    return json.loads(proc.stdout) if proc.returncode == 0 else {}


def ours_tool(python: str) -> Tool:
    env = base_env()
    if not _can_import(python, "flask_migrate_lite", env):
        env["PYTHONPATH"] = str(ROOT)  # not installed: use the checkout
        print(f"flask_migrate_lite is not installed in {python}; using {ROOT}", file=sys.stderr)
    names = ["flask-migrate-lite", "flask", "flask-sqlalchemy", "sqlalchemy"]
    return Tool("ours", python, env, _versions(python, env, names))


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(work: Path) -> str:
    """The Flask-Migrate virtualenv's interpreter, creating the virtualenv on first use."""
    venv = work / "venv-flask-migrate"
    ready = venv / ".bench-ready"
    python = venv_python(venv)
    if ready.exists() and python.exists():
        return str(python)
    if venv.exists():
        shutil.rmtree(venv)
    print(f"creating the Flask-Migrate virtualenv in {venv} ...", file=sys.stderr)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        + VENV_PACKAGES,
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            print(
                "could not create the Flask-Migrate virtualenv (is the network reachable?):\n  "
                + "\n  ".join(detail)
                + "\npass --theirs-python PATH to use an interpreter with Flask-Migrate instead.",
                file=sys.stderr,
            )
            shutil.rmtree(venv, ignore_errors=True)
            raise SystemExit(EXIT_NO_THEIRS)
    ready.write_text(" ".join(VENV_PACKAGES) + "\n")
    return str(python)


def theirs_tool(python: str) -> Tool:
    env = base_env()
    if not _can_import(python, "flask_migrate", env):
        print(f"{python} cannot import flask_migrate", file=sys.stderr)
        raise SystemExit(EXIT_NO_THEIRS)
    names = ["flask-migrate", "alembic", "flask", "flask-sqlalchemy", "sqlalchemy"]
    return Tool("theirs", python, env, _versions(python, env, names))


def flask_cmd(tool: Tool, *args: str) -> list[str]:
    # launch.py is `python -m flask` plus a note of the time spent after loading the app.
    return [tool.python, str(LAUNCHER), "--app", "app", *args]


def template_migrations(work: Path, theirs: Tool) -> Path:
    """A migrations folder made by Flask-Migrate's own ``flask db init`` (made once, cached)."""
    key = hashlib.sha1(theirs.python.encode()).hexdigest()[:8]
    base = work / f"init-template-{key}"
    migrations = base / "migrations"
    if (migrations / "env.py").exists() and (migrations / "alembic.ini").exists():
        return migrations
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    (base / "app.py").write_text(projects.app_source("theirs"))
    (base / "models.py").write_text(projects.models_source(1))
    proc = subprocess.run(
        flask_cmd(theirs, "db", "init"), cwd=base, env=theirs.env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"flask db init failed with Flask-Migrate:\n{proc.stderr}")
    return migrations


# --- server databases --------------------------------------------------------------------------


def reset_server(url: str) -> None:
    """Drop the tables this benchmark creates (and only those) from a server database."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        names = [n for n in sa.inspect(engine).get_table_names() if BENCH_TABLE.match(n)]
        if names:
            metadata = sa.MetaData()
            metadata.reflect(engine, only=names)
            metadata.drop_all(engine)
    finally:
        engine.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# --- scenarios ---------------------------------------------------------------------------------

Prepare = Callable[["Tool", Path], None]
Verify = Callable[["Tool", Path, Run], "str | None"]


@dataclass
class Scenario:
    key: str
    group: str
    label: str
    build: Callable[[], dict[str | None, Path]]  # writes the project folders, once
    args: Callable[[Tool, Path], list[str]]
    floor: bool = False  # a floor row: the columns are interpreters, not tools
    baseline: str | None = "db-help"  # added work = median minus this scenario's median
    setup: Callable[[dict[str, Tool], dict[str | None, Path]], None] | None = None
    prepare: Prepare | None = None  # before every run, untimed
    verify: Verify | None = None  # after every run: a reason when the output is wrong
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Measured:
    runs: list[Run] = field(default_factory=list)
    failed: str | None = None

    @property
    def times(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.runs and not self.failed else None

    @property
    def after_load(self) -> float | None:
        """Median seconds from the app loaded to the end of the command (see launch.py)."""
        found = [r.after_load for r in self.runs if r.after_load is not None]
        return statistics.median(found) if found and not self.failed else None


def _expect_ids(ids: Sequence[str]) -> Verify:
    wanted = set(ids)

    def verify(tool: Tool, path: Path, run: Run) -> str | None:
        missing = wanted - set(REVISION_ID.findall(run.stdout))
        if missing:
            return f"output lacks {len(missing)} of {len(wanted)} expected revision ids"
        return None

    return verify


def _sqlite_query(path: Path, sql: str) -> list[tuple[object, ...]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def _step_tables(path: Path) -> int:
    rows = _sqlite_query(
        path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'step_%'"
    )
    return int(str(rows[0][0]))


def build_scenarios(
    work: Path, sizes: Sizes, template: Path, args: argparse.Namespace
) -> list[Scenario]:
    root = work / "projects"
    scenarios: list[Scenario] = []
    built: dict[str, dict[str | None, Path]] = {}

    def project(
        name: str,
        tables: int,
        revisions: Callable[[], list[projects.Revision]],
        tools: Sequence[str | None] = TOOLS,
    ) -> Callable[[], dict[str | None, Path]]:
        def build() -> dict[str | None, Path]:
            if name not in built:
                built[name] = projects.write_project(
                    root / name, template, tables, revisions(), tools
                )
            return built[name]

        return build

    # help: the extension's load cost, over a floor without any extension.
    small = project("small", 3, lambda: projects.linear_history(3), (*TOOLS, None))
    scenarios.append(
        Scenario(
            "floor-help",
            "help",
            "floor: `flask --help`, same app without migration extension",
            small,
            lambda tool, path: ["--help"],
            floor=True,
            baseline=None,
        )
    )
    scenarios.append(
        Scenario(
            "db-help",
            "help",
            "`flask db --help`",
            small,
            lambda tool, path: ["db", "--help"],
            baseline="floor-help",
        )
    )

    # Read-only commands on long histories.
    histories = [
        ("linear", projects.linear_history(sizes.linear)),
        ("linear-long", projects.linear_history(sizes.linear_long)),
        ("branchy", projects.branchy_history(sizes.branchy)),
    ]
    for shape, revs in histories:
        heads = projects.heads_of(revs)
        description = f"{len(revs):,} linear revisions"
        if shape == "branchy":
            merges = sum(len(r.parents) > 1 for r in revs)
            description = f"branchy: {len(revs):,} revisions, {merges} merges, {len(heads)} heads"
        build = project(f"history-{shape}", 3, lambda revs=revs: revs)

        def setup_current(
            tools: dict[str, Tool], paths: dict[str | None, Path], heads: list[str] = heads
        ) -> None:
            for tool in TOOLS:
                projects.stamp_sqlite(paths[tool] / "app.db", heads)

        for command, verify in (
            ("heads", _expect_ids(heads)),
            ("history", _expect_ids([r.revision for r in revs])),
            ("current", _expect_ids(heads)),
        ):
            scenarios.append(
                Scenario(
                    f"{command}-{shape}",
                    command,
                    f"`flask db {command}`, {description}",
                    build,
                    lambda tool, path, command=command: ["db", command],
                    setup=setup_current,  # every command gets a database stamped at the heads
                    verify=verify,
                )
            )

    # upgrade / downgrade of real DDL on SQLite, and the floor for it.
    ddl_revisions = projects.ddl_history(sizes.ddl)
    ddl_head = ddl_revisions[-1].revision
    ddl_tables = sum(1 for kind, _, _ in projects.ddl_steps(sizes.ddl) if kind == "create_table")
    ddl_build = project("ddl", 1, lambda: ddl_revisions)
    template_db = work / "projects" / "ddl-upgraded.db"

    def fresh_db(tool: Tool, path: Path) -> None:
        (path / "app.db").unlink(missing_ok=True)

    def upgraded_db(tool: Tool, path: Path) -> None:
        shutil.copyfile(template_db, path / "app.db")

    def setup_downgrade(tools: dict[str, Tool], paths: dict[str | None, Path]) -> None:
        template_db.unlink(missing_ok=True)
        env = dict(tools["theirs"].env, BENCH_DATABASE_URL=sqlite_url(template_db))
        proc = subprocess.run(
            flask_cmd(tools["theirs"], "db", "upgrade"),
            cwd=paths["theirs"],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"preparing the upgraded database failed: {proc.stderr[-500:]}")

    def verify_upgraded(tool: Tool, path: Path, run: Run) -> str | None:
        version = _sqlite_query(path / "app.db", "SELECT version_num FROM alembic_version")
        if version != [(ddl_head,)] or _step_tables(path / "app.db") != ddl_tables:
            return f"database not at head after upgrade (version table: {version})"
        return None

    def verify_downgraded(tool: Tool, path: Path, run: Run) -> str | None:
        version = _sqlite_query(path / "app.db", "SELECT version_num FROM alembic_version")
        if version or _step_tables(path / "app.db"):
            return f"database not at base after downgrade (version table: {version})"
        return None

    scenarios.append(
        Scenario(
            "upgrade",
            "upgrade",
            f"`flask db upgrade`, {sizes.ddl} revisions of DDL on a fresh SQLite database",
            ddl_build,
            lambda tool, path: ["db", "upgrade"],
            prepare=fresh_db,
            verify=verify_upgraded,
        )
    )
    scenarios.append(
        Scenario(
            "downgrade",
            "downgrade",
            f"`flask db downgrade base`, the same {sizes.ddl} revisions back",
            ddl_build,
            lambda tool, path: ["db", "downgrade", "base"],
            setup=setup_downgrade,
            prepare=upgraded_db,
            verify=verify_downgraded,
        )
    )

    def build_ddl_floor() -> dict[str | None, Path]:
        paths = ddl_build()
        for path in paths.values():
            (path / "ddl_floor.py").write_text(projects.ddl_floor_source(sizes.ddl))
        return paths

    def verify_floor(tool: Tool, path: Path, run: Run) -> str | None:
        if _step_tables(path / "floor.db") != ddl_tables:
            return "floor script did not create every table"
        return None

    scenarios.append(
        Scenario(
            "floor-ddl",
            "ddl",
            f"floor: the same {sizes.ddl} DDL statements with SQLAlchemy, one transaction",
            build_ddl_floor,
            lambda tool, path: ["ddl_floor.py"],
            floor=True,
            baseline=None,
            prepare=lambda tool, path: (path / "floor.db").unlink(missing_ok=True),
            verify=verify_floor,
            env={"BENCH_DATABASE_URL": "@floor.db"},
        )
    )

    # check: models and database in sync, per dialect.
    dialects: list[tuple[str, str | None]] = [("sqlite", None)]
    if args.postgresql:
        dialects.append(("postgresql", args.postgresql))
    if args.mysql:
        dialects.append(("mysql", args.mysql))
    for size_name, tables in (("small", sizes.check_small), ("large", sizes.check_large)):
        initial = projects.initial_history(tables)
        build = project(f"check-{tables}", tables, lambda initial=initial: initial)
        # The baseline of "added work" is `flask db --help` of the same app: importing its
        # models costs both tools the same and is not the command's work.
        scenarios.append(
            Scenario(
                f"db-help-{size_name}",
                "check",
                f"`flask db --help` of the {tables}-table app (baseline of its check rows)",
                build,
                lambda tool, path: ["db", "--help"],
                baseline=None,
            )
        )
        for dialect, url in dialects:
            shared = work / "projects" / f"check-{tables}.db"
            db_url = url or sqlite_url(shared)

            def setup_check(
                tools: dict[str, Tool],
                paths: dict[str | None, Path],
                url: str | None = url,
                shared: Path = shared,
                db_url: str = db_url,
            ) -> None:
                if url:
                    reset_server(url)
                else:
                    shared.unlink(missing_ok=True)
                env = dict(tools["theirs"].env, BENCH_DATABASE_URL=db_url)
                proc = subprocess.run(
                    flask_cmd(tools["theirs"], "db", "upgrade"),
                    cwd=paths["theirs"],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if proc.returncode != 0:
                    raise RuntimeError(f"upgrading the database failed: {proc.stderr[-500:]}")

            baseline = f"db-help-{size_name}"
            if url:
                # Pointed at a server, the app imports that server's driver when it is built
                # (Flask-SQLAlchemy makes the engine then): start-up too, not the command's.
                baseline = f"db-help-{size_name}-{dialect}"
                scenarios.append(
                    Scenario(
                        baseline,
                        "check",
                        f"`flask db --help` of the {tables}-table app on {dialect} "
                        "(baseline of its check row)",
                        build,
                        lambda tool, path: ["db", "--help"],
                        env={"BENCH_DATABASE_URL": db_url},
                        baseline=None,
                    )
                )
            scenarios.append(
                Scenario(
                    f"check-{dialect}-{size_name}",
                    "check",
                    f"`flask db check`, {tables} tables in sync, {dialect}",
                    build,
                    lambda tool, path: ["db", "check"],
                    setup=setup_check,
                    env={"BENCH_DATABASE_URL": db_url},
                    baseline=baseline,
                )
            )

    # migrate: the first migration of a project with many models.
    def clean_versions(tool: Tool, path: Path) -> None:
        for file in (path / "migrations" / "versions").glob("*.py"):
            file.unlink()
        shutil.rmtree(path / "migrations" / "versions" / "__pycache__", ignore_errors=True)
        (path / "app.db").unlink(missing_ok=True)

    def verify_migrate(tool: Tool, path: Path, run: Run) -> str | None:
        written = list((path / "migrations" / "versions").glob("*.py"))
        if len(written) != 1:
            return f"expected one new revision file, found {len(written)}"
        text = written[0].read_text()
        if text.count("op.create_table(") != sizes.migrate:
            return f"the revision does not create the {sizes.migrate} tables"
        return None

    migrate_project = project("migrate", sizes.migrate, lambda: [])
    scenarios.append(
        Scenario(
            "db-help-migrate",
            "migrate",
            f"`flask db --help` of the {sizes.migrate}-table app (baseline of migrate)",
            migrate_project,
            lambda tool, path: ["db", "--help"],
            baseline=None,
        )
    )
    scenarios.append(
        Scenario(
            "migrate",
            "migrate",
            f"`flask db migrate`, first migration of {sizes.migrate} tables, SQLite",
            migrate_project,
            lambda tool, path: ["db", "migrate", "-m", "initial tables"],
            prepare=clean_versions,
            verify=verify_migrate,
            baseline="db-help-migrate",
        )
    )
    return scenarios


def select(scenarios: list[Scenario], only: Sequence[str] | None) -> list[Scenario]:
    if not only:
        return scenarios
    known = {s.key for s in scenarios} | {s.group for s in scenarios}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise SystemExit(
            f"unknown scenario(s): {', '.join(unknown)}; choose from: " + ", ".join(sorted(known))
        )
    wanted = [s for s in scenarios if s.key in only or s.group in only]
    # The baselines of "added work" are always measured.
    needed = {s.baseline for s in wanted if s.baseline}
    needed |= {s.baseline for s in scenarios if s.key in needed and s.baseline}
    return [s for s in scenarios if s in wanted or s.key in needed]


# --- the measuring loop ------------------------------------------------------------------------


def run_scenario(
    scenario: Scenario, tools: dict[str, Tool], runs: int, warmup: int, scratch: Path
) -> dict[str, Measured]:
    results = {name: Measured() for name in TOOLS}
    try:
        paths = scenario.build()
        if scenario.setup:
            scenario.setup(tools, paths)
    except Exception as exc:  # noqa: BLE001  (one broken scenario must not stop the others)
        reason = f"setup: {exc}".splitlines()[0]
        for measured in results.values():
            measured.failed = reason
        return results

    def once(name: str) -> Run | None:
        tool = tools[name]
        # Floors run in both interpreters; floor-help in the project without any extension.
        path = paths[None] if scenario.key == "floor-help" else paths[name]
        env = dict(tool.env)
        for k, v in scenario.env.items():
            env[k] = sqlite_url(path / v[1:]) if v.startswith("@") else v
        if scenario.prepare:
            scenario.prepare(tool, path)
        cmd = (
            [tool.python, *scenario.args(tool, path)]
            if scenario.key == "floor-ddl"
            else flask_cmd(tool, *scenario.args(tool, path))
        )
        run = measure(cmd, path, env, scratch / scenario.key / name)
        problem = failure_line(run) if run.returncode else None
        if problem is None and scenario.verify:
            problem = scenario.verify(tool, path, run)
        if problem:
            results[name].failed = problem
            return None
        return run

    for i in range(warmup + runs):
        for name in TOOLS:  # alternate: ours, theirs, ours, theirs, ...
            if results[name].failed:
                continue
            run = once(name)
            if run is not None and i >= warmup:
                results[name].runs.append(run)
    return results


# --- the table ---------------------------------------------------------------------------------


def fmt_time(seconds: float) -> str:
    if abs(seconds) >= 10:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.0f} ms"


def fmt_cell(measured: Measured) -> str:
    if measured.failed:
        text = measured.failed.replace("|", "\\|")
        return f"failed: {text[:90]}"
    if not measured.runs:
        return "–"
    times = measured.times
    med = statistics.median(times)
    if len(times) == 1:
        return fmt_time(med)
    return f"{fmt_time(med)} ({fmt_time(min(times))}–{fmt_time(max(times))})"


def fmt_optional(seconds: float | None) -> str:
    return "–" if seconds is None else fmt_time(seconds)


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or a < 0 or b <= 0:
        return "–"
    return f"{a / b:.2f}×"


def fmt_rss(measured: Measured) -> str:
    if measured.failed or not measured.runs:
        return "–"
    return f"{max(r.maxrss_kib for r in measured.runs) / 1024:.0f} MiB"


HEADER = (
    "| scenario | ours median (min–max) | theirs median (min–max) | ours/theirs "
    "| added work ours | added work theirs | added ours/theirs "
    "| after load ours | after load theirs | after load ours/theirs "
    "| peak RSS ours | peak RSS theirs |"
)


def table(scenarios: list[Scenario], results: dict[str, dict[str, Measured]]) -> str:
    lines = [HEADER, "|" + "---|" * (HEADER.count("|") - 1)]
    for scenario in scenarios:
        measured = results[scenario.key]
        ours, theirs = measured["ours"].median, measured["theirs"].median
        added: dict[str, float | None] = {}
        for name in TOOLS:
            base = results.get(scenario.baseline or "", {}).get(name)
            value = measured[name].median
            added[name] = (
                value - base.median
                if value is not None and base is not None and base.median is not None
                else None
            )
        cells = [
            f"`{scenario.key}` {scenario.label}",
            fmt_cell(measured["ours"]),
            fmt_cell(measured["theirs"]),
            fmt_ratio(ours, theirs),
            fmt_time(added["ours"]) if added["ours"] is not None else "–",
            fmt_time(added["theirs"]) if added["theirs"] is not None else "–",
            fmt_ratio(added["ours"], added["theirs"]),
            fmt_optional(measured["ours"].after_load),
            fmt_optional(measured["theirs"].after_load),
            fmt_ratio(measured["ours"].after_load, measured["theirs"].after_load),
            fmt_rss(measured["ours"]),
            fmt_rss(measured["theirs"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def describe(tools: dict[str, Tool], runs: int, warmup: int, quick: bool) -> str:
    def versions(tool: Tool) -> str:
        return ", ".join(f"{k} {v}" for k, v in tool.versions.items())

    return "\n".join(
        [
            f"# flask-migrate-lite vs Flask-Migrate — {dt.datetime.now():%Y-%m-%d %H:%M}",
            "",
            f"- ours: {versions(tools['ours'])} (`{tools['ours'].python}`)",
            f"- theirs: {versions(tools['theirs'])} (`{tools['theirs'].python}`)",
            f"- {platform.platform()}, {os.cpu_count()} CPUs; {runs} timed run(s) per tool "
            f"after {warmup} warm-up run(s), alternating ours/theirs"
            + (" — quick mode: tiny sizes, not meaningful numbers" if quick else ""),
            "- added work: median minus the same tool's `flask db --help` median on the same "
            "app (`db-help`, or `db-help-<size>` for the apps with many models, "
            "`db-help-<size>-<server>` when the app is pointed at a server; for `db-help`: "
            "minus the `floor-help` median of the same interpreter). "
            "Floor rows show each interpreter without any migration tool.",
            "- after load: median time from the app loaded (its models, engine and migration "
            "extension) to the end of the command, taken inside the process (launch.py); "
            "it leaves out start-up and its noise.",
            "",
            "",
        ]
    )


# --- command line ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and 1 run (for tests)")
    parser.add_argument("--runs", type=int, help="timed runs per tool and scenario (default 5)")
    parser.add_argument("--warmup", type=int, help="untimed runs first (default 1; 0 with --quick)")
    parser.add_argument("--postgresql", metavar="URL", help="also run `check` on this database")
    parser.add_argument("--mysql", metavar="URL", help="also run `check` on this MariaDB/MySQL")
    parser.add_argument("--only", nargs="+", metavar="SCENARIO", help="scenario keys or groups")
    parser.add_argument(
        "--theirs-python",
        metavar="PATH",
        help="interpreter with Flask-Migrate installed (default: a virtualenv under --work)",
    )
    parser.add_argument(
        "--ours-python", metavar="PATH", default=sys.executable, help="default: this interpreter"
    )
    parser.add_argument("--work", metavar="DIR", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.quick else 5
    if args.warmup is None:
        args.warmup = 0 if args.quick else 1
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    theirs_python = args.theirs_python or ensure_venv(work)
    # Compile this checkout's modules, as pip does for an installed package.
    subprocess.run(
        [args.ours_python, "-m", "compileall", "-q", str(ROOT / "flask_migrate_lite")],
        env=base_env(),
        check=False,
    )
    tools = {"ours": ours_tool(args.ours_python), "theirs": theirs_tool(theirs_python)}
    sizes = QUICK if args.quick else FULL
    template = template_migrations(work, tools["theirs"])
    scenarios = select(build_scenarios(work, sizes, template, args), args.only)

    results: dict[str, dict[str, Measured]] = {}
    for scenario in scenarios:
        print(f"- {scenario.key} ...", end="", file=sys.stderr, flush=True)
        started = time.perf_counter()
        results[scenario.key] = run_scenario(
            scenario, tools, args.runs, args.warmup, work / "output"
        )
        summary = "; ".join(f"{n}: {fmt_cell(results[scenario.key][n])}" for n in TOOLS)
        print(f" {time.perf_counter() - started:.0f} s — {summary}", file=sys.stderr)

    report = describe(tools, args.runs, args.warmup, args.quick) + table(scenarios, results) + "\n"
    print(report)
    (work / "results.md").write_text(report)
    raw = {
        key: {
            name: {
                "seconds": m.times,
                "maxrss_kib": [r.maxrss_kib for r in m.runs],
                "after_load_seconds": [r.after_load for r in m.runs],
                "failed": m.failed,
            }
            for name, m in measured.items()
        }
        for key, measured in results.items()
    }
    (work / "results.json").write_text(json.dumps(raw, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
