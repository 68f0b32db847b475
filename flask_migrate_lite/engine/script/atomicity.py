"""Whether a revision is atomic, read from its source without running it.

A migration that calls ``op.get_context().autocommit_block()`` commits part of itself before
it ends (see the migration context), so it is not atomic: ``status`` and ``upgrade --plan``
say so. The file is parsed, not imported: the function (``upgrade``, ``downgrade``, or a
bind's ``upgrade_<bind>``) is non-atomic when its body mentions ``autocommit_block``.
"""

from __future__ import annotations

import ast
import functools
import os

__all__ = ["NON_ATOMIC", "uses_autocommit_block"]

#: How ``status`` and ``--plan`` mark such a revision.
NON_ATOMIC = "not atomic: autocommit_block"


def uses_autocommit_block(path: str | None, function: str) -> bool:
    """True when ``function`` in the revision file at ``path`` uses ``autocommit_block``."""
    if not path:
        return False
    try:
        found = os.stat(path)
    except OSError:
        return False
    return function in _non_atomic_functions(path, (found.st_mtime_ns, found.st_size))


@functools.lru_cache(maxsize=1024)
def _non_atomic_functions(path: str, stamp: tuple[int, int]) -> frozenset[str]:
    del stamp  # part of the cache key only: a changed file is read again
    try:
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read(), path)
    except (OSError, SyntaxError, ValueError):
        return frozenset()  # a file that does not parse is reported by whoever loads it
    found = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _mentions(node):
            found.add(node.name)
    return frozenset(found)


def _mentions(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Attribute) and node.attr == "autocommit_block":
            return True
        if isinstance(node, ast.Name) and node.id == "autocommit_block":
            return True
    return False
