"""The header reader against Python itself: the values it reads without running a file are
the values Python gives when it runs the file, or it refuses; it never guesses."""

from __future__ import annotations

import codecs
from collections import Counter
from pathlib import Path

import pytest

from flask_migrate_lite.engine import errors
from flask_migrate_lite.engine.script import header, loader

from .header_corpus import Case, corpus, mutations, run_with_python


def _read(data: bytes, path: str) -> dict[str, object]:
    """What the reader gives, in the shape of :func:`run_with_python`'s answers."""
    try:
        values, doc = header.read_header(data, path)
    except errors.ScriptError as exc:
        return {"error": str(exc)}
    return {"values": {k: repr(v) for k, (v, _) in values.items()}, "doc": repr(doc)}


def _quick_answers(data: bytes) -> bool:
    try:
        header._quick(data)
    except header._Unsure:
        return False
    return True


def test_reader_agrees_with_python_on_thousands_of_header_spellings() -> None:
    cases = list(corpus())
    assert len(cases) >= 4000
    python = run_with_python([(case.name, case.data) for case in cases])

    failures: list[str] = []
    seen: Counter[str] = Counter()
    for case in cases:
        expected = python[case.name]
        # Every generated file runs: a refusal below is about reading, not a broken file.
        assert "error" not in expected, (case.name, expected)
        got = _read(case.data, case.name)
        if not case.static:
            seen["refused"] += 1
            if "error" not in got:
                failures.append(f"{case.name}: read {got} where only running tells {expected}")
            elif "without running the file" not in str(got["error"]):
                failures.append(f"{case.name}: refused with {got['error']}")
            continue
        seen["quick" if _quick_answers(case.data) else "static"] += 1
        if got != expected:
            failures.append(f"{case.name}:\n  reader {got}\n  python {expected}\n  {case.data!r}")
    assert not failures, f"{len(failures)} disagreements:\n" + "\n".join(failures[:20])
    # Both readers and the refusals were exercised, not just one of them.
    assert seen["quick"] > 400 and seen["static"] > 2000 and seen["refused"] > 500, seen


def test_reader_never_disagrees_with_python_on_mutated_files() -> None:
    cases = list(mutations())
    python = run_with_python([(case.name, case.data) for case in cases])
    failures: list[str] = []
    seen: Counter[str] = Counter()
    for case in cases:
        expected = python[case.name]
        if "error" in expected:
            seen["not compiled"] += 1
            continue
        got = _read(case.data, case.name)
        if "error" in got:
            seen["refused"] += 1  # allowed: never a guess
        elif got != expected:
            failures.append(f"{case.data!r}:\n  reader {got}\n  python {expected}")
        else:
            seen["quick" if _quick_answers(case.data) else "static"] += 1
    assert not failures, f"{len(failures)} disagreements:\n" + "\n".join(failures[:20])
    assert seen["quick"] > 300 and seen["static"] > 50, seen


BROKEN = {
    "bom-with-latin-1-cookie": codecs.BOM_UTF8 + b"# coding: latin-1\nrevision = 'a'\n",
    "not-utf-8": b"revision = '\xe9'\ndown_revision = None\n",
    "unknown-cookie": b"# coding: no-such-codec\nrevision = 'a'\ndown_revision = None\n",
    "utf-16-cookie": b"# coding: utf-16\nrevision = 'a'\ndown_revision = None\n",
    "null-byte": b"revision = 'a'\x00\ndown_revision = None\n",
    "unterminated": b"revision = 'a\ndown_revision = None\n",
    "continued-into-nothing": b"revision = 'a'\ndown_revision = \\\n",
    "bad-escape": b"revision = '\\N{NO SUCH NAME}'\ndown_revision = None\n",
    "indented": b"  revision = 'a'\ndown_revision = None\n",
    "unclosed-tuple": b"revision = 'a'\ndown_revision = ('b',\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_files_python_cannot_compile_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.py"
    path.write_bytes(BROKEN[name])
    error = str(run_with_python([path])[str(path)].get("error"))
    assert error.startswith(("SyntaxError", "IndentationError")), error
    with pytest.raises(errors.ScriptError) as info:
        header.read_header(BROKEN[name], str(path))
    assert str(path) in str(info.value)


# --- the defects, one by one ------------------------------------------------------------------


def _case(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


@pytest.mark.parametrize(
    ("data", "revision"),
    [
        # Bytes that are also valid UTF-8, in files whose cookie says otherwise.
        (_case("# -*- coding: latin-1 -*-\nrevision = 'Ã©'\n", "latin-1"), "Ã©"),
        (_case("#!/usr/bin/env python\n# coding: cp1252\nrevision = 'â€™'\n", "cp1252"), "â€™"),
        # Lines ended by CR alone: the cookie is on the second line for Python.
        (b"\r# coding: latin-1\rrevision = '\xc3\xa9'\r", "Ã©"),
        # The third line is too late for a cookie: UTF-8.
        (b"\n\n# coding: latin-1\nrevision = '\xc3\xa9'\n", "é"),
        # Continued lines: the second assignment is a statement too.
        (b"revision = 'a'\n_x = \\\nrevision = 'b'\n", "b"),
        (b"revision = \\\n    'a' \\\n    'b'\n", "ab"),
        (b"revision = 'a'\n_x = 1; revision = 'b'\n", "b"),
        (b"revision = 'a'\n\x0crevision = 'b'\n", "b"),
        (b"revision = 'a'\nrevision, _y = 'b', 1\n", "b"),
        ("revision = 'a'\n\uff52evision = 'b'\n".encode(), "b"),
        (b"revision = 'a'\ndef upgrade():\n    pass\nrevision = 'b'\n", "b"),
        (b'"""revision = \'x\'"""\nrevision = r\'a\\b\'\n', "a\\b"),
        (b"revision = 'a'\n_d = dict(\nrevision = 'fake',\n)\n", "a"),
    ],
)
def test_spellings_that_used_to_be_misread(data: bytes, revision: str, tmp_path: Path) -> None:
    path = tmp_path / "r.py"
    path.write_bytes(data + b"\ndown_revision = None\n")
    assert run_with_python([path])[str(path)]["values"] == {
        "revision": repr(revision),
        "down_revision": "None",
    }
    assert loader.scan_file(path).revision == revision


@pytest.mark.parametrize(
    ("source", "line", "why"),
    [
        ("if True:\n    down_revision = 'x'\n", 2, "but it is assigned inside an if block"),
        ("try:\n    down_revision = 'x'\nexcept Exception:\n    pass\n", 2, "inside a try block"),
        ("from other import down_revision\n", 1, "but it is imported (line 2)"),
        ("from other import *\nrevision = 'a'\n", 1, "may come from the import * on line 2"),
        ("PARENT = compute()\ndown_revision = PARENT\n", 2, "set from PARENT, which is computed"),
        ("down_revision = None\ndef f():\n    global down_revision\n", 3, "declared global"),
        ("(down_revision := 'x')\n", 1, "but it is assigned with := on line 2"),
        ("down_revision = ['x']\ndown_revision.append('y')\n", 1, "holds a list that the file"),
        ("down_revision = x = ['a']\nx.append('b')\n", 1, "shares a list with another name"),
        ("def __getattr__(name):\n    return 'x'\n", 1, "the module's __getattr__ decides"),
        (
            "down_revision = UNDEFINED\n",
            1,
            "set from UNDEFINED, which is not assigned before line 2",
        ),
    ],
)
def test_values_only_running_can_tell_are_refused_with_the_line(
    source: str, line: int, why: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.py"
    path.write_text("revision = 'a'\n" + source)
    with pytest.raises(errors.ScriptError) as info:
        loader.scan_file(path)
    assert info.value.lineno == line + 1
    message = str(info.value)
    assert message.startswith(f"Cannot read the revision file {path}, line {line + 1}: ")
    assert "down_revision must be written as a literal" in message
    assert why in message
    assert message.endswith("; fix or remove it.")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("PARENT = 'x'\ndown_revision = PARENT\n", ("x",)),
        ("A = 'x'\nB = A\ndown_revision = (B, 'y')\n", ("x", "y")),
        ("down_revision = 'a' + 'b'\n", ("ab",)),
        ("P = 'x'\ndown_revision = f'{P}y'\n", ("xy",)),
        ("down_revision = 'x'\ndown_revision += 'y'\n", ("xy",)),
        ("down_revision = 'x'\ndel down_revision\ndown_revision = 'z'\n", ("z",)),
        ("if X:\n    down_revision = 'x'\ndown_revision = 'z'\n", ("z",)),
        (
            "down_revision = ['x']\ndef f():\n    down_revision = 1\n    return down_revision\n",
            ("x",),
        ),
    ],
)
def test_values_fixed_by_earlier_statements_are_read(
    source: str, expected: tuple[str, ...], tmp_path: Path
) -> None:
    path = tmp_path / "r.py"
    path.write_text("revision = 'a'\n" + source)
    assert loader.scan_file(path).down_revisions == expected


def test_every_generated_case_has_a_distinct_name() -> None:
    names = [case.name for case in corpus(random_cases=200)]
    assert len(names) == len(set(names))
    assert all(isinstance(case, Case) for case in corpus(random_cases=1))
