"""Writing a revision file: values checked, templates that would misplace them refused, the
file written whole or not at all and never twice for one id, and folder faults as one
sentence."""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from flask_migrate_lite.engine import errors
from flask_migrate_lite.engine.runtime.modules import load_module
from flask_migrate_lite.engine.script import loader, writing
from flask_migrate_lite.engine.script.directory import ScriptDirectory
from flask_migrate_lite.engine.script.folder import init_folder
from flask_migrate_lite.engine.script.formatting import RevisionView


@pytest.fixture
def scripts(tmp_path: Path) -> ScriptDirectory:
    init_folder(tmp_path / "migrations")
    return ScriptDirectory.from_path(tmp_path / "migrations", run_file=load_module)


def _files(scripts: ScriptDirectory) -> list[str]:
    """Everything in versions/ but the cache folder: what a failed write must not change."""
    return sorted(
        p.name for p in (scripts.directory / "versions").iterdir() if p.name != "__pycache__"
    )


def _hand_written(scripts: ScriptDirectory, rev: str, down: str | None, doc: str = "hand") -> Path:
    path = scripts.directory / "versions" / f"hand_{len(_files(scripts))}.py"
    path.write_text(
        f'"""{doc}\n"""\nrevision = {rev!r}\ndown_revision = {down!r}\n'
        "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\n"
        "def downgrade():\n    pass\n",
        encoding="utf-8",
    )
    scripts.refresh()
    return path


def _template(scripts: ScriptDirectory, text: str) -> None:
    (scripts.directory / "script.py.mako").write_text(text, encoding="utf-8")


# --- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["core", "shared-models", "v1.2", "_x", "A9", "x" * 64])
def test_valid_branch_labels(scripts: ScriptDirectory, label: str) -> None:
    rev = scripts.generate_revision(message="m", branch_label=label, rev_id="abc")
    assert rev.branch_labels == frozenset({label})
    assert scripts.graph().resolve(f"{label}@head") == ("abc",)


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("a b", "it contains ' '"),
        ("a@b", "it contains '@'"),
        ("a:b", "it contains ':'"),
        ("a+b", "it contains '+'"),
        ("a,b", "it contains ','"),
        ("a/b", "it contains '/'"),
        ("a'b", 'it contains "\'"'),
        ("a\nb", "it contains '\\n'"),
        ("é", "it contains '\\xe9'"),
        ("-x", "must start with a letter"),
        (".x", "must start with a letter"),
        ("x" * 65, "longer than 64"),
        ("head", "reserved word"),
        ("current", "reserved word"),
        ("x-1", "relative step"),
        ("release-12", "relative step"),
    ],
)
def test_invalid_branch_labels_are_refused(
    scripts: ScriptDirectory, label: str, reason: str
) -> None:
    with pytest.raises(errors.InvalidBranchLabel) as info:
        scripts.generate_revision(message="m", branch_label=label)
    assert reason in str(info.value)
    assert str(info.value).isprintable()
    assert _files(scripts) == []


@pytest.mark.parametrize("rev_id", ["a\nb", "a\x1b[2Jb", "\udcff", "a\u202eb"])
def test_an_invalid_rev_id_is_quoted_printably(scripts: ScriptDirectory, rev_id: str) -> None:
    with pytest.raises(errors.InvalidRevisionId) as info:
        scripts.generate_revision(message="m", rev_id=rev_id)
    assert str(info.value).isprintable()
    assert _files(scripts) == []


@pytest.mark.parametrize(
    "parent",
    ['a"""b', "tail\\", "it's", "x\ny", "x\x00y", "C:\\new", "\u2028", "a, b"],
)
def test_ids_read_from_other_files_stay_text(scripts: ScriptDirectory, parent: str) -> None:
    # Files written by other tools may hold any id; a new revision on top of one must still
    # parse and name it exactly.
    _hand_written(scripts, parent, None)
    rev = scripts.generate_revision(message="next", rev_id="abc")
    module = scripts.load_module("abc")
    assert module.down_revision == parent == rev.down_revisions[0]
    assert (module.__doc__ or "").startswith(f"next\n\nRevision ID: abc\nRevises: {parent}\n")
    assert loader.scan_file(str(rev.path)).down_revisions == (parent,)
    line = RevisionView(scripts.graph(), scripts.revision(parent)).line(doc=True)
    assert line.isprintable()


# --- templates that would misplace a value are refused, with nothing written -------------------

STOCK = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    pass


def downgrade():
    pass
'''


@pytest.mark.parametrize(
    ("template", "message", "error", "words"),
    [
        (
            STOCK.replace('"""${message}', 'r"""${message}'),
            "C:\\new",
            errors.InvalidMessage,
            "does not keep it as written",
        ),
        (
            STOCK.replace('"""${message}', '"""Revision.\n"""\nx = "${message}"\n"""'),
            'a"b',
            errors.InvalidMessage,
            "cannot hold it",
        ),
        (
            STOCK.replace('"""${message}', '"""x"""\n${message}\n"""'),
            "pass",
            errors.InvalidMessage,
            "outside a string",
        ),
        (
            STOCK.replace("revision = ${repr(up_revision)}", "revision = 'fixed'"),
            "m",
            errors.TemplateError,
            "whose revision is 'fixed' instead of 'abc'",
        ),
        (
            STOCK.replace("depends_on = ${repr(depends_on)}\n", ""),
            "m",
            errors.TemplateError,
            "whose depends_on is None instead of 'base0000'",
        ),
        (
            STOCK.replace("def upgrade():", "def upgrade(:"),
            "m",
            errors.TemplateError,
            "renders a file that is not valid Python (line 14",
        ),
        ("${undefined_name.attribute}", "m", errors.TemplateError, "failed"),
        (
            STOCK + "x = ${down_revision}\n",
            "m",
            errors.TemplateError,
            "cannot hold the revision ids or branch labels: they would become code",
        ),
    ],
)
def test_templates_that_misplace_values_are_refused(
    scripts: ScriptDirectory, template: str, message: str, error: type, words: str
) -> None:
    scripts.generate_revision(message="base", rev_id="base0000")
    _template(scripts, template)
    before = _files(scripts)
    with pytest.raises(error) as info:
        scripts.generate_revision(message=message, rev_id="abc", depends_on="base0000")
    assert words in str(info.value)
    assert _files(scripts) == before
    assert len(scripts.graph()) == 1


def test_a_template_id_written_unquoted_is_refused(scripts: ScriptDirectory) -> None:
    _hand_written(scripts, "x'\nimport os\n'", None)
    _template(scripts, STOCK.replace("${repr(down_revision)}", "'${down_revision}'"))
    with pytest.raises(errors.TemplateError, match="cannot hold the revision ids"):
        scripts.generate_revision(message="m", rev_id="abc")
    assert _files(scripts) == ["hand_0.py"]


def test_output_encoding_problems_are_refused(scripts: ScriptDirectory) -> None:
    ini = scripts.directory / "alembic.ini"
    text = ini.read_text()
    ini.write_text(text.replace("[alembic]\n", "[alembic]\noutput_encoding = no-such-codec\n"))
    with pytest.raises(errors.TemplateError, match="unknown output_encoding 'no-such-codec'"):
        ScriptDirectory.from_path(scripts.directory).generate_revision(message="m")
    ini.write_text(text.replace("[alembic]\n", "[alembic]\noutput_encoding = ascii\n"))
    _template(scripts, STOCK.replace("def upgrade():", "# café\ndef upgrade():"))
    with pytest.raises(errors.TemplateError, match="output_encoding ascii cannot hold"):
        ScriptDirectory.from_path(scripts.directory).generate_revision(message="m")
    assert _files(scripts) == []


# --- file names --------------------------------------------------------------------------------


def test_long_slugs_are_cut_to_a_file_name_the_file_system_accepts(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    init_folder(folder)
    ini = folder / "alembic.ini"
    ini.write_text(
        ini.read_text().replace("[alembic]\n", "[alembic]\ntruncate_slug_length = 5000\n")
    )
    scripts = ScriptDirectory.from_path(folder)
    rev = scripts.generate_revision(message="日本語 " * 400, rev_id="abc")
    name = Path(str(rev.path)).name
    assert len(os.fsencode(name)) <= 255 and name.startswith("abc_日本語_")
    assert rev.doc == "日本語 " * 400


@pytest.mark.parametrize("message", [None, "!!!", "__init__"])
def test_a_file_name_the_scanner_would_skip_is_refused(tmp_path: Path, message: str | None) -> None:
    folder = tmp_path / "m"
    init_folder(folder)
    ini = folder / "alembic.ini"
    ini.write_text(ini.read_text().replace("[alembic]\n", "[alembic]\nfile_template = %%(slug)s\n"))
    scripts = ScriptDirectory.from_path(folder)
    with pytest.raises(errors.CommandError, match="would be skipped as a revision file"):
        scripts.generate_revision(message=message)
    assert list((folder / "versions").glob("*")) == []


# --- whole or not at all -----------------------------------------------------------------------


def test_the_new_file_has_the_usual_permissions(scripts: ScriptDirectory) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    rev = scripts.generate_revision(message="m")
    assert stat.S_IMODE(os.stat(str(rev.path)).st_mode) == 0o666 & ~umask


def test_a_failed_write_leaves_nothing(
    scripts: ScriptDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writing.os, "write", full)  # type: ignore[attr-defined]
    with pytest.raises(errors.FileSystemError) as info:
        scripts.generate_revision(message="m", rev_id="abc")
    message = str(info.value)
    assert message.startswith("Cannot write ") and "no space left on device" in message
    assert "free some disk space" in message
    assert _files(scripts) == []


def test_a_reader_disagreement_leaves_nothing(
    scripts: ScriptDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = loader.scan_file

    def wrong(path: str) -> object:
        return real(path).__class__("other")

    monkeypatch.setattr(loader, "scan_file", wrong)
    with pytest.raises(errors.CommandError, match="read differently by the revision reader"):
        scripts.generate_revision(message="m", rev_id="abc")
    assert _files(scripts) == []


def test_a_name_taken_meanwhile_is_not_overwritten(
    scripts: ScriptDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = loader.scan_file
    target = scripts.directory / "versions" / "abc_m.py"

    def meanwhile(path: str) -> object:
        target.write_text("# written by someone else\n")
        return real(path)

    monkeypatch.setattr(loader, "scan_file", meanwhile)
    with pytest.raises(errors.FileSystemError, match="a file of that name already exists"):
        scripts.generate_revision(message="m", rev_id="abc")
    assert _files(scripts) == ["abc_m.py"]
    assert target.read_text() == "# written by someone else\n"


def test_without_hard_links_the_name_is_still_created_exclusively(
    scripts: ScriptDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(writing.os, "link", no_links)  # type: ignore[attr-defined]
    rev = scripts.generate_revision(message="m", rev_id="abc")
    assert _files(scripts) == ["abc_m.py"]
    assert scripts.load_module("abc").revision == "abc" == rev.revision


def test_two_writers_with_one_id_write_one_file(scripts: ScriptDirectory) -> None:
    # Both writers render (so both have passed every check made before writing) before either
    # writes: the lock and the check under it must stop the second one.
    _template(scripts, "<% rendezvous() %>" + STOCK)
    rendezvous = threading.Barrier(2, timeout=60)
    outcomes: list[object] = []

    def write(message: str) -> None:
        folder = ScriptDirectory.from_path(scripts.directory)
        try:
            outcomes.append(
                folder.generate_revision(
                    message=message, rev_id="same", template_args={"rendezvous": rendezvous.wait}
                )
            )
        except errors.MigrateError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=write, args=(m,)) for m in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [o for o in outcomes if isinstance(o, errors.MigrateError)]
    assert len(outcomes) == 2 and len(failures) == 1, outcomes
    assert "already has this id" in str(failures[0])
    assert len(_files(scripts)) == 1
    scripts.refresh()
    assert [rev.revision for rev in scripts.graph()] == ["same"]


def test_the_same_branch_label_written_at_once_is_refused_once(scripts: ScriptDirectory) -> None:
    _template(scripts, "<% rendezvous() %>" + STOCK)
    rendezvous = threading.Barrier(2, timeout=60)
    outcomes: list[object] = []

    def write(rev_id: str) -> None:
        folder = ScriptDirectory.from_path(scripts.directory)
        try:
            outcomes.append(
                folder.generate_revision(
                    message="m",
                    rev_id=rev_id,
                    head="base",
                    branch_label="shared",
                    template_args={"rendezvous": rendezvous.wait},
                )
            )
        except errors.MigrateError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=write, args=(r,)) for r in ("aaa", "bbb")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [o for o in outcomes if isinstance(o, errors.DuplicateBranchLabel)]
    assert len(failures) == 1, outcomes
    assert len(_files(scripts)) == 1


# --- reading a folder with file-system faults --------------------------------------------------


def test_a_broken_symbolic_link_is_named(scripts: ScriptDirectory) -> None:
    scripts.generate_revision(message="m", rev_id="abc")
    link = scripts.directory / "versions" / "gone.py"
    link.symlink_to(scripts.directory / "nowhere.py")
    scripts.refresh()
    with pytest.raises(errors.ScriptError) as info:
        scripts.graph()
    assert str(info.value) == (
        f"Cannot read the revision file {link}: it is a broken symbolic link (its target does "
        "not exist); fix or remove it."
    )


def test_a_symbolic_link_loop_is_named(scripts: ScriptDirectory) -> None:
    versions = scripts.directory / "versions"
    (versions / "a.py").symlink_to(versions / "b.py")
    (versions / "b.py").symlink_to(versions / "a.py")
    with pytest.raises(errors.ScriptError, match="a.py: it is a symbolic link loop; fix or remove"):
        scripts.graph()


def test_a_folder_link_loop_with_recursive_locations_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    init_folder(folder)
    ini = folder / "alembic.ini"
    ini.write_text(
        ini.read_text().replace("[alembic]\n", "[alembic]\nrecursive_version_locations = true\n")
    )
    (folder / "versions" / "loop").symlink_to(folder / "versions")
    scripts = ScriptDirectory.from_path(folder)
    with pytest.raises(errors.MigrateError, match="symbolic link loop|more than one file"):
        scripts.graph()


def test_a_symbolic_link_to_a_revision_file_is_read(
    scripts: ScriptDirectory, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "shared"
    elsewhere.mkdir()
    real = elsewhere / "abc_shared.py"
    real.write_text('"""shared\n"""\nrevision = "abc"\ndown_revision = None\n')
    (scripts.directory / "versions" / "abc_shared.py").symlink_to(real)
    assert scripts.revision("abc").doc == "shared"


@pytest.mark.parametrize(
    "value",
    ["-" * 100_000 + "1", "+".join(["'a'"] * 100_000)],
    ids=["unary-chain", "long-sum"],
)
def test_a_header_too_deep_to_parse_is_named(scripts: ScriptDirectory, value: str) -> None:
    scripts.generate_revision(message="ok", rev_id="ok0")
    path = scripts.directory / "versions" / "deep.py"
    path.write_text(f'"""deep\n"""\nrevision = "deep"\ndown_revision = {value}\n')
    with pytest.raises(errors.ScriptError) as info:
        scripts.graph()
    assert str(info.value).startswith(f"Cannot read the revision file {path}")
    assert "fix or remove it." in str(info.value)


def test_a_body_too_deep_to_compile_is_named(scripts: ScriptDirectory) -> None:
    rev = scripts.generate_revision(message="m", rev_id="abc")
    path = Path(str(rev.path))
    path.write_text(
        path.read_text().replace(
            "def upgrade():\n    pass", "def upgrade():\n    x = " + "+".join(["1"] * 100_000)
        )
    )
    scripts.refresh()
    with pytest.raises(errors.ScriptError, match="nested too deeply to be compiled"):
        scripts.load_module("abc")


# --- init ---------------------------------------------------------------------------------------


def test_init_undoes_what_it_created_when_a_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from flask_migrate_lite.engine.script import folder as folder_module

    copied: list[object] = []
    real = shutil.copyfile

    def copy(src: object, dst: object) -> object:
        if copied:
            raise OSError(errno.ENOSPC, "No space left on device")
        copied.append(dst)
        return real(src, dst)  # type: ignore[arg-type, type-var]

    monkeypatch.setattr(folder_module.shutil, "copyfile", copy)  # type: ignore[attr-defined]
    with pytest.raises(errors.FileSystemError) as info:
        init_folder(tmp_path / "new" / "deeper" / "migrations")
    assert "no space left on device" in str(info.value)
    assert list(tmp_path.iterdir()) == []
