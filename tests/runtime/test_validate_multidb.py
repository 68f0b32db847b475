"""``validate`` on a multi-database project: each bind has its own log and its own findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_migrate_lite.engine.script.folder import init_folder
from tests.cli.test_loaded_before_running import MULTIDB_REVISION
from tests.databases import version_rows
from tests.runtime._support import app

pytestmark = pytest.mark.sqlite

IDS = ["abcd00000001", "abcd00000002"]


def _folder(tmp_path: Path) -> list[Path]:
    migrations = tmp_path / "migrations"
    init_folder(migrations, template="flask-multidb")
    files = []
    for n, rev in enumerate(IDS):
        down = IDS[n - 1] if n else None
        path = migrations / "versions" / f"{rev}_step_{n}.py"
        path.write_text(
            MULTIDB_REVISION.format(n=n, rev=rev, down=down or "", down_id=down, extra="")
        )
        files.append(path)
    return files


def test_each_bind_is_validated_and_accepted_on_its_own(tmp_path: Path) -> None:
    files = _folder(tmp_path)
    main = f"sqlite:///{tmp_path / 'main.db'}"
    users = f"sqlite:///{tmp_path / 'users.db'}"
    config = {"SQLALCHEMY_BINDS": {"users": users}}
    default_label = f"{main} (default)"
    users_label = f"{users} (bind 'users')"
    with app(main, tmp_path / "migrations", config=config) as made:
        made.cli("upgrade")
        clean = made.cli("validate")
        assert clean.stdout == ""
        assert clean.stderr.splitlines() == [
            f"{default_label}: the applied history matches the folder.",
            f"{users_label}: the applied history matches the folder.",
        ]
        files[0].write_text(files[0].read_text() + "\n# edited\n")
        both = made.cli("validate", code=1)
        lines = both.stdout.splitlines()
        assert [line.split(": ")[0] for line in lines] == [default_label, users_label]
        assert all(f": {IDS[0]}: {files[0]} changed since it was applied" in x for x in lines)
        assert both.stderr.splitlines()[-1] == (
            "Error: validate found 2 problems; each line above says what to do."
        )
        # One bind at a time: accepting on 'users' leaves the default database's finding.
        accepted = made.cli("validate", "--bind", "users", "--accept", IDS[0])
        assert accepted.stderr.splitlines() == [
            f"Accepted {IDS[0]} on {users_label}.",
            f"{users_label}: the applied history matches the folder.",
        ]
        left = made.cli("validate", code=1).stdout.splitlines()
        assert len(left) == 1 and left[0].startswith(f"{default_label}: {IDS[0]}: ")
    # upgrade refuses on the bind that still has the finding, before anything runs there.
    files.append(files[1].with_name("abcd00000003_step_2.py"))
    files[2].write_text(
        MULTIDB_REVISION.format(n=2, rev="abcd00000003", down=IDS[1], down_id=IDS[1], extra="")
    )
    with app(main, tmp_path / "migrations", config=config, validate_on_upgrade="refuse") as made:
        refused = made.cli("upgrade", "--bind", "", code=1)
        assert f"{default_label}: {IDS[0]}: " in refused.stderr
        assert version_rows(main) == [IDS[1]]
        made.cli("upgrade", "--bind", "users")
        assert version_rows(users) == ["abcd00000003"]
