"""Walk the whole migration workflow of the example app on a scratch SQLite database.

    python example_app/demo.py

Every step runs the real ``flask`` command in a subprocess, prints what it printed, and
checks the database afterwards; the script stops with an error at the first surprise.
The committed ``example_app/migrations`` folder is then applied to a second database.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

USER_MODEL_UPGRADE = """\
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_email", "user", ["email"], unique=True)
"""
USER_MODEL_DOWNGRADE = """\
    op.drop_index("ix_user_email", table_name="user")
    op.drop_table("user")
"""


def flask(env: dict[str, str], *args: str) -> str:
    """Run ``flask --app example_app <args>``, echo its output, fail on a non-zero exit."""
    print(f"$ flask {' '.join(args)}")
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "example_app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    for line in (proc.stdout + proc.stderr).splitlines():
        print(f"    {line}")
    if proc.returncode != 0:
        raise SystemExit(f"demo: 'flask {' '.join(args)}' exited with {proc.returncode}")
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


def add_ops(path: Path) -> None:
    """Write the User Model operations into the new revision, as a developer would."""
    text = path.read_text()
    text = text.replace("def upgrade():\n    pass\n", "def upgrade():\n" + USER_MODEL_UPGRADE, 1)
    text = text.replace(
        "def downgrade():\n    pass\n", "def downgrade():\n" + USER_MODEL_DOWNGRADE, 1
    )
    path.write_text(text)


def generated(output: str) -> Path:
    match = re.search(r"Generating (\S+\.py)", output)
    if match is None:
        raise SystemExit("demo: the revision command did not say which file it wrote")
    return Path(match.group(1))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="flask-migrate-lite-demo-") as scratch:
        folder = Path(scratch) / "migrations"
        database = Path(scratch) / "demo.db"
        env = dict(os.environ)
        env.update(
            DATABASE_URL=f"sqlite:///{database}",
            MIGRATIONS_DIRECTORY=str(folder),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        env.pop("FLASK_APP", None)
        flask(env, "db", "init")
        expect((folder / "alembic.ini").is_file(), "a migrations folder with alembic.ini")

        first = generated(flask(env, "db", "revision", "-m", "Initial revision"))
        flask(env, "db", "upgrade", "heads")
        first_id = first.name.split("_")[0]
        expect(versions(database) == [first_id], f"the database at {first_id}")

        second = generated(flask(env, "db", "revision", "-m", "User Model"))
        add_ops(second)
        second_id = second.name.split("_")[0]
        flask(env, "db", "upgrade", "head")
        expect("user" in tables(database), "a 'user' table after upgrade head")
        expect(versions(database) == [second_id], f"the database at {second_id}")

        flask(env, "db", "downgrade", "-1")
        expect("user" not in tables(database), "no 'user' table after downgrade -1")
        flask(env, "db", "upgrade", second_id[:6])
        expect(versions(database) == [second_id], f"upgrade by prefix {second_id[:6]}")

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
        env.update(DATABASE_URL=f"sqlite:///{app_db}")
        env.pop("MIGRATIONS_DIRECTORY")
        flask(env, "db", "upgrade")
        flask(env, "db", "current")
        expect({"author", "book", "review"} <= set(tables(app_db)), "the catalogue tables")
        print("\nDemo finished: every step left the database as it said.")


if __name__ == "__main__":
    main()
