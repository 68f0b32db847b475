"""Helper modules of the migrations folder get the same ``alembic`` as the revision files."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flask_migrate_lite.engine.operations.api import op as engine_op
from flask_migrate_lite.engine.runtime import alembic_shim, modules


@pytest.fixture
def names() -> Iterator[list[str]]:
    """Unique module names for one test, removed from ``sys.modules`` afterwards."""
    made: list[str] = []
    yield made
    for name in made:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]


def _name(names: list[str], stem: str) -> str:
    name = f"fml_{stem}_{uuid.uuid4().hex[:8]}"
    names.append(name)
    return name


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "project" / "migrations"
    write(folder / "alembic.ini", "[alembic]\n")
    (folder / "versions").mkdir()
    return folder


REVISION = textwrap.dedent(
    '''
    """uses helpers"""
    import os
    import sys

    from alembic import op

    _here = os.path.dirname(os.path.abspath(__file__))
    for _path in (os.path.dirname(_here), os.path.dirname(os.path.dirname(_here))):
        if _path not in sys.path:
            sys.path.insert(0, _path)

    revision = "a1"
    down_revision = None
    '''
).lstrip("\n")


def revision(migrations: Path, body: str) -> Path:
    """A revision file that puts the migrations folder and the project on ``sys.path``
    the way real projects do, then runs ``body``."""
    path = migrations / "versions" / "a1_helpers.py"
    path.write_text(REVISION + textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _restore_sys_path() -> Iterator[None]:
    before = list(sys.path)
    yield
    sys.path[:] = before


def test_helper_next_to_the_versions_folder_gets_the_stand_in(
    migrations: Path, names: list[str]
) -> None:
    helper = _name(names, "utils")
    write(
        migrations / f"{helper}.py",
        """
        import alembic
        import alembic.op as op_module
        from alembic import context, op
        """,
    )
    path = revision(migrations, f"import {helper} as helper\n")
    module = modules.load_module(path)
    assert module.helper.op is engine_op
    assert module.helper.op_module is engine_op
    assert module.helper.alembic is alembic_shim.alembic
    assert module.helper.context is alembic_shim.context
    assert module.op is engine_op


def test_helpers_in_a_package_imported_lazily_and_from_each_other(
    migrations: Path, names: list[str]
) -> None:
    package = _name(names, "helpers")
    write(migrations / package / "__init__.py", "from alembic import op\n")
    write(
        migrations / package / "tables.py",
        f"""
        from {package} import op as package_op


        def current_op():
            from alembic import op

            return op, package_op
        """,
    )
    path = revision(
        migrations,
        f"""

        def upgrade():
            from {package}.tables import current_op

            return current_op()
        """,
    )
    module = modules.load_module(path)
    assert module.upgrade() == (engine_op, engine_op)


def test_helper_reached_through_the_migrations_package_path(
    migrations: Path, names: list[str]
) -> None:
    # 'from migrations.x import y' with the project folder on sys.path (as flask's CLI has
    # it): a namespace package whose module lies in the migrations folder.
    helper = _name(names, "shared")
    write(migrations / f"{helper}.py", "from alembic import op\n")
    package = _name(names, "migrations")
    migrations.rename(migrations.with_name(package))
    migrations = migrations.with_name(package)
    path = revision(migrations, f"from {package}.{helper} import op as helper_op\n")
    assert modules.load_module(path).helper_op is engine_op


def test_modules_outside_the_migrations_folder_keep_the_real_alembic(
    migrations: Path, names: list[str]
) -> None:
    import alembic  # installed for the compatibility tests

    outside = _name(names, "appcode")
    write(migrations.parent / f"{outside}.py", "import alembic\nfrom alembic import op\n")
    path = revision(migrations, f"import {outside} as appcode\n")
    module = modules.load_module(path)
    assert module.appcode.alembic is alembic
    assert module.appcode.op is not engine_op
    # And a later import of a helper by code that is not a revision file is Python's own.
    helper = _name(names, "later")
    write(migrations / f"{helper}.py", "import alembic\n")
    sys.path.insert(0, str(migrations))
    later = __import__(helper)
    assert later.alembic is alembic


def test_folder_without_a_migrations_marker_still_covers_the_versions_folder(
    tmp_path: Path, names: list[str]
) -> None:
    versions = tmp_path / "bare" / "versions"
    helper = _name(names, "beside")
    write(versions.parent / f"{helper}.py", "from alembic import op\n")
    write(versions / f"{helper}_v.py", "from alembic import op\n")
    path = write(
        versions / "r.py",
        f"""
        import sys, os
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        import {helper}_v as in_versions
        import {helper} as above
        revision = "r"
        down_revision = None
        """,
    )
    module = modules.load_module(path)
    assert module.in_versions.op is engine_op
    # No alembic.ini, env.py or script.py.mako above: only the file's own folder counts.
    assert module.above.op is not engine_op
