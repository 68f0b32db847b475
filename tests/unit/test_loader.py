"""Reading revision headers without running the files, the header cache, and running files."""

from __future__ import annotations

import json
import os
import py_compile
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flask_migrate_lite.engine import errors
from flask_migrate_lite.engine.config import ScriptConfig
from flask_migrate_lite.engine.operations.api import op as engine_op
from flask_migrate_lite.engine.runtime import modules
from flask_migrate_lite.engine.script import loader
from flask_migrate_lite.engine.script.graph import Revision, RevisionGraph

BOOM = "raise RuntimeError('this file must not run')\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def revision_text(rev: str, down: object = None, body: str = BOOM, doc: str = "msg") -> str:
    return (
        f'"""{doc}\n\nRevision ID: {rev}\nRevises: \n'
        'Create Date: 2024-05-06 07:08:09.000001\n\n"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n\n"
        + body
    )


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations" / "versions"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def config(versions: Path) -> ScriptConfig:
    return ScriptConfig(directory=versions.parent)


@pytest.fixture
def settle_now(monkeypatch: pytest.MonkeyPatch) -> None:
    # Files written by a test are seconds old at most; let the cache take them at once.
    monkeypatch.setattr(loader, "_SETTLE_NS", 0)


# --- header scanning --------------------------------------------------------------------


def test_plain_header_is_read_without_running_the_file(versions: Path) -> None:
    path = write(versions, "aaa_x.py", revision_text("aaa111", "bbb222"))
    rev = loader.scan_file(path)
    assert rev == Revision(
        "aaa111", ("bbb222",), frozenset(), (), "msg", str(path), "2024-05-06 07:08:09.000001"
    )


def test_annotated_header_of_newer_alembic_templates(versions: Path) -> None:
    path = write(
        versions,
        "a.py",
        '''
        """Add things

        Revision ID: 1a2b3c4d5e6f
        Revises: 0f0f0f0f0f0f
        Create Date: 2024-01-02 03:04:05.678901

        """
        from typing import Sequence, Union

        from alembic import op
        import sqlalchemy as sa


        # revision identifiers, used by Alembic.
        revision: str = '1a2b3c4d5e6f'
        down_revision: Union[str, None] = '0f0f0f0f0f0f'
        branch_labels: Union[str, Sequence[str], None] = ('feature',)
        depends_on: Union[str, Sequence[str], None] = None

        raise SystemExit("not executed")
        ''',
    )
    rev = loader.scan_file(path)
    assert rev.revision == "1a2b3c4d5e6f"
    assert rev.down_revisions == ("0f0f0f0f0f0f",)
    assert rev.branch_labels == frozenset({"feature"})
    assert rev.doc == "Add things"
    assert rev.create_date == "2024-01-02 03:04:05.678901"


def test_multi_line_tuples_double_quotes_and_comments(versions: Path) -> None:
    path = write(
        versions,
        "m.py",
        '''
        # -*- coding: utf-8 -*-
        """merge two branches"""
        revision = "cccc"  # the id
        down_revision = (
            "aaaa",  # left
            "bbbb",
        )
        branch_labels = ["one", 'two']
        depends_on = ("dddd",
                      "eeee")
        ''',
    )
    rev = loader.scan_file(path)
    assert rev.down_revisions == ("aaaa", "bbbb")
    assert rev.branch_labels == frozenset({"one", "two"})
    assert rev.depends_on == ("dddd", "eeee")
    assert rev.doc == "merge two branches"


def test_windows_newlines_and_first_paragraph_of_the_docstring(versions: Path) -> None:
    text = revision_text("abc123", doc="First line\nstill first\n\nSecond paragraph")
    path = versions / "abc123_x.py"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    rev = loader.scan_file(path)
    assert rev.doc == "First line\nstill first"
    assert rev.create_date == "2024-05-06 07:08:09.000001"
    assert loader.read_longdoc(path).startswith("First line\nstill first\n\nSecond paragraph\n")


def test_assignment_lookalike_inside_a_string_is_not_trusted(versions: Path) -> None:
    path = write(
        versions,
        "s.py",
        '''
        """doc"""
        NOTE = """
        revision = 'fake'
        """
        revision = 'real'
        down_revision = None
        ''',
    )
    assert loader.scan_file(path).revision == "real"


def test_reassigned_name_takes_the_last_value(versions: Path) -> None:
    path = write(versions, "r.py", "revision = 'a'\ndown_revision = None\nrevision = 'b'\n")
    assert loader.scan_file(path).revision == "b"


def test_non_literal_value_names_file_and_line(versions: Path) -> None:
    path = write(
        versions, "n.py", '"""d"""\nPARENT = "x"\nrevision = "a"\ndown_revision = PARENT.upper()\n'
    )
    with pytest.raises(errors.ScriptError) as info:
        loader.scan_file(path)
    assert info.value.lineno == 4
    assert info.value.path == str(path)
    assert "down_revision must be written as a literal" in str(info.value)


def test_wrong_type_of_value(versions: Path) -> None:
    path = write(versions, "w.py", "revision = 'a'\ndown_revision = 5\n")
    with pytest.raises(errors.ScriptError, match="line 2: down_revision must be None"):
        loader.scan_file(path)


def test_file_without_revision_is_an_error_unless_named_like_a_legacy_id(versions: Path) -> None:
    helper = write(versions, "helpers.py", "VALUE = 1\n")
    with pytest.raises(errors.ScriptError, match="does not declare its revision id"):
        loader.scan_file(helper)
    legacy = write(versions, "4f2e.py", '"""old style"""\ndown_revision = None\n')
    assert loader.scan_file(legacy).revision == "4f2e"


def test_missing_down_revision(versions: Path) -> None:
    path = write(versions, "d.py", "revision = 'a'\n")
    with pytest.raises(errors.ScriptError, match="does not declare down_revision"):
        loader.scan_file(path)


def test_syntax_error_found_while_scanning_names_the_line(versions: Path) -> None:
    path = write(versions, "e.py", "revision = 'a'\ndown_revision = None\nrevision = (\n")
    with pytest.raises(errors.ScriptError) as info:
        loader.scan_file(path)
    assert info.value.lineno == 3
    assert str(path) in str(info.value)


def test_scan_lists_py_files_in_name_order_and_skips_others(
    versions: Path, config: ScriptConfig
) -> None:
    write(versions, "b_second.py", revision_text("bbb", "aaa"))
    write(versions, "a_first.py", revision_text("aaa"))
    write(versions, "__init__.py", "")
    write(versions, ".#a_first.py", "junk")
    write(versions, "notes.txt", "revision = 'zzz'")
    write(versions, "sub/c_third.py", revision_text("ccc", "bbb"))
    revisions = loader.scan_locations(config)
    assert [r.revision for r in revisions] == ["aaa", "bbb"]
    graph = RevisionGraph(revisions)
    assert graph.heads == ("bbb",)


def test_recursive_version_locations(versions: Path, config: ScriptConfig) -> None:
    write(versions, "a.py", revision_text("aaa"))
    write(versions, "sub/b.py", revision_text("bbb", "aaa"))
    write(versions, "sub/__pycache__/x.py", revision_text("xxx"))
    recursive = ScriptConfig(directory=config.directory, recursive_version_locations=True)
    assert [r.revision for r in loader.scan_locations(recursive)] == ["aaa", "bbb"]


def test_sourceless_compiled_files(versions: Path, config: ScriptConfig) -> None:
    source = write(versions, "a_one.py", revision_text("aaa", doc="compiled"))
    py_compile.compile(str(source), cfile=str(versions / "a_one.pyc"), doraise=True)
    source.unlink()
    assert loader.scan_locations(config) == []
    sourceless = ScriptConfig(directory=config.directory, sourceless=True)
    [rev] = loader.scan_locations(sourceless, use_cache=False)
    assert (rev.revision, rev.down_revisions, rev.doc) == ("aaa", (), "compiled")
    assert rev.path == str(versions / "a_one.pyc")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("X = False\nif X:\n    down_revision = 'b'\n", ()),
        ("try:\n    down_revision = 'b'\nexcept NameError:\n    pass\n", ("b",)),
        ("del down_revision\ndown_revision = ('c', 'd')\n", ("c", "d")),
        ("def f():\n    global down_revision\n    down_revision = 'x'\nf()\n", ("x",)),
        ("for down_revision in ('e', 'f'):\n    pass\n", ("f",)),
    ],
)
def test_compiled_files_with_more_than_constants_are_run(
    versions: Path, config: ScriptConfig, body: str, expected: tuple[str, ...]
) -> None:
    source = write(versions, "a_one.py", "revision = 'a'\ndown_revision = None\n" + body)
    py_compile.compile(str(source), cfile=str(versions / "a_one.pyc"), doraise=True)
    source.unlink()
    sourceless = ScriptConfig(directory=config.directory, sourceless=True)
    [rev] = loader.scan_locations(sourceless, use_cache=False, run_file=modules.load_module)
    assert rev.down_revisions == expected


# --- the cache ----------------------------------------------------------------------------


def _cache(versions: Path) -> dict[str, object]:
    data = json.loads((versions / "__pycache__" / loader.CACHE_NAME).read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.usefixtures("settle_now")
def test_cache_is_used_when_nothing_changed(
    versions: Path, config: ScriptConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(versions, "a.py", revision_text("aaa"))
    write(versions, "b.py", revision_text("bbb", "aaa"))
    first = loader.scan_locations(config)
    assert set(_cache(versions)["entries"]) == {"a.py", "b.py"}  # type: ignore[call-overload]

    def no_reading(path: Path) -> None:
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(loader, "_read_header", no_reading)
    assert loader.scan_locations(config) == first


@pytest.mark.usefixtures("settle_now")
def test_cache_sees_a_touched_a_replaced_and_a_removed_file(
    versions: Path, config: ScriptConfig
) -> None:
    a = write(versions, "a.py", revision_text("aaa"))
    b = write(versions, "b.py", revision_text("bbb", "aaa"))
    c = write(versions, "c.py", revision_text("ccc", "bbb"))
    loader.scan_locations(config)
    # Same size, written in place, with the modification time put back: still noticed.
    stat = a.stat()
    a.write_text(a.read_text().replace("'aaa'", "'aab'").replace("'bbb'", "'bbc'"))
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # Replaced by another file of the same size.
    tmp = versions / "tmp.txt"
    tmp.write_text(revision_text("bbx", "aab"))
    os.replace(tmp, b)
    c.unlink()
    revisions = loader.scan_locations(config)
    assert [(r.revision, r.down_revisions) for r in revisions] == [
        ("aab", ()),
        ("bbx", ("aab",)),
    ]
    assert set(_cache(versions)["entries"]) == {"a.py", "b.py"}  # type: ignore[call-overload]


def test_fresh_files_are_not_cached(versions: Path, config: ScriptConfig) -> None:
    write(versions, "a.py", revision_text("aaa"))
    loader.scan_locations(config)
    cache = versions / "__pycache__" / loader.CACHE_NAME
    assert not cache.exists() or _cache(versions)["entries"] == {}


@pytest.mark.usefixtures("settle_now")
def test_unreadable_cache_is_ignored_and_rewritten(versions: Path, config: ScriptConfig) -> None:
    write(versions, "a.py", revision_text("aaa"))
    (versions / "__pycache__").mkdir()
    (versions / "__pycache__" / loader.CACHE_NAME).write_text("{not json")
    assert [r.revision for r in loader.scan_locations(config)] == ["aaa"]
    assert set(_cache(versions)["entries"]) == {"a.py"}  # type: ignore[call-overload]
    leftovers = [p.name for p in (versions / "__pycache__").iterdir()]
    assert leftovers == [loader.CACHE_NAME]


@pytest.mark.usefixtures("settle_now")
def test_emptied_folder_clears_the_cache(versions: Path, config: ScriptConfig) -> None:
    a = write(versions, "a.py", revision_text("aaa"))
    loader.scan_locations(config)
    a.unlink()
    assert loader.scan_locations(config) == []
    assert _cache(versions)["entries"] == {}


@pytest.mark.usefixtures("settle_now")
def test_cache_of_another_reader_or_python_is_not_trusted(
    versions: Path, config: ScriptConfig
) -> None:
    path = versions / "a.py"
    path.write_bytes(
        "# -*- coding: latin-1 -*-\nrevision = 'Ã©'\ndown_revision = None\n".encode("latin-1")
    )
    assert [r.revision for r in loader.scan_locations(config)] == ["Ã©"]
    cache = versions / "__pycache__" / loader.CACHE_NAME
    data = _cache(versions)
    entries = data["entries"]
    assert isinstance(entries, dict) and entries["a.py"][4] == "Ã©"
    # An entry as an earlier reader wrote it: the bytes taken for UTF-8.
    entries["a.py"][4] = "é"
    for stale in ({"format": 1}, {"python": "cpython-00"}, {"format": None}):
        cache.write_text(json.dumps({**data, **stale}))
        assert [r.revision for r in loader.scan_locations(config)] == ["Ã©"]
    # The same entry under this reader's format and Python is trusted: the key is the file.
    cache.write_text(json.dumps(data))
    assert [r.revision for r in loader.scan_locations(config)] == ["é"]


def test_fresh_files_are_not_cached_when_this_clock_runs_ahead(
    versions: Path, config: ScriptConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A share whose clock is an hour behind this machine's: by this machine's clock the
    # file just written is old, by the file system's it is not.
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() + 3600 * 10**9)
    write(versions, "a.py", revision_text("aaa"))
    assert [r.revision for r in loader.scan_locations(config)] == ["aaa"]
    cache = versions / "__pycache__" / loader.CACHE_NAME
    assert not cache.exists() or _cache(versions)["entries"] == {}


# --- running a file -----------------------------------------------------------------------


def test_alembic_imports_resolve_to_this_engine(versions: Path) -> None:
    import alembic  # the real one is installed for the compatibility tests

    real = sys.modules["alembic"]
    path = write(
        versions,
        "a.py",
        '''
        """doc"""
        import json
        import alembic
        import alembic.op
        from alembic import op, context
        from alembic.op import create_table
        import alembic.context as ctx

        revision = "a"
        down_revision = None


        def upgrade():
            from alembic import op as inner
            return inner
        ''',
    )
    module = modules.load_module(path)
    assert module.op is engine_op
    assert module.alembic.op is engine_op
    assert module.alembic is not alembic
    assert module.create_table == engine_op.create_table
    assert module.ctx is module.context
    assert module.upgrade() is engine_op
    assert module.json is json
    assert module.__doc__ == "doc"
    assert module.__file__ == str(path)
    assert module.__name__ not in sys.modules
    assert sys.modules["alembic"] is real


def test_other_alembic_modules_are_refused(versions: Path) -> None:
    path = write(versions, "a.py", "from alembic.operations import ops\nrevision = 'a'\n")
    with pytest.raises(errors.ScriptError, match="ModuleNotFoundError: No module named"):
        modules.load_module(path)


def test_each_load_is_a_new_module(versions: Path) -> None:
    path = write(versions, "a.py", "revision = 'a'\ndown_revision = None\nitems = []\n")
    first, second = modules.load_module(path), modules.load_module(path)
    assert first is not second and first.__name__ != second.__name__


def test_syntax_error_names_file_and_line(versions: Path) -> None:
    path = write(versions, "a.py", revision_text("a", body="def upgrade():\n    x = (\n"))
    with pytest.raises(errors.ScriptError) as info:
        modules.load_module(path)
    assert info.value.path == str(path)
    assert info.value.lineno == 17
    assert f"{path}, line 17" in str(info.value)


def test_error_while_running_names_file_exception_and_line(versions: Path) -> None:
    path = write(versions, "a.py", revision_text("a"))
    with pytest.raises(errors.ScriptError) as info:
        modules.load_module(path)
    assert info.value.lineno == 16
    assert "RuntimeError: this file must not run" in str(info.value)
