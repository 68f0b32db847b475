"""Walk the whole migration workflow on a scratch SQLite database, then the example app's.

    python example_app/demo.py [--keep]

A small app is written into a scratch folder (an app factory, no models yet). Every step
runs the real ``flask`` command in a subprocess, prints what it printed, and checks the
database afterwards; the script stops with an error at the first surprise: ``db init``,
``revision -m "Initial revision"``, ``upgrade heads``, a ``User`` model added to the code,
``migrate -m "User Model"`` (autogenerate), ``upgrade head``, ``downgrade -1``, ``upgrade``
by a unique prefix, ``check``, ``current``, ``history``, ``heads``, ``show``, ``downgrade
-1`` and ``downgrade base``. The example app's committed ``migrations`` folder is then
applied to a second database and checked against its models. Every command is echoed so
that it can be pasted into a shell; the scratch folder is removed at the end unless
``--keep`` is given.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRATCH_APP = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_migrate_lite import Migrate

db = SQLAlchemy()
migrate = Migrate()


def create_app():
    import os

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)
    migrate.init_app(app, db, directory=os.environ["MIGRATIONS_DIRECTORY"])
    from . import models  # noqa: F401
    return app
"""
USER_MODEL = """\
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from . import db


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    email: Mapped[str | None] = mapped_column(sa.String(120), unique=True, index=True)
"""


def flask(env: dict[str, str], *args: str) -> str:
    """Run ``flask --app <FLASK_APP> <args>``, echo its output, fail on a non-zero exit."""
    print(f"$ {shlex.join(['flask', '--app', env['DEMO_APP'], *args])}")
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "--app", env["DEMO_APP"], *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    for line in (proc.stdout + proc.stderr).splitlines():
        print(f"    {line}")
    if proc.returncode != 0:
        raise SystemExit(f"demo: '{shlex.join(['flask', *args])}' exited with {proc.returncode}")
    return proc.stdout + proc.stderr


def tables(database: Path) -> list[str]:
    """The tables the database holds, and the version rows."""
    with sqlite3.connect(database) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
    return names


def versions(database: Path) -> list[str]:
    with sqlite3.connect(database) as conn:
        try:
            return [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        except sqlite3.OperationalError:
            return []


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"demo: expected {what}")
    print(f"    ok: {what}")


def generated(output: str) -> Path:
    match = re.search(r"Generating (\S+\.py)", output)
    if match is None:
        raise SystemExit("demo: the revision command did not say which file it wrote")
    return Path(match.group(1))


def main(keep: bool = False) -> None:
    scratch = tempfile.mkdtemp(prefix="flask-migrate-lite-demo-")
    try:
        walk(scratch)
    finally:
        if keep:
            print(f"The scratch folder is kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def walk(scratch: str) -> None:
    """Every step of the workflow, in the scratch folder."""
    folder = Path(scratch) / "migrations"
    database = Path(scratch) / "demo.db"
    app_dir = Path(scratch) / "demo_app"
    app_dir.mkdir()
    (app_dir / "__init__.py").write_text(SCRATCH_APP)
    (app_dir / "models.py").write_text("from . import db  # noqa: F401  (no models yet)\n")
    env = dict(os.environ)
    env.update(
        DEMO_APP="demo_app",
        DATABASE_URL=f"sqlite:///{database}",
        MIGRATIONS_DIRECTORY=str(folder),
        PYTHONPATH=os.pathsep.join(filter(None, [scratch, str(ROOT), env.get("PYTHONPATH")])),
    )
    env.pop("FLASK_APP", None)
    print("# Every command below runs in this environment; to repeat one by hand, paste:")
    print(f"$ cd {shlex.quote(str(ROOT))}")
    for name in ("DATABASE_URL", "MIGRATIONS_DIRECTORY", "PYTHONPATH"):
        print(f"$ export {name}={shlex.quote(env[name])}")
    flask(env, "db", "init")
    expect((folder / "alembic.ini").is_file(), "a migrations folder with alembic.ini")

    first = generated(flask(env, "db", "revision", "-m", "Initial revision"))
    flask(env, "db", "upgrade", "heads")
    first_id = first.name.split("_")[0]
    expect(versions(database) == [first_id], f"the database at {first_id}")

    print("# add a User model to demo_app/models.py")
    (app_dir / "models.py").write_text(USER_MODEL)
    output = flask(env, "db", "migrate", "-m", "User Model")
    expect("Detected added table 'user'" in output, "autogenerate to detect the user table")
    second = generated(output)
    second_id = second.name.split("_")[0]
    flask(env, "db", "upgrade", "head")
    expect("user" in tables(database), "a 'user' table after upgrade head")
    expect(versions(database) == [second_id], f"the database at {second_id}")

    flask(env, "db", "downgrade", "-1")
    expect("user" not in tables(database), "no 'user' table after downgrade -1")
    flask(env, "db", "upgrade", second_id[:6])
    expect(versions(database) == [second_id], f"upgrade by prefix {second_id[:6]}")
    flask(env, "db", "check")

    flask(env, "db", "current")
    flask(env, "db", "history")
    flask(env, "db", "heads")
    flask(env, "db", "show", second_id[:6])
    flask(env, "db", "downgrade", "-1")
    expect(versions(database) == [first_id], f"back at {first_id}")
    flask(env, "db", "downgrade", "base")
    expect(versions(database) == [], "no version row after downgrade base")
    expect("user" not in tables(database), "no 'user' table at base")

    print("\nThe example app's own migrations, on a second database:")
    app_db = Path(scratch) / "catalogue.db"
    env.update(DEMO_APP="example_app", DATABASE_URL=f"sqlite:///{app_db}")
    env.pop("MIGRATIONS_DIRECTORY")
    print(f"$ export DATABASE_URL={shlex.quote(env['DATABASE_URL'])}")
    print("$ unset MIGRATIONS_DIRECTORY")
    flask(env, "db", "upgrade")
    flask(env, "db", "current")
    expect({"author", "book", "review"} <= set(tables(app_db)), "the catalogue tables")
    flask(env, "db", "check")
    print("\nDemo finished: every step left the database as it said.")


if __name__ == "__main__":
    main(keep="--keep" in sys.argv[1:])
