"""Rendering a new revision file from ``script.py.mako`` so that every value stays text.

A template interpolates values that users supply: the ``-m`` message, revision ids, branch
labels and the ids read from other revision files. The stock templates (ours, Flask-Migrate's
and those users copied from them) put the message inside the module docstring as it is, and
the ids either there or as ``repr()`` literals. So the values handed to the template are made
safe for those places first: the message is escaped for a triple-quoted docstring (see
:func:`docstring_text`), the ids written as ``repr()`` are checked ids.

Then the rendered file is checked before anything is written, whatever the template does with
the values: it must parse; its code must be the same as the code the template renders with
plain placeholder values (so no value became code); the header Python reads from it must be
the one asked for; and where the template puts the message in the docstring, the docstring
must give the message back exactly. A file that fails any of these is refused with one
sentence, and nothing is written.
"""

from __future__ import annotations

import ast
import codecs
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..advice import Run
from ..errors import InvalidBranchLabel, InvalidMessage, MalformedMessage, TemplateError

__all__ = [
    "EMPTY_MESSAGE",
    "Header",
    "comma",
    "displayed",
    "docstring_text",
    "message_text",
    "python_header",
    "render_revision",
    "validate_branch_label",
]

EMPTY_MESSAGE = "empty message"
"""The message of a revision made without one (or with only white space), as in Flask-Migrate."""

MAX_LABEL_LENGTH = 64

_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_LOOKS_RELATIVE = re.compile(r".*[+-]\d+")
_RESERVED = frozenset({"head", "heads", "base", "current"})
# Bidirectional formatting characters: inside a docstring they can make the code around it
# display in another order than Python reads it, so they are written as escapes.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_UTF8 = frozenset({"utf-8", "utf-8-sig"})
_TOKEN = "qzfml{}zq"
_TOKEN_RE = re.compile(r"qzfml\d+zq")
_KEYS = ("revision", "down_revision", "branch_labels", "depends_on")
_TEMPLATE_NAMES = {
    "revision": "up_revision",
    "down_revision": "down_revision",
    "branch_labels": "branch_labels",
    "depends_on": "depends_on",
}


# --- values made safe ----------------------------------------------------------------------


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_escape(ch: str, keep: str = "\n\t") -> bool:
    if ch in keep:
        return False
    return unicodedata.category(ch) in _ESCAPED_CATEGORIES or ch in _BIDI


def displayed(text: str, keep: str = "\n\t") -> str:
    """``text`` with the characters :func:`docstring_text` escapes (control characters but
    those in ``keep``, separators, bidirectional controls, lone surrogates) shown as
    escapes, for printing to a terminal."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if _needs_escape(ch, keep) else ch for ch in text)


def docstring_text(value: str, encoding: str = "utf-8", keep: str = "\n\t") -> str:
    """``value`` written so that, inside a triple-quoted string (``\"\"\"`` or ``'''``), Python
    reads back exactly ``value``.

    Backslashes are doubled; a quote is escaped when the next character is the same quote or
    when it ends the value (so no run of three can close the string, nor one merge with the
    closing quotes); control characters (but those in ``keep``), line and paragraph
    separators, bidirectional formatting characters and lone surrogates are written as
    ``\\x``, ``\\u`` or ``\\U`` escapes, and so is every character outside ASCII when
    ``encoding`` is not UTF-8. Everything else (letters of any script, quotes inside the
    text) is written as it is.
    """
    # Python reads a file without a coding line as UTF-8: in any other encoding, only ASCII
    # is sure to be read back as written.
    ascii_only = codecs.lookup(encoding).name not in _UTF8
    if (
        value.isprintable()
        and "\\" not in value
        and not (ascii_only and not value.isascii())
        and not value.endswith(("'", '"'))
        and "''" not in value
        and '""' not in value
    ):
        return value
    out: list[str] = []
    last = len(value) - 1
    for i, ch in enumerate(value):
        if ch == "\\":
            out.append("\\\\")
        elif ch in "'\"":
            out.append("\\" + ch if i == last or value[i + 1] == ch else ch)
        elif _needs_escape(ch, keep) or (ascii_only and not ch.isascii()):
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)


def message_text(message: object) -> str:
    """The message to store for ``message`` (``-m``): itself, or :data:`EMPTY_MESSAGE`.

    ``None``, an empty message and one of only white space become :data:`EMPTY_MESSAGE`.
    Raises :class:`MalformedMessage` for a message that is not text: lone surrogates are what
    Python makes of command-line bytes that are not valid in the locale's encoding.
    """
    if message is None:
        return EMPTY_MESSAGE
    if not isinstance(message, str):
        raise MalformedMessage(f"it is not text but of type {type(message).__name__}")
    for position, ch in enumerate(message):
        if "\ud800" <= ch <= "\udfff":
            # What Python makes of an undecodable byte of the command line (surrogateescape).
            what = (
                f"the byte 0x{ord(ch) - 0xDC00:02x}"
                if "\udc80" <= ch <= "\udcff"
                else f"the code point U+{ord(ch):04X}"
            )
            raise MalformedMessage(
                f"it is not valid text ({what} at position {position + 1} is not UTF-8); "
                "type it again in UTF-8, or set a UTF-8 locale (LANG=C.UTF-8)"
            )
    return message if message.strip() else EMPTY_MESSAGE


def validate_branch_label(label: str) -> None:
    """Check a new branch label; raise :class:`InvalidBranchLabel` if it is not usable.

    A label is 1 to 64 ASCII letters, digits and ``_``, ``-``, ``.``, starting with a letter,
    digit or ``_``; it must not be one of ``head``, ``heads``, ``base``, ``current``, nor end
    like a relative step (``x-1``, ``x+2``), because identifiers such as ``label@head`` and
    ``label@-1`` are built from it. (Labels of files already on disk are read whatever they
    are.)
    """
    if not label:
        raise InvalidBranchLabel(label, "it is empty")
    if len(label) > MAX_LABEL_LENGTH:
        raise InvalidBranchLabel(label, f"it is longer than {MAX_LABEL_LENGTH} characters")
    if not _LABEL.fullmatch(label) or not label.isascii():
        bad = sorted({c for c in label if not (c.isascii() and (c.isalnum() or c in "_.-"))})
        if bad:
            listed = ", ".join(ascii(c) for c in bad)
            raise InvalidBranchLabel(
                label, f"it contains {listed}; use only letters, digits, '_', '-' and '.'"
            )
        raise InvalidBranchLabel(label, "it must start with a letter, a digit or '_'")
    if label in _RESERVED:
        raise InvalidBranchLabel(label, f"'{label}' is a reserved word in revision identifiers")
    if _LOOKS_RELATIVE.fullmatch(label):
        raise InvalidBranchLabel(
            label, "it ends like a relative step (such as -1 or +2); end it with a letter"
        )


def comma(value: object, encoding: str = "utf-8") -> str:
    """The ``comma`` filter of the templates' ``Revises:`` line, escaped for the docstring."""
    if value is None:
        return ""
    if isinstance(value, str):
        return docstring_text(value, encoding, keep="")
    if isinstance(value, Iterable):
        return ", ".join(docstring_text(str(item), encoding, keep="") for item in value)
    return docstring_text(str(value), encoding, keep="")


# --- rendering and checking ----------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """What the new file's header must declare."""

    revision: str
    down_revision: tuple[str, ...]
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]

    def template_values(self) -> dict[str, object]:
        """The values the templates name, in the shapes Alembic gives them."""
        return {
            "up_revision": self.revision,
            "down_revision": _scalar(self.down_revision),
            "branch_labels": self.branch_labels or None,
            "depends_on": _scalar(self.depends_on),
        }

    def placeholders(self) -> tuple[Header, dict[str, str]]:
        """The same header with each id replaced by a plain token, and the tokens' values."""
        values: dict[str, str] = {}

        def token(value: str) -> str:
            name = _TOKEN.format(len(values))
            values[name] = value
            return name

        stand_in = Header(
            token(self.revision),
            tuple(token(v) for v in self.down_revision),
            tuple(token(v) for v in self.branch_labels),
            tuple(token(v) for v in self.depends_on),
        )
        return stand_in, values


def _scalar(ids: tuple[str, ...]) -> str | tuple[str, ...] | None:
    # How Alembic writes down_revision/depends_on: None, one id, or a tuple of ids.
    if not ids:
        return None
    return ids[0] if len(ids) == 1 else ids


_FIX_TEMPLATE = "correct it, or copy script.py.mako from a folder made by " + Run("init")


# Compiled templates by path and text: a process that writes many revisions (a test suite,
# a script) compiles each template once.
_COMPILED: dict[tuple[str, bytes], Any] = {}
_COMPILED_MAX = 8


class _Template:
    """A ``script.py.mako`` compiled once and rendered as often as needed."""

    def __init__(self, path: Path) -> None:
        from mako.template import Template  # type: ignore[import-untyped]

        self.path = path
        try:
            key = (str(path), path.read_bytes())
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise TemplateError(str(path), f"cannot be read ({reason})", _FIX_TEMPLATE) from None
        compiled = _COMPILED.get(key)
        if compiled is None:
            try:
                compiled = Template(text=key[1], filename=key[0])
            except Exception as exc:
                raise self._failed(exc) from exc
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.clear()
            _COMPILED[key] = compiled
        self.template = compiled

    def _failed(self, exc: Exception) -> TemplateError:
        from mako import exceptions  # type: ignore[import-untyped]

        detail = exceptions.text_error_template().render().strip().splitlines()
        return TemplateError(
            str(self.path), f"failed: {detail[-1] if detail else exc}", _FIX_TEMPLATE
        )

    def render(self, names: Mapping[str, object]) -> str:
        try:
            return str(self.template.render_unicode(**names))
        except Exception as exc:
            raise self._failed(exc) from exc


def _parse(data: bytes) -> ast.Module | str:
    """The module ``data`` holds, or why Python cannot read it."""
    try:
        return ast.parse(data)
    except SyntaxError as exc:
        where = f"line {exc.lineno}: " if exc.lineno else ""
        return f"{where}{exc.msg}"
    except ValueError as exc:  # null bytes
        return str(exc)
    except (RecursionError, MemoryError):
        return "it is nested too deeply to be parsed"


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return node  # not a literal: never equal to what was asked for


def python_header(tree: ast.Module) -> tuple[dict[str, object], str | None]:
    """The header values Python assigns at module level (the last assignment wins) and the
    module docstring, read from the tree without running anything."""
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            value: ast.expr | None = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets, value = [node.target.id], node.value
        else:
            continue
        for name in targets:
            if name in _KEYS and value is not None:
                values[name] = _literal(value)
    return values, ast.get_docstring(tree, clean=False)


def _as_ids(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _shape(tree: ast.AST) -> str:
    """The code of a module with every string constant emptied: what a value can change
    without becoming code."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    try:
        return ast.dump(tree)
    except RecursionError:
        return ""  # cannot be compared: the caller refuses it


def _check_header(template: str, found: Mapping[str, object], header: Header) -> None:
    wanted: dict[str, tuple[str, ...]] = {
        "revision": (header.revision,),
        "down_revision": header.down_revision,
        "branch_labels": header.branch_labels,
        "depends_on": header.depends_on,
    }
    for name, want in wanted.items():
        got = _as_ids(found.get(name))
        same = got is not None and (
            set(got) == set(want) and len(got) == len(want)
            if name == "branch_labels"
            else got == want
        )
        if not same:
            shown = found[name] if name in found else None
            if isinstance(shown, ast.AST):
                shown = "an expression"
            var = _TEMPLATE_NAMES[name]
            raise TemplateError(
                template,
                f"renders a file whose {name} is {shown!r} instead of "
                f"{_scalar(want) if name != 'revision' else header.revision!r}",
                f"write '{name} = ${{repr({var})}}' in it, as the bundled template does",
            )


def render_revision(
    template: Path,
    names: Mapping[str, Any],
    header: Header,
    message: str,
    encoding: str = "utf-8",
) -> bytes:
    """Render ``template`` for a new revision and return the file's bytes, checked.

    ``names`` are the template's other names (``config``, ``create_date``, ``upgrades`` ...);
    the header's values, the ``comma`` filter and ``message`` (stored as given: see
    :func:`message_text`) are added here in their safe forms. Raises
    :class:`TemplateError` or :class:`InvalidMessage` when the file would not parse, would
    run any part of a value as code, would declare another header than ``header``, or would
    not give the message back; nothing is written in any case.
    """
    name = str(template)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise TemplateError(
            name,
            f"cannot be written in the unknown output_encoding '{encoding}'",
            "set output_encoding = utf-8 in alembic.ini",
        ) from None
    compiled = _Template(template)
    real = compiled.render(_names(names, header, docstring_text(message, encoding), encoding))
    try:
        data = real.encode(encoding)
    except UnicodeEncodeError as exc:
        line = real.count("\n", 0, exc.start) + 1
        raise TemplateError(
            name,
            f"renders a character that the output_encoding {encoding} cannot hold "
            f"({ascii(real[exc.start])} on line {line})",
            "set output_encoding = utf-8 in alembic.ini",
        ) from None
    stand_in, tokens = header.placeholders()
    message_token = _TOKEN.format(len(tokens))
    tokens[message_token] = message
    plain = compiled.render(_names(names, stand_in, message_token, encoding))
    plain_tree = _parse(plain.encode("utf-8"))
    if isinstance(plain_tree, str):
        raise TemplateError(
            name, f"renders a file that is not valid Python ({plain_tree})", _FIX_TEMPLATE
        )
    plain_doc = ast.get_docstring(plain_tree, clean=False)
    plain_shape = _shape(plain_tree)
    if not plain_shape:
        raise TemplateError(name, "renders code nested too deeply to be checked", _FIX_TEMPLATE)
    tree = _parse(data)
    if isinstance(tree, str):
        raise _misplaced(compiled, names, header, message, encoding, plain_shape, tree)
    found, doc = python_header(tree)
    if _shape(tree) != plain_shape:
        raise _misplaced(compiled, names, header, message, encoding, plain_shape, None)
    _check_header(name, found, header)
    if plain_doc is not None and plain_doc.count(message_token) == 1:
        expected = _TOKEN_RE.sub(lambda m: tokens.get(m.group(), m.group()), plain_doc)
        if doc != expected:
            raise InvalidMessage(
                f"the template {name} does not keep it as written (Python would read the "
                "docstring differently); put ${message} in a plain, not raw, triple-quoted "
                "docstring, as the bundled template does"
            )
    return data


def _names(base: Mapping[str, Any], header: Header, message: str, encoding: str) -> dict[str, Any]:
    names = dict(base)
    names.update(header.template_values())
    names["comma"] = functools.partial(comma, encoding=encoding)
    names["message"] = message
    return names


def _misplaced(
    template: _Template,
    names: Mapping[str, Any],
    header: Header,
    message: str,
    encoding: str,
    plain_shape: str,
    problem: str | None,
) -> Exception:
    """The error for a file that, with the real values, does not parse (``problem``) or has
    other code than with placeholders: rendered again with the real message and placeholder
    ids, to say whether the message or an id is to blame."""
    stand_in, _ = header.placeholders()
    text = template.render(_names(names, stand_in, docstring_text(message, encoding), encoding))
    tree = _parse(text.encode(encoding, "backslashreplace"))
    effect = f"the file would not be valid Python ({problem})" if problem else ""
    if isinstance(tree, str) or _shape(tree) != plain_shape:
        if problem:
            return InvalidMessage(
                f"the template {template.path} cannot hold it: {effect}; put ${{message}} "
                "inside the docstring, as the bundled template does"
            )
        return InvalidMessage(
            f"the template {template.path} puts it outside a string, where it would become "
            "code; put ${message} inside the docstring, as the bundled template does"
        )
    return TemplateError(
        str(template.path),
        "cannot hold the revision ids or branch labels: "
        + (effect or "they would become code outside a string"),
        "write them as ${repr(...)}, as the bundled template does",
    )


def with_replaces(data: bytes, replaces: tuple[str, ...]) -> bytes:
    """The rendered revision ``data`` with ``replaces = (...)`` on the line after the
    header's last assignment (``depends_on`` in the bundled templates)."""
    tree = ast.parse(data)
    end = 0
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id in _KEYS for t in targets):
            end = node.end_lineno or node.lineno
    lines = data.splitlines(keepends=True)
    newline = b"\r\n" if lines and lines[0].endswith(b"\r\n") else b"\n"
    line = b"replaces = " + repr(replaces).encode("ascii") + newline
    return b"".join([*lines[:end], line, *lines[end:]])
