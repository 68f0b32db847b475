"""SQL expressions (check conditions, index expressions, partial-index predicates) in one
spelling, so that the models' text and the text a database reports back compare equal when
they mean the same.

Each database rewrites what it stores: PostgreSQL adds casts (``0::numeric``), parentheses,
and turns ``IN (...)`` into ``= ANY (ARRAY[...])`` and ``BETWEEN`` into two comparisons;
MariaDB quotes names with backquotes, writes keywords in lower case and renames some
functions (``lcase``, ``octet_length``); SQLite keeps the text as written. :func:`tokens`
splits an expression into words, literals and symbols, and :func:`spelling` joins them again
in one form: names unquoted and in lower case, literals as written, no parentheses, ``!=``
as ``<>``, ``a BETWEEN b AND c`` as ``a >= b and a <= c``. Each dialect's
:meth:`~.compare_rules.CompareRules.expression_sql` adds its own rewrites first.

Parentheses are dropped altogether: a change of grouping alone is not seen, but no
parentheses a database adds or removes are taken for a change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "drop_casts",
    "like_words",
    "rename_functions",
    "spelling",
    "tokens",
    "unfold_any_array",
]

_PATTERN = r"""
    (?P<literal>[eEnN]?'(?:LITERAL)*')
    | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`)
    | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
    | (?P<word>[^\W\d]\w*(?:\$\w*)*)
    | (?P<cast>::)
    | (?P<operator><>|!=|<=|>=|\|\||[-+*/%<>=!~^&|]+)
    | (?P<other>\S)
    """
_TOKEN = re.compile(_PATTERN.replace("LITERAL", r"[^']|''"), re.VERBOSE)
# MySQL's strings: a backslash escapes the next character.
_BACKSLASH_TOKEN = re.compile(_PATTERN.replace("LITERAL", r"[^'\\]|''|\\."), re.VERBOSE)

_QUOTED_NUMBER = re.compile(r"'-?\d+(?:\.\d+)?'")
# The words of a type name that can follow its first word in a PostgreSQL cast.
_TYPE_WORDS = frozenset({"varying", "precision", "with", "without", "time", "zone"})


def tokens(sql: str, backslash: bool = False) -> list[str]:
    """``sql`` as a list of tokens; names unquoted and, as every keyword, in lower case.

    With ``backslash`` (MySQL) a backslash in a string escapes the next character; an
    escaped quote is written doubled, as the other databases write it.
    """
    out: list[str] = []
    for match in (_BACKSLASH_TOKEN if backslash else _TOKEN).finditer(sql):
        kind = match.lastgroup
        text = match.group()
        if kind == "literal":
            out.append(text.replace("\\'", "''") if backslash else text)
        elif kind == "quoted":
            out.append(text[1:-1].lower())
        elif kind == "operator" and text == "!=":
            out.append("<>")
        else:
            out.append(text.lower())
    return out


def drop_casts(parts: Sequence[str]) -> list[str]:
    """Without PostgreSQL's casts: ``::name``, ``::character varying(20)``, ``::text[]``."""
    out: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i] != "::":
            out.append(parts[i])
            i += 1
            continue
        # A constant PostgreSQL quotes to cast it ('-1'::integer) is the number again.
        if out and _QUOTED_NUMBER.fullmatch(out[-1]):
            number = out.pop()[1:-1]
            out += ["-", number[1:]] if number.startswith("-") else [number]
        i += 2  # the cast and the type's first word
        while i < len(parts) and parts[i] in _TYPE_WORDS:
            i += 1
        if i < len(parts) and parts[i] == ".":
            i += 2  # a schema-qualified type
        if i < len(parts) and parts[i] == "(":
            while i < len(parts) and parts[i] != ")":
                i += 1
            i += 1
        while i + 1 < len(parts) and parts[i] == "[" and parts[i + 1] == "]":
            i += 2
    return out


def unfold_any_array(parts: Sequence[str]) -> list[str]:
    """PostgreSQL's ``= ANY (ARRAY[a, b])`` as ``IN (a, b)``, ``<> ALL (...)`` as ``NOT IN``
    (the array in any number of parentheses)."""
    out: list[str] = []
    i = 0
    words = {("=", "any"): ["in"], ("<>", "all"): ["not", "in"]}
    while i < len(parts):
        pair = tuple(parts[i : i + 2])
        opened = i + 2
        while opened < len(parts) and parts[opened] == "(":
            opened += 1
        depth_open = opened - (i + 2)
        if pair in words and depth_open and parts[opened : opened + 2] == ["array", "["]:
            depth = 0
            j = opened + 1
            while j < len(parts):
                if parts[j] == "[":
                    depth += 1
                elif parts[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            closing = parts[j + 1 : j + 1 + depth_open]
            if closing == [")"] * depth_open:
                out += [*words[pair], "(", *parts[opened + 2 : j], ")"]
                i = j + 1 + depth_open
                continue
        out.append(parts[i])
        i += 1
    return out


# PostgreSQL's operators for LIKE and its kin.
_LIKE = {"~~": ["like"], "!~~": ["not", "like"], "~~*": ["ilike"], "!~~*": ["not", "ilike"]}


def like_words(parts: Sequence[str]) -> list[str]:
    """PostgreSQL's ``~~`` as ``like`` (``!~~`` as ``not like``, ``~~*`` as ``ilike``)."""
    out: list[str] = []
    for part in parts:
        out += _LIKE.get(part, [part])
    return out


def rename_functions(parts: Sequence[str], names: Mapping[str, str]) -> list[str]:
    """Function names in ``names`` replaced by their other spelling (where a call follows)."""
    return [
        names.get(part, part) if i + 1 < len(parts) and parts[i + 1] == "(" else part
        for i, part in enumerate(parts)
    ]


def _single_in(parts: Sequence[str]) -> list[str]:
    """``IN (v)`` of a single value as ``= v``, ``NOT IN (v)`` as ``<> v``."""
    out: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i] == "in" and parts[i + 1 : i + 2] == ["("] and parts[i + 3 : i + 4] == [")"]:
            negated = bool(out) and out[-1] == "not"
            if negated:
                out.pop()
            out += ["<>" if negated else "=", parts[i + 2]]
            i += 4
            continue
        out.append(parts[i])
        i += 1
    return out


def _between(parts: Sequence[str]) -> list[str]:
    """``a BETWEEN b AND c`` (single-token operands) as ``a >= b and a <= c``."""
    out = list(parts)
    i = 1
    while i + 3 < len(out):
        if out[i] == "between" and out[i + 2] == "and" and out[i - 1] != "not":
            subject, low, high = out[i - 1], out[i + 1], out[i + 3]
            out[i - 1 : i + 4] = [subject, ">=", low, "and", subject, "<=", high]
        i += 1
    return out


def spelling(
    sql: str, rewrite: Callable[[list[str]], list[str]] | None = None, backslash: bool = False
) -> str:
    """``sql`` in one spelling (see the module's description); ``rewrite`` is a dialect's
    own step, applied to the tokens before the common ones; ``backslash``: see
    :func:`tokens`."""
    parts = tokens(sql, backslash)
    if rewrite is not None:
        parts = rewrite(parts)
    parts = [part for part in _between(_single_in(parts)) if part not in ("(", ")")]
    return " ".join(parts)
