"""A deterministic corpus of revision-file headers spelled in many ways, and Python's answer.

Each :class:`Case` is the bytes of one file. Its header names are spelled in one of the
ways listed in ``SPELLINGS`` (continuations, semicolons, annotations, concatenation,
escapes, prefixes, blocks, names standing for values...), inside a file with one of the
encodings (coding cookies, a BOM), line ends, docstrings and bodies below. :func:`corpus`
combines them: every spelling with every encoding and line end, then a few thousand random
mixes drawn from a fixed seed, so every run sees the same files.

:func:`run_with_python` executes files (with :func:`runpy.run_path`) or sources (compiled from
their bytes, as the import system does) in a fresh interpreter, so that Python decodes each
as it does when it runs a file, and returns what each one's namespace holds.
"""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

NAMES = ("revision", "down_revision", "branch_labels", "depends_on")


@dataclass(frozen=True)
class Case:
    """One generated file: its name, its bytes, and whether its header is static.

    A header is static when Python's value for every header name can be known without
    running the file; for the others the reader must refuse (never guess).
    """

    name: str
    data: bytes
    static: bool


# --- values and how to write them -----------------------------------------------------------


@dataclass(frozen=True)
class Encoding:
    name: str
    preamble: str  # lines before the docstring (a cookie, a shebang...)
    bom: bool
    codec: str  # how the file's text is encoded
    extra: str  # a non-ASCII text this encoding can write


ENCODINGS = (
    Encoding("plain", "", False, "utf-8", "é€"),
    Encoding("utf8-cookie", "# -*- coding: utf-8 -*-\n", False, "utf-8", "ü"),
    Encoding("utf8-short", "# coding=utf8\n", False, "utf-8", "ü"),
    Encoding("bom", "", True, "utf-8", "ø"),
    Encoding("bom-cookie", "# coding: utf-8\n", True, "utf-8", "ø"),
    # Bytes that also read as UTF-8: Python reads them as latin-1, and so must the reader.
    Encoding("latin-1", "# -*- coding: latin-1 -*-\n", False, "latin-1", "Ã©"),
    Encoding("latin-1-2nd", "#!/usr/bin/env python\n# coding: latin-1\n", False, "latin-1", "Ã¼"),
    Encoding("iso-8859-15", "# vim: set fileencoding=iso-8859-15 :\n", False, "iso-8859-15", "Ã©"),
    Encoding("cp1252", "# -*- coding: cp1252 -*-\n", False, "cp1252", "â€™"),
    # Not a cookie: the third line is too late.
    Encoding("late-cookie", "\n\n# coding: latin-1\n", False, "utf-8", "é"),
)
NEWLINES = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


def lit(value: object, quote: str = "'") -> str:
    """A literal for ``value`` written with ``quote`` (strings, None, tuples, lists)."""
    if value is None:
        return "None"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
        return f"{quote}{escaped}{quote}"
    if isinstance(value, tuple):
        inner = ", ".join(lit(v, quote) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(lit(v, quote) for v in value) + "]"
    raise TypeError(value)


def escaped(value: str) -> str:
    """``value`` as a string literal made of escape sequences only."""
    return (
        "'"
        + "".join(f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in value)
        + "'"
    )


# A spelling writes one header name: (name, value, literal) -> (lines, static).
Spelling = Callable[[str, object, str], tuple[str, bool]]


def _str_only(make: Callable[[str, str], str]) -> Spelling:
    """A spelling that needs a string value; other values are written plainly."""

    def spell(name: str, value: object, literal: str) -> tuple[str, bool]:
        if isinstance(value, str) and len(value) >= 2:
            return make(name, value), True
        return f"{name} = {literal}", True

    return spell


def _fixed(template: str, static: bool = True) -> Spelling:
    def spell(name: str, value: object, literal: str) -> tuple[str, bool]:
        return template.format(name=name, lit=literal, dq=lit(value, '"')), static

    return spell


def _immutable_only(spell: Spelling) -> Spelling:
    """A list reached through another name could be changed through either: refused."""

    def spelling(name: str, value: object, literal: str) -> tuple[str, bool]:
        text, static = spell(name, value, literal)
        return text, static and not isinstance(value, list)

    return spelling


def _multiline(name: str, value: object, literal: str) -> tuple[str, bool]:
    if isinstance(value, (tuple, list)):
        open_, close = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        items = "".join(f"    {lit(v)},  # {name} = 'fake'\n" for v in value)
        return f"{name} = {open_}\n{items}{close}", True
    return f"{name} = (\n    {literal}\n)", True


def _bare_tuple(name: str, value: object, literal: str) -> tuple[str, bool]:
    if isinstance(value, tuple) and len(value) > 1:
        return f"{name} = " + ", ".join(lit(v) for v in value), True
    return f"{name} = {literal}", True


def _unpacking(name: str, value: object, literal: str) -> tuple[str, bool]:
    return f"{name}, _other_{name} = {literal}, 1", True


SPELLINGS: dict[str, Spelling] = {
    "plain": _fixed("{name} = {lit}"),
    "double-quotes": _fixed("{name} = {dq}"),
    "tabs": _fixed("{name}\t=\t{lit}"),
    "no-spaces": _fixed("{name}={lit}"),
    "comment": _fixed("{name} = {lit}  # {name} = 'fake' \\"),
    "annotated": _fixed("{name}: Union[str, Sequence[str], None] = {lit}"),
    "annotated-str": _fixed("{name}: str = {lit}"),
    "annotated-quoted": _fixed("{name}: 'Optional[str]' = {lit}"),
    "annotation-only-after": _fixed("{name} = {lit}\n{name}: str"),
    "continued-after-equals": _fixed("{name} = \\\n    {lit}"),
    "continued-before-equals": _fixed("{name} \\\n    = {lit}"),
    "continued-name": _immutable_only(_fixed("_x = \\\n{name} = {lit}")),
    "semicolon-after": _fixed("{name} = {lit}; _y = 2"),
    "semicolon-before": _fixed("_y = 2; {name} = {lit}"),
    "semicolon-twice": _fixed("{name} = 'wrong'; {name} = {lit}"),
    "chained": _immutable_only(_fixed("{name} = _chained_{name} = {lit}")),
    "chained-second": _immutable_only(_fixed("_chained_{name} = {name} = {lit}")),
    "chained-changed": _fixed("{name} = _c_{name} = [{lit}]\n_c_{name}.append(1)", False),
    "module-level-global": _fixed("global {name}\n{name} = {lit}"),
    "parenthesised": _multiline,
    "bare-tuple": _bare_tuple,
    "unpacking": _unpacking,
    "implicit-concat": _str_only(lambda n, v: f"{n} = {lit(v[:1])} {lit(v[1:], chr(34))}"),
    "plus-concat": _str_only(lambda n, v: f"{n} = {lit(v[:1])} + {lit(v[1:])}"),
    "concat-lines": _str_only(lambda n, v: f"{n} = ({lit(v[:1])}\n    {lit(v[1:])})"),
    "string-continued": _str_only(lambda n, v: f"{n} = '{v[:1]}\\\n{v[1:]}'"),
    "escapes": _str_only(lambda n, v: f"{n} = {escaped(v)}"),
    "raw": _str_only(lambda n, v: f"{n} = r{lit(v)}"),
    "unicode-prefix": _str_only(lambda n, v: f"{n} = u{lit(v)}"),
    "triple-quoted": _str_only(lambda n, v: f"{n} = '''{v}'''"),
    "fstring": _str_only(lambda n, v: f"{n} = f{lit(v)}"),
    "fstring-name": _str_only(
        lambda n, v: f"_part_{n} = {lit(v[1:])}\n{n} = f'{v[:1]}{{_part_{n}}}'"
    ),
    "name-reference": _immutable_only(_fixed("_prev_{name} = {lit}\n{name} = _prev_{name}")),
    "name-chain": _immutable_only(
        _fixed("_a_{name} = {lit}\n_b_{name} = _a_{name}\n{name} = _b_{name}")
    ),
    "reassigned": _fixed("{name} = 'first'\n{name} = {lit}"),
    "deleted-then-set": _fixed("{name} = 'first'\ndel {name}\n{name} = {lit}"),
    "form-feed": _fixed("\f{name} = {lit}"),
    "form-feed-line": _fixed("\f\n{name} = {lit}"),
    "after-functions": _fixed("#AFTER#{name} = {lit}"),
    "docstring-lookalike": _fixed('_note = """\n{name} = \'fake\'\n"""\n{name} = {lit}'),
    "in-if": _fixed("if True:\n    {name} = {lit}", static=False),
    "in-if-then-set": _fixed("if False:\n    {name} = 'x'\n{name} = {lit}"),
    "in-try": _fixed("try:\n    {name} = {lit}\nexcept Exception:\n    pass", static=False),
    "in-with": _fixed("import contextlib\nwith contextlib.suppress():\n    {name} = {lit}", False),
    "in-for": _fixed("for {name} in [{lit}]:\n    pass", static=False),
    "walrus": _fixed("({name} := {lit})", static=False),
    "computed": _fixed("{name} = (lambda: {lit})()", static=False),
    "global-in-function": _fixed("{name} = {lit}\ndef _f():\n    global {name}", static=False),
    "imported": _fixed("{name} = {lit}\nfrom os import sep as {name}\n{name} = {lit}"),
    "star-import-before": _fixed("from os.path import *\n{name} = {lit}"),
    "star-import-after": _fixed("{name} = {lit}\nfrom os.path import \\\n    *", static=False),
    "class-attribute": _fixed("{name} = {lit}\nclass _K:\n    {name} = 'fake'"),
    "local-in-function": _fixed(
        "{name} = {lit}\ndef _g():\n    {name} = 'fake'\n    return {name}"
    ),
    "nfkc-spelling": _fixed("{name} = 'fake'\n#NFKC#{name} = {lit}"),
}

# --- the rest of a file -----------------------------------------------------------------------

DOCSTRINGS: dict[str, str] = {
    "triple": (
        '"""Add things\n\nRevision ID: {rid}\nRevises: {down}\nCreate Date: 2024-01-02\n\n"""\n'
    ),
    "triple-single": "'''Add {extra}\n\nrevision = 'in the docstring'\n'''\n",
    "escapes": '"""Path C:\\\\new\\\\x64 \\N{{BULLET}} \\t tab\n\\"""\n"""\n',
    "raw": 'r"""Raw \\d+ {extra}"""\n',
    "concatenated": '"""Part one""" "part two"\n',
    "continued": '"""one\\\ntwo"""\n',
    "single": "'one line {extra}'  # revision = 'x'\n",
    "fstring": 'f"""not a docstring"""\n',
    "bytes": 'b"""not a docstring"""\n',
    "method": '"""Stripped""".strip()\n',
    "none": "",
    "after-code": 'import os\n"""too late to be a docstring"""\n',
}

IMPORTS = "from typing import Optional, Sequence, Union\n\nimport os\n\n"

BODIES: dict[str, str] = {
    "plain": "\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
    "strings": textwrap.dedent(
        '''

        def upgrade():
            sql = """
        revision = 'fake'
        down_revision = 'fake'
        """
            return sql.replace("revision", "{extra}")


        def downgrade():
            # depends_on = 'fake'
            pass
        '''
    ),
    "local-names": textwrap.dedent(
        """

        def upgrade():
            revision = 'local'
            branch_labels = ['local']
            return revision, branch_labels


        class Model:
            depends_on = 'attribute'
        """
    ),
    "non-ascii": "\n\ndef upgrade():\n    return '{extra}'  # {extra}\n",
    "empty": "",
}


VALUE_CHOICES: dict[str, Sequence[object]] = {
    "revision": ("1a2b3c4d5e6f", "rev_{extra}", "x"),
    "down_revision": (None, "0f0f0f0f0f0f", ("aaa111", "bbb222"), ["ccc333"], "x"),
    "branch_labels": (None, "feature", ("one",), ["one", "two"]),
    "depends_on": (None, "dep1", ("dep1", "dep2")),
}


def _render(
    encoding: Encoding,
    newline: str,
    docstring: str,
    body: str,
    values: dict[str, object],
    spellings: dict[str, str],
) -> tuple[bytes, bool]:
    static = True
    header: list[str] = []
    after: list[str] = []
    for name in NAMES:
        if name not in values:
            continue
        value = values[name]
        text, ok = SPELLINGS[spellings[name]](name, value, lit(value))
        # A star import may replace the names assigned before it: refused, not guessed.
        star = spellings[name].startswith("star-import") and bool(header)
        static = static and ok and not star
        if text.startswith("#AFTER#"):
            after.append(text.removeprefix("#AFTER#"))
        elif "#NFKC#" in text:
            before, rest = text.split("#NFKC#")
            # A fullwidth first letter: Python folds the identifier to the ASCII name.
            header.append(before + chr(ord(rest[0]) - ord("a") + 0xFF41) + rest[1:])
        else:
            header.append(text)
    if any(spellings[name].startswith("star-import") for name in values) and len(values) < 4:
        static = False  # a missing name may come from the star import
    doc = docstring.format(
        rid=values.get("revision"), down=values.get("down_revision"), extra=encoding.extra
    )
    source = (
        encoding.preamble
        + doc
        + IMPORTS
        + "\n".join(header)
        + "\n"
        + body.format(extra=encoding.extra)
        + ("\n" + "\n".join(after) + "\n" if after else "")
    )
    if newline != "\n":
        source = source.replace("\n", newline)
    data = source.encode(encoding.codec)
    if encoding.bom:
        data = b"\xef\xbb\xbf" + data
    return data, static


def _values(rng: random.Random, extra: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in NAMES:
        if name != "revision" and name != "down_revision" and rng.random() < 0.2:
            continue
        value = rng.choice(VALUE_CHOICES[name])
        if isinstance(value, str):
            value = value.replace("{extra}", extra)
        values[name] = value
    return values


def corpus(random_cases: int = 2600, seed: int = 20240611) -> Iterator[Case]:
    """Every spelling with every encoding and line end, then ``random_cases`` mixes."""
    rng = random.Random(seed)
    spelling_names = sorted(SPELLINGS)
    for spelling in spelling_names:
        for encoding in ENCODINGS:
            if spelling == "nfkc-spelling" and encoding.codec != "utf-8":
                continue
            for newline in NEWLINES:
                values = _values(rng, encoding.extra)
                spellings = dict.fromkeys(NAMES, spelling)
                data, static = _render(
                    encoding,
                    NEWLINES[newline],
                    DOCSTRINGS["triple"],
                    BODIES["plain"],
                    values,
                    spellings,
                )
                yield Case(f"{spelling}-{encoding.name}-{newline}", data, static)
    for number in range(random_cases):
        encoding = rng.choice(ENCODINGS)
        newline = rng.choice(sorted(NEWLINES))
        docstring = rng.choice(sorted(DOCSTRINGS))
        body = rng.choice(sorted(BODIES))
        values = _values(rng, encoding.extra)
        allowed = [s for s in spelling_names if s != "nfkc-spelling" or encoding.codec == "utf-8"]
        # Mostly the usual spelling, as real files, with the odd one mixed in.
        spellings = {
            name: (rng.choice(allowed) if rng.random() < 0.5 else "plain") for name in NAMES
        }
        data, static = _render(
            encoding, NEWLINES[newline], DOCSTRINGS[docstring], BODIES[body], values, spellings
        )
        yield Case(f"mix{number:04d}-{encoding.name}-{newline}-{docstring}-{body}", data, static)


# --- mutations of a usual file -------------------------------------------------------------

TEMPLATE = """\"\"\"Add things

Revision ID: abc
Revises: def
Create Date: 2024-01-02 03:04:05.678901

\"\"\"
import os
import sys


# revision identifiers, used by Alembic.
revision = 'abc'
down_revision = ('def', 'ghi')
branch_labels = None
depends_on = None


def upgrade():
    os.environ.get("UPDATE t SET x = 1")


def downgrade():
    pass
"""
# What gets inserted: the characters and words that change how a header reads.
PIECES = (
    "\\\n",
    "\n",
    "\r",
    "\r\n",
    ";",
    " ",
    "\t",
    "\f",
    "#",
    "'",
    '"',
    '"""',
    "'''",
    "(",
    ")",
    "[",
    "]",
    ",",
    "=",
    ":",
    "+",
    "*",
    "@",
    ".",
    "\\",
    "1",
    "x",
    "r",
    "b",
    "f",
    "u",
    "revision",
    "down_revision",
    "branch_labels",
    "None",
    "str",
    "if 1:\n    ",
    "    ",
    "import ",
    "from os.path import *\n",
    "global ",
    "del ",
    ":=",
    "é",
    "\uff52",
    "\x00",
)


def mutations(count: int = 4000, seed: int = 7) -> Iterator[Case]:
    """The usual file with a few pieces inserted or characters removed, mostly in its
    header. Most do not compile; the others are all read as Python reads them, or refused
    (``static`` says nothing here: the caller compares with Python)."""
    rng = random.Random(seed)
    for number in range(count):
        text = TEMPLATE
        for _ in range(rng.randint(1, 4)):
            pos = rng.randint(0, 380) if rng.random() < 0.8 else rng.randint(0, len(text))
            if rng.random() < 0.3:
                text = text[:pos] + text[pos + rng.randint(1, 5) :]
            else:
                text = text[:pos] + rng.choice(PIECES) + text[pos:]
        yield Case(f"mutation{number:04d}", text.encode("utf-8"), True)


# --- Python's answer --------------------------------------------------------------------------

_RUNNER = textwrap.dedent(
    """
    import json, pickle, runpy, sys, warnings
    warnings.simplefilter("ignore")
    names = ("revision", "down_revision", "branch_labels", "depends_on")

    def answer(namespace):
        return {
            "values": {k: repr(namespace[k]) for k in names if k in namespace},
            "doc": repr(namespace.get("__doc__")),
        }

    out = {}
    for key, source in pickle.load(sys.stdin.buffer):
        try:
            if isinstance(source, str):
                # A file: run it as Python runs a script.
                namespace = runpy.run_path(source)
            else:
                # Bytes: compiled as the import system and runpy compile a file's bytes.
                namespace = {"__name__": "generated"}
                exec(compile(source, key, "exec", dont_inherit=True), namespace)
        except BaseException as exc:
            out[key] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        out[key] = answer(namespace)
    json.dump(out, sys.stdout)
    """
)


def run_with_python(
    sources: Sequence[Path] | Sequence[tuple[str, bytes]],
) -> dict[str, dict[str, object]]:
    """What running each file gives, in a fresh interpreter: ``{"values": {name: repr},
    "doc": repr}`` or ``{"error": ...}``. Files (paths) are run with :func:`runpy.run_path`
    and keyed on the path as a string; ``(key, bytes)`` pairs are compiled from the bytes
    as the import system does, and keyed on ``key``."""
    items = [
        (str(item), str(item)) if isinstance(item, Path) else (item[0], item[1]) for item in sources
    ]
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=pickle.dumps(items),
        capture_output=True,
        timeout=600,
        check=True,
    )
    result: dict[str, dict[str, object]] = json.loads(proc.stdout)
    return result
