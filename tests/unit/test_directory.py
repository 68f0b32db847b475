"""Writing revision files: ids, slugs, file names, the header format and head resolution."""

from __future__ import annotations

import dataclasses
import datetime
import gc
import re
from pathlib import Path

import pytest

from flask_migrate_lite.commands.advice import in_flask_terms
from flask_migrate_lite.engine import errors
from flask_migrate_lite.engine.config import ScriptConfig, read_script_config
from flask_migrate_lite.engine.runtime.modules import load_module
from flask_migrate_lite.engine.script.directory import (
    ScriptDirectory,
    create_date,
    new_rev_id,
    revision_file_name,
    slugify,
    validate_rev_id,
)
from flask_migrate_lite.engine.script.folder import init_folder

WHEN = datetime.datetime(2024, 3, 5, 7, 9, 11, 123456)


@pytest.fixture
def scripts(tmp_path: Path) -> ScriptDirectory:
    init_folder(tmp_path / "migrations")
    return ScriptDirectory.from_path(tmp_path / "migrations", run_file=load_module)


def _date(text: str) -> str:
    match = re.search(r"^Create Date: (.*)$", text, re.MULTILINE)
    assert match
    return match.group(1)


# --- ids, slugs, names --------------------------------------------------------------------


def test_new_rev_id_is_12_lowercase_hex() -> None:
    ids = {new_rev_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[0-9a-f]{12}", rev) for rev in ids)


@pytest.mark.parametrize("rev", ["abc", "000000000001", "Feature_1", "x" * 32])
def test_valid_rev_ids(rev: str) -> None:
    validate_rev_id(rev)


@pytest.mark.parametrize(
    ("rev", "reason"),
    [
        ("bad:id", "it contains ':'"),
        ("a-b", "it contains '-'"),
        ("a@b", "it contains '@'"),
        ("a+b", "it contains '+'"),
        ("a,b c", "it contains ' ', ','"),
        ("a/b", "it contains '/'"),
        ("héllo", "it contains 'é'"),
        ("", "it is empty"),
        ("x" * 33, "longer than 32 characters"),
        ("head", "reserved word"),
        ("base", "reserved word"),
    ],
)
def test_invalid_rev_ids(rev: str, reason: str) -> None:
    with pytest.raises(errors.InvalidRevisionId) as info:
        validate_rev_id(rev)
    assert str(info.value).startswith(f"Invalid revision id '{rev}': ")
    assert reason in str(info.value)


@pytest.mark.parametrize(
    ("message", "length", "slug"),
    [
        ("Initial revision", 40, "initial_revision"),
        ("User Model", 40, "user_model"),
        ("add 'email' to users, (again)!", 40, "add_email_to_users_again"),
        (None, 40, ""),
        ("", 40, ""),
        ("Ünïcode wörds ok", 40, "ünïcode_wörds_ok"),
        (
            "one two three four five six seven eight nine",
            40,
            "one_two_three_four_five_six_seven_eight_",
        ),
        ("one two three", 8, "one_two_"),
        ("abcdefghijkl", 5, "abcde_"),
        ("exactly ten", 11, "exactly_ten"),
    ],
)
def test_slug(message: str | None, length: int, slug: str) -> None:
    assert slugify(message, length) == slug


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("%(rev)s_%(slug)s", "ab12_add_users.py"),
        (
            "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(second).2d_%(rev)s_%(slug)s",
            "2024_03_05_0709-11_ab12_add_users.py",
        ),
        ("%(epoch)s_%(rev)s", f"{int(WHEN.timestamp())}_ab12.py"),
        ("%(rev)s", "ab12.py"),
    ],
)
def test_file_template(template: str, name: str) -> None:
    assert revision_file_name(template, "ab12", "Add users", WHEN) == name


def test_file_template_with_unknown_key() -> None:
    with pytest.raises(errors.CommandError, match="unknown key 'nope'"):
        revision_file_name("%(nope)s", "ab12", "x", WHEN)


def test_create_date_local_and_in_a_timezone() -> None:
    assert create_date().tzinfo is None
    utc = create_date("utc")  # found again in upper case, as Alembic does
    assert str(utc).endswith("+00:00")
    assert create_date("Europe/Paris").tzinfo is not None
    with pytest.raises(errors.CommandError, match="timezone 'Mars/Olympus'"):
        create_date("Mars/Olympus")


# --- the folder ---------------------------------------------------------------------------


def test_missing_folder_or_versions(tmp_path: Path) -> None:
    with pytest.raises(errors.NoMigrationsFolder) as missing:
        ScriptDirectory.from_path(tmp_path / "nowhere")
    assert "run 'flask db init'" in str(in_flask_terms(missing.value))
    (tmp_path / "m").mkdir()
    with pytest.raises(errors.NoMigrationsFolder):
        ScriptDirectory.from_path(tmp_path / "m")


def test_first_revision_header_exactly(scripts: ScriptDirectory) -> None:
    rev = scripts.generate_revision(message="Initial revision", rev_id="ad4de013e007")
    assert rev.path is not None
    path = Path(rev.path)
    assert path == scripts.directory / "versions" / "ad4de013e007_initial_revision.py"
    text = path.read_text()
    date = _date(text)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", date)
    assert text == (
        '"""Initial revision\n\nRevision ID: ad4de013e007\nRevises: \n'
        f'Create Date: {date}\n\n"""\n'
        "from flask_migrate_lite import op\nimport sqlalchemy as sa\n\n\n"
        "# revision identifiers, used by the migration engine.\n"
        "revision = 'ad4de013e007'\ndown_revision = None\nbranch_labels = None\n"
        "depends_on = None\n\n\n"
        "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )
    assert (rev.revision, rev.down_revisions, rev.doc, rev.create_date) == (
        "ad4de013e007",
        (),
        "Initial revision",
        date,
    )


def test_next_revision_with_body_and_imports(scripts: ScriptDirectory) -> None:
    scripts.generate_revision(message="one", rev_id="aaa000000001")
    rev = scripts.generate_revision(
        message=None,
        rev_id="bbb000000002",
        imports=["import json"],
        upgrades='op.execute("SELECT 1")',
        downgrades='op.execute("SELECT 2")',
    )
    text = Path(str(rev.path)).read_text()
    assert Path(str(rev.path)).name == "bbb000000002_.py"
    assert text.startswith('"""empty message\n\nRevision ID: bbb000000002\nRevises: aaa000000001\n')
    assert "import sqlalchemy as sa\nimport json\n\n# revision" in text
    assert "down_revision = 'aaa000000001'\n" in text
    assert 'def upgrade():\n    op.execute("SELECT 1")\n' in text
    assert 'def downgrade():\n    op.execute("SELECT 2")\n' in text
    assert scripts.graph().heads == ("bbb000000002",)


def test_graph_is_cached_and_refreshed_after_writing(scripts: ScriptDirectory) -> None:
    graph = scripts.graph()
    assert scripts.graph() is graph and len(graph) == 0
    scripts.generate_revision(message="one")
    assert len(scripts.graph()) == 1


def test_timezone_and_file_template_from_the_ini(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    init_folder(folder)
    ini = folder / "alembic.ini"
    ini.write_text(
        ini.read_text().replace(
            "[alembic]\n",
            "[alembic]\nfile_template = %%(year)d_%%(rev)s_%%(slug)s\ntimezone = UTC\n"
            "truncate_slug_length = 10\n",
        )
    )
    scripts = ScriptDirectory.from_path(folder)
    rev = scripts.generate_revision(message="a rather long message", rev_id="abc")
    name = Path(str(rev.path)).name
    assert re.fullmatch(r"\d{4}_abc_a_rather_\.py", name)
    assert _date(Path(str(rev.path)).read_text()).endswith("+00:00")


def test_several_heads_need_a_choice(scripts: ScriptDirectory) -> None:
    scripts.generate_revision(message="root", rev_id="root00000000")
    scripts.generate_revision(message="a", rev_id="aaaa00000000")
    scripts.generate_revision(message="b", rev_id="bbbb00000000", head="root", splice=True)
    with pytest.raises(errors.MultipleHeads):
        scripts.generate_revision(message="c")
    rev = scripts.generate_revision(message="c", head="aaaa", rev_id="cccc00000000")
    assert rev.down_revisions == ("aaaa00000000",)


def test_head_that_is_not_a_head_needs_splice(scripts: ScriptDirectory) -> None:
    scripts.generate_revision(message="root", rev_id="root00000000")
    scripts.generate_revision(message="a", rev_id="aaaa00000000")
    with pytest.raises(errors.CommandError, match="Revision root00000000 is not a head revision"):
        scripts.generate_revision(message="x", head="root00000000")
    rev = scripts.generate_revision(message="x", head="root00000000", splice=True)
    assert rev.down_revisions == ("root00000000",)
    assert set(scripts.graph().heads) == {"aaaa00000000", rev.revision}


def test_new_branch_from_base_with_labels_and_dependencies(scripts: ScriptDirectory) -> None:
    scripts.generate_revision(message="core", rev_id="core00000001", branch_label="core")
    other = scripts.generate_revision(
        message="other", head="base", branch_label=["extra", "more"], rev_id="othr00000001"
    )
    assert other.branch_labels == frozenset({"extra", "more"})
    assert "branch_labels = ('extra', 'more')\n" in Path(str(other.path)).read_text()
    dep = scripts.generate_revision(
        message="dep", head="core@head", depends_on=["othr", "core"], rev_id="dep000000001"
    )
    text = Path(str(dep.path)).read_text()
    assert "down_revision = 'core00000001'\n" in text
    assert "depends_on = ('othr00000001', 'core')\n" in text
    single = scripts.generate_revision(message="s", head="dep0", depends_on="othr00000001")
    assert "depends_on = 'othr00000001'\n" in Path(str(single.path)).read_text()


def test_duplicate_rev_id_and_branch_label(scripts: ScriptDirectory) -> None:
    scripts.generate_revision(message="one", rev_id="aaa000000001", branch_label="core")
    with pytest.raises(errors.InvalidRevisionId, match="already has this id"):
        scripts.generate_revision(message="two", rev_id="aaa000000001")
    with pytest.raises(errors.DuplicateBranchLabel):
        scripts.generate_revision(message="two", branch_label="core")
    with pytest.raises(errors.InvalidRevisionId):
        scripts.generate_revision(message="two", rev_id="bad:id")
    assert len(list((scripts.directory / "versions").glob("*.py"))) == 1


def test_merge_writes_a_tuple_of_parents(scripts: ScriptDirectory) -> None:
    scripts.generate_revision(message="root", rev_id="root00000000")
    scripts.generate_revision(message="a", rev_id="aaaa00000000")
    scripts.generate_revision(message="b", head="root", splice=True, rev_id="bbbb00000000")
    merged = scripts.generate_merge(["heads"], message="merge heads", rev_id="mmmm00000000")
    text = Path(str(merged.path)).read_text()
    assert "Revises: aaaa00000000, bbbb00000000\n" in text
    assert "down_revision = ('aaaa00000000', 'bbbb00000000')\n" in text
    assert scripts.graph().heads == ("mmmm00000000",)
    with pytest.raises(errors.CommandError, match="not a head revision"):
        scripts.generate_merge(["root", "mmmm"], message="no")


def test_version_path_must_be_a_version_location(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    init_folder(folder)
    other = folder / "other_versions"
    config = dataclasses.replace(
        read_script_config(folder), version_locations=(folder / "versions", other)
    )
    scripts = ScriptDirectory.from_path(folder, config=config)
    with pytest.raises(errors.CommandError, match="several version locations"):
        scripts.generate_revision(message="x")
    rev = scripts.generate_revision(message="x", version_path=str(other), rev_id="aaa")
    assert Path(str(rev.path)).parent == other  # created on demand
    nxt = scripts.generate_revision(message="y", rev_id="bbb")
    assert Path(str(nxt.path)).parent == other  # follows its parent's folder
    with pytest.raises(errors.CommandError, match="not a version location"):
        scripts.generate_revision(message="z", version_path=str(tmp_path / "elsewhere"))


def test_the_folder_template_is_used(scripts: ScriptDirectory) -> None:
    mako = scripts.directory / "script.py.mako"
    mako.write_text(mako.read_text().replace("import sqlalchemy as sa\n", "# ${flavour}\n"))
    rev = scripts.generate_revision(message="x", template_args={"flavour": "custom"})
    assert "\n# custom\n" in Path(str(rev.path)).read_text()


def test_template_error_is_reported(scripts: ScriptDirectory) -> None:
    mako = scripts.directory / "script.py.mako"
    mako.write_text("${undefined_name.attribute}")
    with pytest.raises(errors.CommandError, match="script.py.mako failed"):
        scripts.generate_revision(message="x")
    assert list((scripts.directory / "versions").glob("*.py")) == []


def test_multidb_template_has_a_pair_of_functions_per_bind(tmp_path: Path) -> None:
    init_folder(tmp_path / "m", template="flask-multidb")
    scripts = ScriptDirectory.from_path(tmp_path / "m", run_file=load_module)
    rev = scripts.generate_revision(
        message="multi",
        rev_id="abc",
        template_args={"bind_names": ["users"], "users_upgrades": "op.drop_table('x')"},
    )
    text = Path(str(rev.path)).read_text()
    assert text.endswith(
        "def upgrade(engine_name):\n"
        '    globals()["upgrade_%s" % engine_name]()\n\n\n'
        "def downgrade(engine_name):\n"
        '    globals()["downgrade_%s" % engine_name]()\n\n\n'
        "def upgrade_():\n    pass\n\n\ndef downgrade_():\n    pass\n\n\n"
        "def upgrade_users():\n    op.drop_table('x')\n\n\n"
        "def downgrade_users():\n    pass\n"
    )
    module = scripts.load_module("abc")
    assert callable(module.upgrade_users) and callable(module.downgrade_)


def test_load_module_by_id_runs_once(scripts: ScriptDirectory) -> None:
    rev = scripts.generate_revision(message="x")
    module = scripts.load_module(rev.revision)
    assert scripts.load_module(rev.revision) is module
    assert module.revision == rev.revision
    assert scripts.longdoc(rev.revision).startswith("x\n\nRevision ID: ")


def test_config_object_default(tmp_path: Path) -> None:
    init_folder(tmp_path / "m")
    scripts = ScriptDirectory.from_path(tmp_path / "m")
    assert scripts.config == ScriptConfig(
        directory=tmp_path / "m", ini_options=scripts.config.ini_options
    )


def test_folder_without_versions_says_so(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "alembic.ini").write_text("[alembic]\n")
    with pytest.raises(errors.CommandError, match=r"has no versions/ folder; create it"):
        ScriptDirectory.from_path(tmp_path / "m")


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_the_graph_leaves_the_collector_as_it_was(
    scripts: ScriptDirectory, enabled: bool
) -> None:
    # The collector is paused while the graph is built, and put back exactly as it was.
    scripts.generate_revision(message="one", rev_id="aaa000000001")
    scripts.refresh()
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        assert scripts.graph().heads == ("aaa000000001",)
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()
