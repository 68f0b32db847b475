"""SQL text read the way a database's command-line client reads it, to end statements safely.

An offline script is run by ``psql``, ``mariadb``/``mysql`` or ``sqlite3``, which split it
into statements at each ``;`` that is not inside a string, a quoted name or a comment. SQL
text a migration passes to ``op.execute`` can end with its own ``;``, end inside a ``--``
comment (where an appended ``;`` would be commented out), or, for MySQL, hold several ``;``
of a stored-routine body. :func:`end_statement` writes such a statement so that the client
runs exactly it: one terminator, on a line of its own after a trailing comment, and a body
with semicolons between ``DELIMITER`` lines for MySQL.

:func:`scan` splits text into code, quoted parts and comments with each database's rules:
``''`` doubling everywhere; backslash escapes in MySQL strings (unless the server runs with
``NO_BACKSLASH_ESCAPES``) and in PostgreSQL ``E'...'`` strings; PostgreSQL's dollar quotes
(``$$ ... $$``, ``$tag$ ... $tag$``) and nested block comments; MySQL's ``#`` comments and
its ``--`` comments, which need a blank after the dashes; SQLite's ``[name]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Part", "SQLFlavour", "end_statement", "scan"]

Kind = Literal["code", "quoted", "line_comment", "block_comment"]

_DOLLAR_TAG = re.compile(r"\$(?:[^\W\d]\w*)?\$")
_WHITESPACE = " \t\n\r\f\v"


@dataclass(frozen=True)
class SQLFlavour:
    """How one database's client reads SQL text.

    ``name`` is the dialect name (``postgresql``, ``mysql``/``mariadb``, ``sqlite``...);
    ``backslash_escapes`` says whether a backslash escapes the next character in a string
    (MySQL by default; PostgreSQL only with ``standard_conforming_strings`` off).
    """

    name: str
    backslash_escapes: bool = False

    @property
    def mysql(self) -> bool:
        return self.name in ("mysql", "mariadb")

    @property
    def postgresql(self) -> bool:
        return self.name == "postgresql"


@dataclass(frozen=True)
class Part:
    """A run of SQL text of one kind."""

    kind: Kind
    text: str


def _quoted_end(sql: str, start: int, quote: str, backslash: bool) -> int:
    """The index after the string or name opened by ``quote`` at ``start`` (doubling escapes)."""
    i = start + 1
    while i < len(sql):
        char = sql[i]
        if backslash and char == "\\":
            i += 2
            continue
        if char == quote:
            if sql.startswith(quote, i + 1):
                i += 2
                continue
            return i + 1
        i += 1
    return len(sql)


def _block_comment_end(sql: str, start: int, nested: bool) -> int:
    depth = 0
    i = start
    while i < len(sql):
        if sql.startswith("/*", i):
            depth = depth + 1 if nested or depth == 0 else depth
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return len(sql)


def _line_comment_end(sql: str, start: int) -> int:
    ends = [end for end in (sql.find("\n", start), sql.find("\r", start)) if end >= 0]
    return min(ends) if ends else len(sql)


def _identifier_char(char: str) -> bool:
    return char.isalnum() or char in "_$"


def _special_end(sql: str, i: int, flavour: SQLFlavour) -> tuple[Kind, int] | None:
    """The kind and end of a quoted part or comment starting at ``i``; None for code."""
    char = sql[i]
    if char == "'":
        escaped = flavour.backslash_escapes or (
            flavour.postgresql
            and i > 0
            and sql[i - 1] in "eE"
            and (i < 2 or not _identifier_char(sql[i - 2]))
        )
        return "quoted", _quoted_end(sql, i, "'", escaped)
    if char == '"':
        return "quoted", _quoted_end(sql, i, '"', flavour.mysql and flavour.backslash_escapes)
    if char == "`" and not flavour.postgresql:
        return "quoted", _quoted_end(sql, i, "`", False)
    if char == "[" and flavour.name == "sqlite":
        end = sql.find("]", i + 1)
        return "quoted", len(sql) if end < 0 else end + 1
    if sql.startswith("--", i):
        after = sql[i + 2 : i + 3]
        if not flavour.mysql or after == "" or after in _WHITESPACE or ord(after) < 32:
            return "line_comment", _line_comment_end(sql, i)
    if char == "#" and flavour.mysql:
        return "line_comment", _line_comment_end(sql, i)
    if sql.startswith("/*", i):
        return "block_comment", _block_comment_end(sql, i, flavour.postgresql)
    if char == "$" and flavour.postgresql and (i == 0 or not _identifier_char(sql[i - 1])):
        tag = _DOLLAR_TAG.match(sql, i)
        if tag is not None:
            end = sql.find(tag.group(), tag.end())
            return "quoted", len(sql) if end < 0 else end + len(tag.group())
    return None


def scan(sql: str, flavour: SQLFlavour) -> list[Part]:
    """``sql`` split into code, quoted parts (strings, quoted names) and comments.

    An unterminated string or comment runs to the end of the text, as the client reads it.
    """
    parts: list[Part] = []
    code_start = i = 0
    while i < len(sql):
        special = _special_end(sql, i, flavour)
        if special is None:
            i += 1
            continue
        kind, end = special
        if code_start < i:
            parts.append(Part("code", sql[code_start:i]))
        parts.append(Part(kind, sql[i:end]))
        code_start = i = end
    if code_start < len(sql):
        parts.append(Part("code", sql[code_start:]))
    return parts


def _mysql_delimiter(sql: str) -> str:
    candidates = ("$$", "//", "$$$", "///")
    for delimiter in candidates:
        if delimiter not in sql:
            return delimiter
    count = 4
    while "$" * count in sql:
        count += 1
    return "$" * count


def _without_terminators(code: str, terminator: str) -> str:
    rest = code.rstrip(_WHITESPACE)
    while rest.endswith(terminator):
        rest = rest[: -len(terminator)].rstrip(_WHITESPACE)
    return rest


def end_statement(sql: str, flavour: SQLFlavour, terminator: str = ";") -> str:
    """``sql`` followed by exactly one ``terminator``, written so the client runs it whole.

    Semicolons and blanks that already end the text are dropped; after a trailing ``--``
    comment the terminator goes on a line of its own. For MySQL, a statement that still
    holds a ``;`` outside strings and comments (a ``CREATE PROCEDURE`` body) is written
    between ``DELIMITER`` lines, since the client would otherwise cut it at that ``;``.
    """
    if not terminator:
        return sql.strip()
    parts = scan(sql.strip(), flavour)
    while parts and parts[-1].kind == "code":
        rest = _without_terminators(parts[-1].text, terminator)
        if rest:
            parts[-1] = Part("code", rest)
            break
        parts.pop()
    text = "".join(part.text for part in parts).rstrip(_WHITESPACE)
    if parts and parts[-1].kind == "line_comment":
        text += "\n"
    if flavour.mysql and any(p.kind == "code" and terminator in p.text for p in parts):
        delimiter = _mysql_delimiter(text)
        return f"DELIMITER {delimiter}\n{text}{delimiter}\nDELIMITER {terminator}"
    return text + terminator
