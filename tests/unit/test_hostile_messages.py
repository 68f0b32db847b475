"""Revision messages are text, never code: a generated corpus of hostile messages, written
through the bundled templates and templates shaped like the ones users bring.

For every message and template the file must parse, the header reader and Python (running
the file) must agree on its header, the docstring must give the message back exactly, the
history line must show it, the file name must stay a plain name, and nothing in the message
may run: messages built to escape the docstring try to create a marker file.
"""

from __future__ import annotations

import ast
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from flask_migrate_lite.engine import errors
from flask_migrate_lite.engine.runtime.modules import load_module
from flask_migrate_lite.engine.script import loader
from flask_migrate_lite.engine.script.directory import ScriptDirectory
from flask_migrate_lite.engine.script.folder import init_folder
from flask_migrate_lite.engine.script.formatting import RevisionView
from flask_migrate_lite.engine.script.rendering import displayed, docstring_text

MARKER = "FML_MARKER_PATH"

# Pieces that each break a naive template somewhere; messages are made by joining them.
FRAGMENTS = [
    '"""',
    "'''",
    '"',
    "'",
    '""',
    "''''''",
    "\\",
    "\\\\",
    "C:\\new\\x64\\table",
    "\\N",
    "\\N{BULLET}",
    "\\u0041",
    "\\x",
    "\\'",
    '\\"""',
    "\n",
    "\r",
    "\r\n",
    "\n\n",
    "\t",
    "\x00",
    "\x07",
    "\x0b",
    "\x0c",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\u200d",
    "é",
    "日本語",
    "🙂",
    "\U0001f468\u200d\U0001f469",
    "${message}",
    "<% x = 1 %>",
    "% if True:",
    "## mako comment",
    "%",
    "%(rev)s",
    "{0}",
    "# -*- coding: latin-1 -*-",
    "Revision ID: fake",
    "Create Date: never",
    "../../etc/passwd",
    "/",
    "..",
    "  leading and trailing  ",
    "__init__",
    "word",
    "add column",
    f'"""\nopen({MARKER!r}, "w").close()\n"""',
    f"'''\nopen({MARKER!r}, 'w').close()\n'''",
    f'\\"""\nopen({MARKER!r}, "w").close()\n"""',
    f'"""; open({MARKER!r}, "w").close(); """',
    f"\nimport os; os.system('touch ' + {MARKER!r})\n",
    f'"""\ndef upgrade():\n    open({MARKER!r}, "w").close()\n"""',
    '"""\nrevision = "evil"\ndown_revision = "evil"\n"""',
    f"${{open({MARKER!r}, 'w').close()}}",
]


def corpus(count: int = 160, seed: int = 20240601) -> Iterator[str]:
    """Every fragment alone and inside words, then ``count`` random joins of 2 to 5."""
    yield from FRAGMENTS
    for fragment in FRAGMENTS:
        yield f"start {fragment} end"
        yield f"start {fragment}"
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(2, 5)))
    yield "long " * 5000 + '"""\\'
    yield "x" * 100_000


# Templates users bring, in the shapes Flask-Migrate and Alembic templates have (written here,
# not copied): the message first in a double-quoted docstring, or in a single-quoted one.
USER_TEMPLATE = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

SINGLE_QUOTED_TEMPLATE = USER_TEMPLATE.replace('"""', "'''")

# The message in a comment: safe for one line, and refused when its line breaks would turn
# the rest of it into code.
COMMENT_TEMPLATE = '''"""Revision ${up_revision}."""
# ${message}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    pass


def downgrade():
    pass
'''

TEMPLATES = {
    "bundled": None,
    "bundled-multidb": None,
    "user": USER_TEMPLATE,
    "single-quoted": SINGLE_QUOTED_TEMPLATE,
    "comment": COMMENT_TEMPLATE,
}


def _expected(message: str) -> str:
    # The stored message: as given, except that a message of only white space is "empty".
    return message if message.strip() else "empty message"


def _folder(base: Path, name: str, template: str | None) -> ScriptDirectory:
    folder = base / name
    init_folder(folder, template="flask-multidb" if template == "bundled-multidb" else "flask")
    text = TEMPLATES[template] if template in TEMPLATES else None
    if text is not None:
        (folder / "script.py.mako").write_text(text, encoding="utf-8")
    return ScriptDirectory.from_path(folder, run_file=load_module)


def _check_written(scripts: ScriptDirectory, message: str, marker: Path, template: str) -> None:
    graph = scripts.graph()
    (rev,) = list(graph)
    path = Path(str(rev.path))
    data = path.read_bytes()
    tree = ast.parse(data)  # the file parses
    # The file name stays one plain, visible name.
    assert path.parent == scripts.directory / "versions"
    assert re.fullmatch(r"abc_\w*\.py", path.name), path.name
    assert ".." not in path.name and len(os.fsencode(path.name)) <= 255
    # What Python finds when it runs the file is what the header reader found.
    module = scripts.load_module("abc")
    assert (module.revision, module.down_revision) == (rev.revision, None) == ("abc", None)
    assert module.branch_labels is None and module.depends_on is None
    assert (loader.scan_file(path).revision, rev.down_revisions) == ("abc", ())
    if template == "bundled-multidb":
        module.upgrade("")
        module.downgrade("")
    else:
        module.upgrade()
        module.downgrade()
    assert not marker.exists(), "a part of the message ran"
    # The message comes back exactly.
    text = _expected(message)
    if template == "comment":
        assert "\n# " + docstring_text(text) + "\n" in data.decode()
        return
    assert ast.get_docstring(tree, clean=False) == module.__doc__
    assert (module.__doc__ or "").startswith(text + "\n\nRevision ID: abc\n")
    # History shows the first paragraph of the docstring (as Alembic does).
    summary = (module.__doc__ or "").strip().split("\n\n")[0]
    assert summary == (text + "\n\n").lstrip().split("\n\n")[0]
    assert rev.doc == summary
    line = RevisionView(graph, rev).line(doc=True)
    assert line == f"abc (head), {displayed(summary)}"
    assert scripts.longdoc("abc").startswith(text.strip())


@pytest.fixture
def no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    # Hundreds of files: what is tested here is their text, not their durability.
    monkeypatch.setattr(os, "fsync", lambda fd: None)


@pytest.mark.usefixtures("no_fsync")
@pytest.mark.parametrize("template", list(TEMPLATES))
def test_hostile_corpus(tmp_path: Path, template: str) -> None:
    marker = tmp_path / "ran"
    # The fragments alone and wrapped for every template; more random joins for the two
    # templates most folders have.
    count = 160 if template in ("bundled", "user") else 30
    messages = [m.replace(MARKER, str(marker)) for m in corpus(count)]
    scripts = _folder(tmp_path, "m", template)
    versions = scripts.directory / "versions"
    refused = 0
    for message in messages:
        try:
            scripts.generate_revision(
                message=message,
                rev_id="abc",
                template_args={"bind_names": ["users"]} if template == "bundled-multidb" else {},
            )
        except errors.InvalidMessage as exc:
            # Only a template that puts the message outside a string may refuse it, and only
            # a message whose line break would have made code.
            assert template == "comment" and "\n" in message, (message, exc)
            assert "put ${message} inside the docstring" in str(exc)
            assert [p.name for p in versions.iterdir()] in ([], ["__pycache__"])
            refused += 1
            continue
        _check_written(scripts, message, marker, template)
        for path in versions.glob("*.py"):
            path.unlink()
        scripts.refresh()
    # The comment template must have refused the messages that would have become code.
    assert (refused > 20) if template == "comment" else (refused == 0)


def test_the_corpus_is_hostile() -> None:
    # Guard against a corpus that has lost its teeth: written naively into a docstring, much
    # of it does not parse, turns into code, or reads back as another text.
    broken = code = altered = 0
    for message in corpus():
        source = f'"""{message}\n"""\nrevision = "abc"\n'
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            broken += 1
            continue
        if len(tree.body) != 2:
            code += 1
        elif ast.get_docstring(tree, clean=False) != message + "\n":
            altered += 1
    assert broken > 40 and code > 30 and altered > 40


@pytest.mark.parametrize(
    "message",
    ["caf\udce9", "\udcff", "ok \ud800 no", "\udc80\udc81"],
)
def test_undecodable_message_is_refused_and_nothing_written(tmp_path: Path, message: str) -> None:
    scripts = _folder(tmp_path, "m", None)
    with pytest.raises(errors.InvalidMessage) as info:
        scripts.generate_revision(message=message, rev_id="abc")
    assert "not valid text" in str(info.value)
    assert str(info.value).isprintable()
    assert list((scripts.directory / "versions").iterdir()) == []


@pytest.mark.parametrize("message", [None, "", "   ", "\n\t\n"])
def test_a_missing_message_is_the_empty_message(tmp_path: Path, message: str | None) -> None:
    scripts = _folder(tmp_path, "m", None)
    rev = scripts.generate_revision(message=message, rev_id="abc")
    assert rev.doc == "empty message"
    assert Path(str(rev.path)).name == "abc_.py"


@pytest.mark.parametrize(
    ("encoding", "message"),
    [("ascii", "café 日本 🙂"), ("latin-1", "café 日本 🙂"), ("utf-8", "café 日本 🙂")],
)
def test_characters_the_output_encoding_cannot_hold_are_escaped(
    tmp_path: Path, encoding: str, message: str
) -> None:
    folder = tmp_path / "m"
    init_folder(folder)
    ini = folder / "alembic.ini"
    ini.write_text(
        ini.read_text().replace("[alembic]\n", f"[alembic]\noutput_encoding = {encoding}\n")
    )
    scripts = ScriptDirectory.from_path(folder, run_file=load_module)
    rev = scripts.generate_revision(message=message, rev_id="abc")
    data = Path(str(rev.path)).read_bytes()
    data.decode(encoding)
    assert rev.doc == message
    assert (scripts.load_module("abc").__doc__ or "").startswith(message + "\n\n")


def test_docstring_text_keeps_plain_messages_as_they_are() -> None:
    for message in ["Add users table", "it's done", 'say "hi" twice', "café, 日本", "a\nb\tc"]:
        assert docstring_text(message) == message
    assert docstring_text('end"') == 'end\\"'
    assert docstring_text('a"""b') == 'a\\"\\""b'
    assert docstring_text("C:\\new") == "C:\\\\new"
    assert docstring_text("a\rb\x00\u2028") == "a\\x0db\\x00\\u2028"
