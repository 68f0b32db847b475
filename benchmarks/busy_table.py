#!/usr/bin/env python3
"""Measure how risky DDL stalls a busy table, in its plain and in its safe form.

    python3 benchmarks/busy_table.py [--postgresql URL] [--mysql URL] [--rows N]
                                     [--rate N] [--lock-timeouts 100,500,2000] [--hold S]

On each server it fills a table with ``--rows`` rows (1,000,000 by default) in a database of
its own (``busy_bench``), starts a writer process that runs one INSERT and one UPDATE after
another at a steady rate and records the latency of every statement, and then runs each risky
operation in its plain form and in its safe form while the writer runs. For each operation it
reports the writer's longest stall and p99 latency during the operation and the operation's
own duration. Then a long transaction holds a lock on the table while a migration statement
queues behind it, first without and then with a lock timeout: the writer's longest stall shows
the lock queue effect. Results go to stdout as a Markdown table and to ``--out`` as JSON.

Run by hand; it is not part of the test suite (a run takes minutes on a 1,000,000-row table).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

SCHEMA = "busy_bench"


# --- connections ---------------------------------------------------------------------------------


def connect(url: str, autocommit: bool = True) -> Any:
    """A DB-API connection from a SQLAlchemy-style URL, in the benchmark's own database."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "postgresql":
        import psycopg

        conn = psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname=parts.path.lstrip("/") or "postgres",
            autocommit=autocommit,
            options=f"-c search_path={SCHEMA},public",
        )
        return conn
    import pymysql

    conn = pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=SCHEMA,
        autocommit=autocommit,
    )
    return conn


def kind(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "mysql"


def run(conn: Any, *statements: str) -> None:
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


# --- the writer ----------------------------------------------------------------------------------


def writer_main(url: str, path: str, rate: float, stop: Any, rows: int) -> None:
    """Insert and update at ``rate`` statements per second; append ``start end`` per statement."""
    import random

    conn = connect(url)
    interval = 1.0 / rate
    rnd = random.Random(7)
    with open(path, "w", buffering=1) as out, conn.cursor() as cur:
        n = 0
        next_at = time.time()
        while not stop.is_set():
            if n % 2 == 0:
                sql = "INSERT INTO busy (account_id, amount, note) VALUES (%s, %s, 'w')"
                params: tuple[int, ...] = (rnd.randint(1, 1000), rnd.randint(1, 10**6))
            else:
                sql = "UPDATE busy SET amount = amount + 1 WHERE id = %s"
                params = (rnd.randint(1, rows),)
            start = time.time()
            try:
                cur.execute(sql, params)
                ok = 1
            except Exception:  # a statement that fails under DDL still counts as a stall
                ok = 0
            end = time.time()
            out.write(f"{start:.6f} {end:.6f} {ok}\n")
            n += 1
            next_at += interval
            delay = next_at - time.time()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.time()
    conn.close()


class Writer:
    def __init__(self, url: str, rate: float, rows: int) -> None:
        ctx = mp.get_context("spawn")
        fd, self.path = tempfile.mkstemp(prefix="busy-writer-", suffix=".log")
        os.close(fd)
        self.stop = ctx.Event()
        self.proc = ctx.Process(
            target=writer_main, args=(url, self.path, rate, self.stop, rows), daemon=True
        )

    def __enter__(self) -> Writer:
        self.proc.start()
        time.sleep(1.5)  # connected and steady
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.proc.join(30)
        if self.proc.is_alive():
            self.proc.kill()
        os.unlink(self.path)

    def window(self, t0: float, t1: float) -> list[float]:
        """Latencies (ms) of the statements that overlap [t0, t1]."""
        out = []
        with open(self.path) as fh:
            for line in fh:
                fields = line.split()
                if len(fields) != 3:
                    continue
                start, end = float(fields[0]), float(fields[1])
                if end >= t0 and start <= t1:
                    out.append((end - start) * 1000.0)
        return out


# --- measurements --------------------------------------------------------------------------------


@dataclass
class Row:
    database: str
    operation: str
    form: str
    sql: str
    duration_ms: float
    stall_ms: float
    p99_ms: float
    statements: int
    error: str = ""


def p99(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def measure(
    writer: Writer,
    url: str,
    database: str,
    operation: str,
    form: str,
    steps: Sequence[str],
    setup: Callable[[Any], None] | None = None,
    autocommit: bool = True,
) -> Row:
    conn = connect(url, autocommit=autocommit)
    if setup is not None:
        setup(conn)
    time.sleep(0.5)
    error = ""
    t0 = time.time()
    try:
        with conn.cursor() as cur:
            for sql in steps:
                cur.execute(sql)
        if not autocommit:
            conn.commit()
    except Exception as exc:
        error = str(exc).splitlines()[0][:120]
        try:
            conn.rollback()
        except Exception:
            pass
    t1 = time.time()
    conn.close()
    time.sleep(1.0)  # let the statements queued behind the DDL finish and be logged
    lat = writer.window(t0, t1)
    row = Row(
        database=database,
        operation=operation,
        form=form,
        sql=" ; ".join(steps),
        duration_ms=(t1 - t0) * 1000.0,
        stall_ms=max(lat, default=0.0),
        p99_ms=p99(lat),
        statements=len(lat),
        error=error,
    )
    print(
        f"  {operation:<28} {form:<26} {row.duration_ms:9.0f} ms  stall {row.stall_ms:8.1f}"
        f" ms  p99 {row.p99_ms:7.1f} ms  n={row.statements} {error}",
        flush=True,
    )
    return row


# --- the table -----------------------------------------------------------------------------------


def prepare_postgresql(url: str, rows: int) -> None:
    conn = connect(url)
    run(
        conn,
        f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE",
        f"CREATE SCHEMA {SCHEMA}",
        "CREATE TABLE accounts (id integer PRIMARY KEY, name varchar(40))",
        "INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 1000) g",
        "CREATE TABLE busy (id bigserial PRIMARY KEY, account_id integer NOT NULL,"
        " amount integer NOT NULL, note varchar(50), created timestamp DEFAULT now())",
        f"INSERT INTO busy (account_id, amount, note) SELECT 1 + g % 1000, g, 'n' || g"
        f" FROM generate_series(1, {rows}) g",
        "VACUUM ANALYZE busy",
    )
    conn.close()


def prepare_mysql(url: str, rows: int) -> None:
    parts = urlsplit(url)
    import pymysql

    root = pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        autocommit=True,
    )
    run(root, f"DROP DATABASE IF EXISTS {SCHEMA}", f"CREATE DATABASE {SCHEMA}")
    root.close()
    conn = connect(url)
    run(
        conn,
        "CREATE TABLE accounts (id integer PRIMARY KEY, name varchar(40)) ENGINE=InnoDB",
        "INSERT INTO accounts SELECT seq, CONCAT('a', seq) FROM seq_1_to_1000",
        "CREATE TABLE busy (id bigint AUTO_INCREMENT PRIMARY KEY, account_id integer NOT NULL,"
        " amount integer NOT NULL, note varchar(50), created timestamp DEFAULT"
        " CURRENT_TIMESTAMP) ENGINE=InnoDB",
        f"INSERT INTO busy (account_id, amount, note) SELECT 1 + seq % 1000, seq,"
        f" CONCAT('n', seq) FROM seq_1_to_{rows}",
        "ANALYZE TABLE busy",
    )
    conn.close()


# --- the operations ------------------------------------------------------------------------------


Case = tuple[str, str, list[str], list[str]]  # operation, form, steps, undo

PG_CASES: list[Case] = [
    (
        "index",
        "plain",
        ["CREATE INDEX ix_busy_account ON busy (account_id)"],
        ["DROP INDEX ix_busy_account"],
    ),
    (
        "index",
        "safe: CONCURRENTLY",
        ["CREATE INDEX CONCURRENTLY ix_busy_account ON busy (account_id)"],
        ["DROP INDEX ix_busy_account"],
    ),
    (
        "foreign key",
        "plain",
        [
            "ALTER TABLE busy ADD CONSTRAINT fk_busy_account FOREIGN KEY (account_id)"
            " REFERENCES accounts (id)"
        ],
        ["ALTER TABLE busy DROP CONSTRAINT fk_busy_account"],
    ),
    (
        "foreign key",
        "safe: NOT VALID + VALIDATE",
        [
            "SET lock_timeout = '2s'",
            "ALTER TABLE busy ADD CONSTRAINT fk_busy_account FOREIGN KEY (account_id)"
            " REFERENCES accounts (id) NOT VALID",
            "ALTER TABLE busy VALIDATE CONSTRAINT fk_busy_account",
        ],
        ["ALTER TABLE busy DROP CONSTRAINT fk_busy_account"],
    ),
    (
        "SET NOT NULL",
        "plain",
        ["ALTER TABLE busy ALTER COLUMN note SET NOT NULL"],
        ["ALTER TABLE busy ALTER COLUMN note DROP NOT NULL"],
    ),
    (
        "SET NOT NULL",
        "safe: validated CHECK first",
        [
            "SET lock_timeout = '2s'",
            "ALTER TABLE busy ADD CONSTRAINT ck_busy_note CHECK (note IS NOT NULL) NOT VALID",
            "ALTER TABLE busy VALIDATE CONSTRAINT ck_busy_note",
            "ALTER TABLE busy ALTER COLUMN note SET NOT NULL",
            "ALTER TABLE busy DROP CONSTRAINT ck_busy_note",
        ],
        ["ALTER TABLE busy ALTER COLUMN note DROP NOT NULL"],
    ),
    (
        "type change",
        "rewrite: integer to bigint",
        ["ALTER TABLE busy ALTER COLUMN amount TYPE bigint"],
        [],
    ),
    (
        "type change",
        "no rewrite: widen varchar",
        ["ALTER TABLE busy ALTER COLUMN note TYPE varchar(100)"],
        [],
    ),
    (
        "add column",
        "volatile default",
        ["ALTER TABLE busy ADD COLUMN token uuid DEFAULT gen_random_uuid()"],
        ["ALTER TABLE busy DROP COLUMN token"],
    ),
    (
        "add column",
        "no default (nullable)",
        ["ALTER TABLE busy ADD COLUMN token uuid"],
        ["ALTER TABLE busy DROP COLUMN token"],
    ),
]

MY_DROP_FK = [
    "ALTER TABLE busy DROP FOREIGN KEY fk_busy_account",
    "ALTER TABLE busy DROP INDEX fk_busy_account",
]

MY_CASES: list[Case] = [
    (
        "index",
        "plain",
        ["CREATE INDEX ix_busy_account ON busy (account_id)"],
        ["DROP INDEX ix_busy_account ON busy"],
    ),
    (
        "index",
        "safe: INPLACE, LOCK=NONE",
        ["ALTER TABLE busy ADD INDEX ix_busy_account (account_id), ALGORITHM=INPLACE, LOCK=NONE"],
        ["DROP INDEX ix_busy_account ON busy"],
    ),
    (
        "foreign key",
        "plain",
        [
            "ALTER TABLE busy ADD CONSTRAINT fk_busy_account FOREIGN KEY (account_id)"
            " REFERENCES accounts (id)"
        ],
        [
            "ALTER TABLE busy DROP FOREIGN KEY fk_busy_account",
            "ALTER TABLE busy DROP INDEX fk_busy_account",
        ],
    ),
    (
        "foreign key",
        "safe: checks off, INPLACE",
        [
            "SET SESSION foreign_key_checks = 0",
            "ALTER TABLE busy ADD CONSTRAINT fk_busy_account FOREIGN KEY (account_id)"
            " REFERENCES accounts (id), ALGORITHM=INPLACE, LOCK=NONE",
            "SET SESSION foreign_key_checks = 1",
        ],
        [
            "ALTER TABLE busy DROP FOREIGN KEY fk_busy_account",
            "ALTER TABLE busy DROP INDEX fk_busy_account",
        ],
    ),
    (
        "SET NOT NULL",
        "plain",
        ["ALTER TABLE busy MODIFY note varchar(50) NOT NULL"],
        ["ALTER TABLE busy MODIFY note varchar(50) NULL"],
    ),
    (
        "SET NOT NULL",
        "safe: INPLACE, LOCK=NONE",
        ["ALTER TABLE busy MODIFY note varchar(50) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE"],
        ["ALTER TABLE busy MODIFY note varchar(50) NULL"],
    ),
    (
        "type change",
        "rewrite: integer to bigint",
        ["ALTER TABLE busy MODIFY amount bigint NOT NULL"],
        [],
    ),
    (
        "type change",
        "no rewrite: widen varchar",
        ["ALTER TABLE busy MODIFY note varchar(60) NULL"],
        [],
    ),
    (
        "add column",
        "volatile default",
        ["ALTER TABLE busy ADD COLUMN token char(36) DEFAULT (UUID())"],
        ["ALTER TABLE busy DROP COLUMN token"],
    ),
    (
        "add column",
        "no default (nullable)",
        ["ALTER TABLE busy ADD COLUMN token char(36) NULL"],
        ["ALTER TABLE busy DROP COLUMN token"],
    ),
]


def undo(url: str, statements: Sequence[str]) -> None:
    conn = connect(url)
    for sql in statements:
        try:
            run(conn, sql)
        except Exception:
            pass
    conn.close()


# --- the lock queue ------------------------------------------------------------------------------


def lock_queue(
    writer: Writer, url: str, database: str, hold: float, timeouts_ms: Sequence[int]
) -> list[Row]:
    """A transaction holds a lock on ``busy`` for ``hold`` seconds; a cheap ALTER queues behind."""
    rows = []
    pg = database == "postgresql"
    ddl = "ALTER TABLE busy ADD COLUMN queued integer"
    for timeout in [0, *timeouts_ms]:
        blocker = connect(url, autocommit=False)
        run(blocker, "SELECT count(*) FROM busy WHERE id < 10")  # holds a shared lock till commit
        release = threading.Timer(hold, blocker.commit)
        release.start()
        time.sleep(0.3)
        if timeout == 0:
            steps = [ddl]
            form = "no lock timeout"
        elif pg:
            steps = [f"SET lock_timeout = {timeout}", ddl]
            form = f"lock_timeout {timeout} ms"
        else:
            seconds = max(1, -(-timeout // 1000))
            steps = [f"SET SESSION lock_wait_timeout = {seconds}", ddl]
            form = f"lock_wait_timeout {seconds} s"
        row = measure(writer, url, database, f"lock queue (held {hold:.0f} s)", form, steps)
        release.join()
        blocker.close()
        undo(url, ["ALTER TABLE busy DROP COLUMN queued"])
        rows.append(row)
    return rows


def upgrade_with_retries(
    writer: Writer, url: str, database: str, hold: float, timeout_ms: int, retries: int
) -> Row:
    """``flask db upgrade`` (in-process) of a revision adding a column while a blocker holds.

    The run's lock timeout makes each attempt give up after ``timeout_ms``; it retries with
    backoff (1, 2, 4 ... s) and gets through once the blocker commits after ``hold`` seconds.
    """
    import textwrap

    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_migrate_lite import Migrate, commands

    parts = urlsplit(url)
    if database == "postgresql":
        sa_url = f"postgresql+psycopg://{parts.netloc}{parts.path}?options=-csearch_path%3D{SCHEMA}"
    else:
        sa_url = f"mysql+pymysql://{parts.netloc}/{SCHEMA}"
    folder = tempfile.mkdtemp(prefix="busy-migrations-")
    app = Flask("busy_table")
    app.config["SQLALCHEMY_DATABASE_URI"] = sa_url
    app.config["MIGRATE_DDL_LOCK_TIMEOUT"] = timeout_ms
    db = SQLAlchemy(app)
    Migrate(app, db, directory=folder, ddl_lock_retries=retries)
    with app.app_context():
        commands.init(directory=folder)
        with open(os.path.join(folder, "versions", "b0b0b0b0b0b0_queued.py"), "w") as fh:
            fh.write(
                textwrap.dedent(
                    """\
                    from flask_migrate_lite import op
                    import sqlalchemy as sa

                    revision = "b0b0b0b0b0b0"
                    down_revision = None
                    branch_labels = None
                    depends_on = None


                    def upgrade():
                        op.add_column("busy", sa.Column("queued", sa.Integer))


                    def downgrade():
                        op.drop_column("busy", "queued")
                    """
                )
            )
        blocker = connect(url, autocommit=False)
        run(blocker, "SELECT count(*) FROM busy WHERE id < 10")
        release = threading.Timer(hold, blocker.commit)
        release.start()
        time.sleep(0.3)
        error = ""
        t0 = time.time()
        try:
            commands.upgrade(directory=folder)
        except Exception as exc:
            error = str(exc)[:120]
        t1 = time.time()
        release.join()
        blocker.close()
        db.engine.dispose()
    time.sleep(1.0)
    lat = writer.window(t0, t1)
    undo(url, ["ALTER TABLE busy DROP COLUMN queued", "DROP TABLE alembic_version"])
    row = Row(
        database=database,
        operation=f"lock queue (held {hold:.0f} s)",
        form=f"upgrade, MIGRATE_DDL_LOCK_TIMEOUT={timeout_ms}, {retries} retries",
        sql="op.add_column",
        duration_ms=(t1 - t0) * 1000.0,
        stall_ms=max(lat, default=0.0),
        p99_ms=p99(lat),
        statements=len(lat),
        error=error,
    )
    print(
        f"  {row.operation:<28} {row.form:<26} {row.duration_ms:9.0f} ms  stall"
        f" {row.stall_ms:8.1f} ms  p99 {row.p99_ms:7.1f} ms  n={row.statements} {error}",
        flush=True,
    )
    return row


# --- main ----------------------------------------------------------------------------------------


def bench(
    url: str, rows: int, rate: float, hold: float, timeouts: Sequence[int], only_queue: bool
) -> list[Row]:
    database = kind(url)
    print(f"{database}: filling {rows} rows ...", flush=True)
    t = time.time()
    (prepare_postgresql if database == "postgresql" else prepare_mysql)(url, rows)
    print(f"  filled in {time.time() - t:.0f} s", flush=True)
    cases = PG_CASES if database == "postgresql" else MY_CASES
    out: list[Row] = []
    with Writer(url, rate, rows) as writer:
        base_t0 = time.time()
        time.sleep(3.0)
        lat = writer.window(base_t0, time.time())
        out.append(
            Row(database, "(no migration)", "baseline", "", 3000.0, max(lat), p99(lat), len(lat))
        )
        print(f"  baseline: stall {max(lat):.1f} ms p99 {p99(lat):.1f} ms n={len(lat)}")
        for operation, form, steps, back in [] if only_queue else cases:
            out.append(measure(writer, url, database, operation, form, steps))
            undo(url, back)
        out.extend(lock_queue(writer, url, database, hold, timeouts))
        out.append(upgrade_with_retries(writer, url, database, hold, 500, 4))
    return out


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| database | operation | form | migration (ms) | writer's longest stall (ms) |"
        " writer p99 (ms) |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for r in rows:
        form = r.form + (f" (failed: {r.error})" if r.error else "")
        lines.append(
            f"| {r.database} | {r.operation} | {form} | {r.duration_ms:.0f} | {r.stall_ms:.0f}"
            f" | {r.p99_ms:.0f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", help="URL, e.g. postgresql://postgres@127.0.0.1/test")
    parser.add_argument("--mysql", help="URL, e.g. mysql://root@127.0.0.1/test")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=100.0, help="writer statements per second")
    parser.add_argument("--hold", type=float, default=6.0, help="seconds the blocker holds")
    parser.add_argument("--lock-timeouts", default="100,500,2000", help="ms, comma-separated")
    parser.add_argument("--out", default="", help="write the rows as JSON here")
    parser.add_argument("--only-queue", action="store_true", help="only the lock queue runs")
    args = parser.parse_args(argv)
    urls = [u for u in (args.postgresql, args.mysql) if u]
    if not urls:
        parser.error("give --postgresql URL and/or --mysql URL")
    timeouts = [int(x) for x in args.lock_timeouts.split(",") if x]
    rows: list[Row] = []
    for url in urls:
        rows.extend(bench(url, args.rows, args.rate, args.hold, timeouts, args.only_queue))
    print()
    print(f"{args.rows} rows, writer at {args.rate:.0f} statements/s, load {os.getloadavg()}")
    print(table(rows))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump([asdict(r) for r in rows], fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
