"""A revision function's code, read from its file to be kept as written inside a squash.

A revision whose ``upgrade()`` or ``downgrade()`` does more than the recorder can replay
(SQL, rows, the connection) is carried into the squash as it is: the body of each function
becomes a nested function of the squash's own, called in its place. That body may use the
names the file imports (their import lines go into the squash too), ``op`` and ``sa``, and
builtins; a body using anything else the file defines (a helper function, a constant) is
refused, as are imports binding one name differently in two revisions.
"""

from __future__ import annotations

import ast
import builtins
import io
import tokenize
from dataclasses import dataclass

from ..errors import CommandError
from ..script.revision import Revision

__all__ = ["EMPTY", "FunctionSource", "function_source", "uses_connection"]

# The op API calls whose effect the recorder cannot replay (SQL, rows, the connection).
_OPAQUE_CALLS = frozenset(
    {
        "get_bind",
        "get_context",
        "execute",
        "bulk_insert",
        "inline_literal",
        "run_async",
        "migration_context",
        "impl",
    }
)
_GIVEN = frozenset({"op", "sa"})


@dataclass(frozen=True)
class FunctionSource:
    """A function's body, its code lines moved to column 0 and the lines continuing a string
    (``literal``, by position) kept as they are, and the import lines of its file that bind
    the names it uses, by name."""

    lines: tuple[str, ...]
    literal: frozenset[int]
    imports: dict[str, str]

    def indented(self, prefix: str) -> list[str]:
        """The body with ``prefix`` before each code line."""
        return [
            line if i in self.literal else (prefix + line if line.strip() else "")
            for i, line in enumerate(self.lines)
        ]


#: The body of a function that does nothing.
EMPTY = FunctionSource(("pass",), frozenset(), {})


def _tree(rev: Revision) -> ast.Module:
    if rev.path is None:
        raise CommandError(f"Revision {rev.revision} has no file to read.")
    with open(rev.path, "rb") as stream:
        return ast.parse(stream.read(), rev.path)


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    found = None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            found = node
    return found


def uses_connection(rev: Revision, name: str) -> bool:
    """Whether the function ``name`` of the revision's file reaches past the op API's schema
    calls (SQL, rows, the connection, the migration context)."""
    function = _function(_tree(rev), name)
    if function is None:
        return False
    return any(
        isinstance(node, ast.Attribute) and node.attr in _OPAQUE_CALLS
        for node in ast.walk(function)
    )


def _imports(tree: ast.Module, source: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if isinstance(node, ast.Import):
                    line = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                else:
                    module = "." * node.level + (node.module or "")
                    line = f"from {module} import {alias.name}" + (
                        f" as {alias.asname}" if alias.asname else ""
                    )
                found[bound] = line
    return found


def _free_names(function: ast.FunctionDef) -> set[str]:
    loaded: set[str] = set()
    bound = {arg.arg for arg in ast.walk(function.args) if isinstance(arg, ast.arg)}
    for node in ast.walk(function):
        if node is function:
            continue
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name.split(".")[0]) for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return loaded - bound - set(dir(builtins)) - _GIVEN


def _string_lines(source: str) -> set[int]:
    """The lines (1-based) that continue a string begun on an earlier line."""
    inside: set[int] = set()
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            inside.update(range(token.start[0] + 1, token.end[0] + 1))
    return inside


def function_source(rev: Revision, name: str, squash_range: str) -> FunctionSource | None:
    """The body of the function ``name`` of the revision's file, at column 0; ``None``
    when the file has no such function. Refused (:class:`CommandError`) when the body uses
    a name its file defines other than by an import."""
    tree = _tree(rev)
    function = _function(tree, name)
    if function is None:
        return None
    assert rev.path is not None
    with open(rev.path, encoding="utf-8") as stream:
        source = stream.read()
    imports = _imports(tree, source)
    free = sorted(_free_names(function) - set(imports))
    if free:
        raise CommandError(
            f"Revision {rev.revision} cannot be kept as written in a squash: its {name}() "
            f"uses {', '.join(free)}, defined elsewhere in its file; squash around it "
            f"(a range that ends before {rev.revision} or starts after it, instead of "
            f"{squash_range})."
        )
    lines = source.splitlines()
    first = function.body[0]
    start = first.lineno
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        # The function's docstring is not code; it is left out.
        start = (first.end_lineno or first.lineno) + 1
        if len(function.body) == 1:
            return EMPTY
    end = function.end_lineno or start
    strings = _string_lines(source)
    indent = min(
        (
            len(line) - len(line.lstrip())
            for number, line in enumerate(lines[start - 1 : end], start)
            if line.strip() and number not in strings
        ),
        default=0,
    )
    numbered = list(enumerate(lines[start - 1 : end], start))
    body = tuple(line if number in strings else line[indent:] for number, line in numbered)
    literal = frozenset(i for i, (number, _line) in enumerate(numbered) if number in strings)
    used = {
        bound: line
        for bound, line in imports.items()
        if bound not in _GIVEN and bound in _loaded(function)
    }
    return FunctionSource(body, literal, used)


def _loaded(function: ast.FunctionDef) -> set[str]:
    return {
        node.id
        for node in ast.walk(function)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
