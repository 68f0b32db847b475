"""What a revision file's header assigns, read from its source without running the file.

A revision file declares ``revision``, ``down_revision``, ``branch_labels`` and
``depends_on`` as module variables (a squash revision also ``replaces``).
:func:`read_header` returns the values Python gives those names when it runs the file, and
the module's docstring, without running it.

Two readers share the work:

* The quick reader handles the way revision files are written: comments, a docstring,
  imports and the four assignments with string or ``None`` values, then the functions. It
  answers only when it is certain to read what Python reads: Python decodes the file as
  UTF-8 (BOM and coding cookie), every line it reads is a whole statement at module level,
  and none of the four names occurs anywhere after those lines (not even in a string or a
  comment, nor spelled with characters Python folds to them). Otherwise it gives up.
* The static reader then parses the bytes with :func:`ast.parse`, which decodes them as
  Python does when it runs the file, and follows the module's top-level statements in
  order. It knows literals, names already holding such values, ``+`` of strings, tuples
  and lists, and f-strings of such values; the last assignment wins. A header name set in
  a way that only running the file can settle (inside an ``if``, ``try``, ``for``, ``while``,
  ``with`` or ``match`` block, by an import, ``def``, ``class``, ``:=``, ``import *``, a
  module ``__getattr__``, a function declaring it ``global``, or an expression with calls)
  is an error naming the line, never a guess.

Neither reader sees changes made through reflection (``globals()``, ``exec``, ``setattr``
on the module object).
"""

from __future__ import annotations

import ast
import codecs
import re
import unicodedata
import warnings

from .static_header import HEADER_NAMES, Values, parse, read_static

__all__ = ["HEADER_NAMES", "Values", "read_docstring", "read_header"]

# --- the quick reader ------------------------------------------------------------------------

# The first two lines as Python's tokenizer sees them (any of the three line ends), where a
# coding cookie may be.
_FIRST_LINES = re.compile(rb"[^\r\n]*(?:\r\n?|\n)?[^\r\n]*")
_COOKIE = re.compile(rb"coding[:=][ \t]*([-\w.]*)")
# The four names wherever Python could read them as identifiers. Only ASCII letters, digits
# and '_' count as identifier characters around them, so this finds more than Python would
# read (which only sends a file to the static reader), never less.
_WORD = re.compile(
    r"(?<![A-Za-z_])(?:revision|down_revision|branch_labels|depends_on|replaces)(?![A-Za-z0-9_])"
)
_PREAMBLE = re.compile(r"(?:[ \t\f]*(?:#[^\n]*)?\n)*")
# A string literal whose end is found by Python's rules: a backslash takes the next
# character (a line end included); a quote ends a triple-quoted string only as three.
_TRIPLE_DQ = r'"""(?:[^"\\]|\\.|"(?!""))*"""'
_TRIPLE_SQ = r"'''(?:[^'\\]|\\.|'(?!''))*'''"
_SINGLE_DQ = r'"(?:[^"\\\n]|\\.)*"'
_SINGLE_SQ = r"'(?:[^'\\\n]|\\.)*'"
_DOCSTRING = re.compile(
    rf"(?P<string>[rRuU]?(?:{_TRIPLE_DQ}|{_TRIPLE_SQ}|{_SINGLE_DQ}|{_SINGLE_SQ}))"
    r"[ \t]*(?:#[^\n]*)?(?:\n|\Z)",
    re.DOTALL,
)
_STRING_START = re.compile(r"[A-Za-z]{0,2}['\"]")
# 'from x import *' binds names that appear nowhere in the file.
_STAR_IMPORT = re.compile(r"import(?:[ \t\f]|\\\n)*\*")
_LINE_END = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\n|\Z)")
# The lines of a header: blank lines and comments, one-line imports, and assignments of
# the four names. Header values are one-line string literals (a triple quote is read as
# juxtaposed strings, which is safe: a value is taken only once ast.literal_eval has read
# the same span), None, and tuples or lists of them, which may span lines.
_BLANK_LINES = re.compile(r"(?:[ \t\f]*(?:#[^\n]*)?\n)+|[ \t\f]*(?:#[^\n]*)?\Z")
_IMPORT_LINES = re.compile(
    r"(?:(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:\([\w., \t]*\)|[\w., \t]*\w)[ \t]*"
    r"(?:#[^\n]*)?(?:\n|\Z))+",
    re.ASCII,
)
_VALUE_STRING = rf"(?:[rRuUbB]|[rR][bB]|[bB][rR])?(?:{_SINGLE_DQ}|{_SINGLE_SQ})"
_ITEM = rf"(?:{_VALUE_STRING}|None(?![A-Za-z0-9_]))"
_ASSIGN_LINE = re.compile(
    rf"""
    (?P<name>revision|down_revision|branch_labels|depends_on|replaces)
    [ \t]*(?::[ \t]*(?P<annotation>[A-Za-z_][\w.\[\], \t|]*?))?[ \t]*=[ \t]*
    (?P<value>
       [(\[](?:[ \t\n,]|\#[^\n]*\n|{_ITEM})*[)\]]
     | {_ITEM}(?:[ \t]*(?:,[ \t]*)?{_ITEM})*(?:[ \t]*,)?
    )
    [ \t]*(?:\#[^\n]*)?(?:\n|\Z)
    """,
    re.VERBOSE | re.ASCII | re.DOTALL,
)


_PLAIN_ASSIGN = re.compile(
    r"(revision|down_revision|branch_labels|depends_on|replaces)[ \t]*=[ \t]*"
    r"(?:'([^'\\\n]*)'|\"([^\"\\\n]*)\"|None(?![A-Za-z0-9_]))[ \t]*(?:#[^\n]*)?\n"
)


class _Unsure(Exception):
    """The quick reader cannot be certain; the static reader takes over."""


def _utf8_text(data: bytes) -> str:
    """The source as Python reads it, when Python reads it as UTF-8; else :class:`_Unsure`.

    Any coding cookie other than UTF-8 (or a malformed one) is left to the parser, which
    applies Python's own rules. Line ends become ``\\n``, as for Python.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    head = _FIRST_LINES.match(data) if b"coding" in data else None
    if head is not None and b"coding" in head.group():
        for cookie in _COOKIE.finditer(head.group()):
            name = cookie.group(1).lower().replace(b"_", b"-")
            if name not in (b"utf-8", b"utf8") and not name.startswith(b"utf-8-"):
                raise _Unsure
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _Unsure from None
    if "\0" in text:
        raise _Unsure
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _literal(source: str) -> object:
    """``source`` evaluated by Python's own parser, or :class:`_Unsure`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.literal_eval(source)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise _Unsure from None


def _quick_docstring(text: str) -> tuple[str | None, int]:
    """The docstring and the offset of the line after it; or ``None`` and the offset of the
    first statement when that is certainly not a string."""
    pos = _PREAMBLE.match(text).end()  # type: ignore[union-attr]
    quote = text[pos : pos + 3]
    if quote in ('"""', "'''"):
        # The usual docstring: no escapes, so the first closing quotes end it.
        end = text.find(quote, pos + 3)
        if end > 0 and text.find("\\", pos, end) < 0:
            tail = _LINE_END.match(text, end + 3)
            if tail is not None:
                return text[pos + 3 : end], tail.end()
    match = _DOCSTRING.match(text, pos)
    if match is None:
        if pos < len(text) and (
            _STRING_START.match(text, pos) or not (text[pos].isascii() and text[pos].isalpha())
        ):
            raise _Unsure  # bytes, an f-string, a string that goes on, a parenthesis...
        return None, pos
    value = _literal(match.group("string"))
    if not isinstance(value, str):
        raise _Unsure
    return value, match.end()


def _mentions(text: str, start: int, end: int) -> bool:
    """Whether one of the four names may occur as an identifier in ``text[start:end]``."""
    return (
        text.find("revision", start, end) >= 0
        or text.find("branch_labels", start, end) >= 0
        or text.find("depends_on", start, end) >= 0
        or text.find("replaces", start, end) >= 0
    ) and _WORD.search(text, start, end) is not None


def _value(source: str) -> object:
    if source == "None":
        return None
    quote = source[0]
    if quote in "'\"" and source.count(quote) == 2 and source[-1] == quote and "\\" not in source:
        return source[1:-1]
    return _literal(source)


def _check_annotation(annotation: str) -> None:
    depth = 0
    for char in annotation:
        depth += (char == "[") - (char == "]")
        if depth < 0:
            raise _Unsure
    if depth or _mentions(annotation, 0, len(annotation)):
        raise _Unsure


def _quick(data: bytes) -> tuple[Values, str | None]:
    text = _utf8_text(data)
    doc, pos = _quick_docstring(text)
    lineno = text.count("\n", 0, pos) + 1
    values: Values = {}
    size = len(text)
    while pos < size:
        if text.startswith(HEADER_NAMES, pos):
            line = _PLAIN_ASSIGN.match(text, pos)
            if line is not None:  # name = 'id' / "id" / None, as templates write them
                name, single, double = line.groups()
                values[name] = (single if double is None else double, lineno)
                lineno += 1
                pos = line.end()
                continue
            line = _ASSIGN_LINE.match(text, pos)
            if line is None:
                break
            name, annotation, source = line.group("name", "annotation", "value")
            if annotation:
                _check_annotation(annotation)
            values[name] = (_value(source), lineno)
        elif text.startswith(("import", "from"), pos):
            line = _IMPORT_LINES.match(text, pos)
            if line is None:
                break
            if _mentions(text, pos, line.end()):
                raise _Unsure  # an import binding one of the names (or a comment naming it)
        else:
            line = _BLANK_LINES.match(text, pos)
            if line is None:
                break
        lineno += text.count("\n", pos, line.end())
        pos = line.end()
    # Past the header lines nothing may name the four variables, whatever it is.
    if (
        _mentions(text, pos, size)
        or ("*" in text and _STAR_IMPORT.search(text))
        or "__getattr__" in text  # a module __getattr__ answers for missing names
    ):
        raise _Unsure
    if not text.isascii():
        rest = text[pos:]
        if not rest.isascii():
            folded = unicodedata.normalize("NFKC", rest)
            if _mentions(folded, 0, len(folded)):
                raise _Unsure  # Python folds identifiers to NFKC: 'ｒevision' is 'revision'
    return values, doc


# --- entry points ----------------------------------------------------------------------------


def read_header(data: bytes, path: str) -> tuple[Values, str | None]:
    """The header values and the docstring of a revision file's source ``data``.

    Raises :class:`ScriptError` (with the line where known) when the file does not parse
    or a header name is set in a way only running the file can tell.
    """
    try:
        return _quick(data)
    except _Unsure:
        return read_static(data, path)


def read_docstring(data: bytes, path: str) -> str | None:
    """The module docstring of ``data`` as Python sees it (``None`` without one)."""
    try:
        return _quick_docstring(_utf8_text(data))[0]
    except _Unsure:
        return ast.get_docstring(parse(data, path), clean=False)
