"""Creating a migrations folder from a bundled or custom template."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from flask_migrate_lite.engine import errors
from flask_migrate_lite.engine.config import read_script_config
from flask_migrate_lite.engine.script.folder import TEMPLATES_DIR, init_folder, list_templates


def test_list_templates() -> None:
    assert list_templates() == [
        ("flask", "Single-database migrations folder for a Flask-SQLAlchemy app."),
        (
            "flask-multidb",
            "Multiple-database migrations folder for a Flask-SQLAlchemy app with binds.",
        ),
    ]


@pytest.mark.parametrize("template", ["flask", "flask-multidb"])
def test_init_creates_the_folder(tmp_path: Path, template: str) -> None:
    root = tmp_path / "migrations"
    created = init_folder(root, template=template)
    assert created == [
        root,
        root / "versions",
        root / "README",
        root / "alembic.ini",
        root / "env.py",
        root / "script.py.mako",
    ]
    assert (root / "versions").is_dir()
    source = TEMPLATES_DIR / template
    for name in ("README", "alembic.ini", "env.py", "script.py.mako"):
        assert (root / name).read_bytes() == (source / name).read_bytes()
    assert not (root / "__init__.py").exists()
    compile((root / "env.py").read_text(), "env.py", "exec")


def test_alembic_ini_is_a_flask_migrate_style_ini(tmp_path: Path) -> None:
    init_folder(tmp_path / "m")
    ini = configparser.ConfigParser()
    ini.read(tmp_path / "m" / "alembic.ini")
    assert ini.has_section("alembic")
    assert ini.get("loggers", "keys") == "root,sqlalchemy,alembic,flask_migrate"
    assert ini.get("logger_alembic", "level") == "INFO"
    config = read_script_config(tmp_path / "m")
    assert config.file_template == "%(rev)s_%(slug)s"
    assert config.truncate_slug_length == 40


def test_init_into_an_existing_empty_folder(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    created = init_folder(root)
    assert created[0] == root / "versions"


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "keep.txt").write_text("mine")
    with pytest.raises(errors.FolderNotEmpty) as info:
        init_folder(root)
    assert str(info.value) == (
        f"The folder '{root}' already exists and is not empty; "
        "choose another --directory or remove it first."
    )
    assert [p.name for p in root.iterdir()] == ["keep.txt"]


def test_init_package(tmp_path: Path) -> None:
    root = tmp_path / "m"
    created = init_folder(root, package=True)
    assert created[-2:] == [root / "__init__.py", root / "versions" / "__init__.py"]
    assert (root / "__init__.py").read_text() == ""


def test_unknown_template(tmp_path: Path) -> None:
    with pytest.raises(errors.UnknownTemplate) as info:
        init_folder(tmp_path / "m", template="nope")
    assert "available: flask, flask-multidb" in str(info.value)
    assert not (tmp_path / "m").exists()


def test_custom_template_folder(tmp_path: Path) -> None:
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "script.py.mako").write_text('"""${message}"""\n')
    (custom / "alembic.ini.mako").write_text("[alembic]\nscript_location = ${script_location}\n")
    (custom / "env.pyc").write_bytes(b"junk")
    (custom / "__pycache__").mkdir()
    root = tmp_path / "m"
    created = init_folder(root, template=custom)
    assert [p.name for p in created] == ["m", "versions", "alembic.ini", "script.py.mako"]
    assert (root / "alembic.ini").read_text() == f"[alembic]\nscript_location = {root}\n"


def _ini(tmp_path: Path, lines: str) -> Path:
    root = tmp_path / "m"
    init_folder(root)
    ini = root / "alembic.ini"
    ini.write_text(ini.read_text().replace("[alembic]\n", "[alembic]\n" + lines))
    return root


def test_ini_with_a_bare_percent_is_reported(tmp_path: Path) -> None:
    root = _ini(tmp_path, "file_template = %(rev)s_100%\n")
    with pytest.raises(errors.CommandError, match="write a literal '%' as '%%'"):
        read_script_config(root)


def test_ini_version_locations_and_slug_length(tmp_path: Path) -> None:
    root = _ini(
        tmp_path,
        "version_locations = %(here)s/versions;%(here)s/more\npath_separator = ;\n"
        "truncate_slug_length = 0\n",
    )
    config = read_script_config(root)
    assert config.versions == (root.resolve() / "versions", root.resolve() / "more")
    assert config.truncate_slug_length == 40
    bad = _ini(tmp_path / "b", "truncate_slug_length = many\n")
    with pytest.raises(errors.CommandError, match="positive whole number"):
        read_script_config(bad)
