"""The static reader of revision headers: what Python's parser says, followed statement by
statement, without running anything (see :mod:`.header` for when it is used).

:func:`read_static` parses the bytes with :func:`ast.parse`, which decodes them exactly as
Python does when it runs the file (BOM, coding cookie), and follows the module's top-level
statements in order, keeping the names whose values are certain: literals, names already
holding such values, ``+`` of strings, tuples and lists, and f-strings of such values; a
later assignment replaces an earlier one and ``del`` removes a name. A header name whose
value only running the file can settle is an error naming the line and the reason.
"""

from __future__ import annotations

import ast
import builtins
import symtable
import warnings
from collections.abc import Callable, Iterator, Sequence

from ..errors import ScriptError

__all__ = ["HEADER_NAMES", "Values", "parse", "read_static"]

HEADER_NAMES = ("revision", "down_revision", "branch_labels", "depends_on", "replaces")

Values = dict[str, tuple[object, int | None]]
"""Header values by name, each with the line of the statement that set it."""


class _Unknown:
    """A name whose value only running the file would tell: why (a phrase following the
    name: "is imported"), and on which line."""

    __slots__ = ("why", "lineno")

    def __init__(self, why: str, lineno: int | None) -> None:
        self.why = why
        self.lineno = lineno


class _Known:
    __slots__ = ("value", "lineno")

    def __init__(self, value: object, lineno: int | None) -> None:
        self.value = value
        self.lineno = lineno


_Binding = _Known | _Unknown

_BLOCKS = {
    "If": "an if block",
    "For": "a for loop",
    "AsyncFor": "a for loop",
    "While": "a while loop",
    "Try": "a try block",
    "TryStar": "a try block",
    "With": "a with block",
    "AsyncWith": "a with block",
    "Match": "a match block",
}
_IMMUTABLE = (str, bytes, int, float, complex, bool, type(None), type(Ellipsis))
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_CONVERSIONS: dict[int, Callable[[object], str]] = {-1: format, 115: str, 114: repr, 97: ascii}
# Longest string, tuple or list the static reader builds with '+'.
_MAX_BUILT = 100_000


def _immutable(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_immutable(item) for item in value)
    return isinstance(value, _IMMUTABLE)


def _scope_parts(node: ast.AST) -> Iterator[ast.AST]:
    """What of a def, lambda or class runs in the enclosing scope: decorators, defaults,
    annotations, base classes."""
    if isinstance(node, ast.ClassDef):
        yield from node.decorator_list
        yield from node.bases
        yield from node.keywords
        return
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
    args = node.args
    yield from args.defaults
    yield from (default for default in args.kw_defaults if default is not None)
    if not isinstance(node, ast.Lambda):
        yield from node.decorator_list
        if node.returns is not None:
            yield node.returns
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None and arg.annotation is not None:
                yield arg.annotation


def _bound_names(node: ast.AST, *, walrus_only: bool = False) -> tuple[dict[str, int], bool]:
    """The module-level names a statement may bind, each with the (last) line binding it,
    and whether it has ``import *``."""
    names: dict[str, int] = {}
    star = False

    def add(name: str, where: ast.AST) -> None:
        line = getattr(where, "lineno", 0)
        names[name] = max(names.get(name, line), line)

    stack: list[tuple[ast.AST, bool]] = [(node, walrus_only)]
    while stack:
        item, walrus = stack.pop()
        if isinstance(item, ast.NamedExpr) and isinstance(item.target, ast.Name):
            add(item.target.id, item)  # := binds in the enclosing scope, even from within
        elif walrus:
            pass  # within a comprehension, its own targets are local to it
        elif isinstance(item, ast.Name) and not isinstance(item.ctx, ast.Load):
            add(item.id, item)
        elif isinstance(item, (ast.Import, ast.ImportFrom)):
            for alias in item.names:
                if alias.name == "*":
                    star = True
                else:
                    add(alias.asname or alias.name.split(".")[0], alias)
        elif isinstance(item, ast.ExceptHandler) and item.name:
            add(item.name, item)
        elif isinstance(item, (ast.MatchAs, ast.MatchStar)) and item.name:
            add(item.name, item)
        elif isinstance(item, ast.MatchMapping) and item.rest:
            add(item.rest, item)
        if isinstance(item, _SCOPES):
            if not walrus and not isinstance(item, ast.Lambda):
                add(item.name, item)
            stack.extend((part, walrus) for part in _scope_parts(item))
            continue
        inner = walrus or isinstance(item, _COMPREHENSIONS)
        stack.extend((child, inner) for child in ast.iter_child_nodes(item))
    return names, star


class _StaticReader:
    """Follows a module's top-level statements, keeping the names whose values are known."""

    def __init__(self, tree: ast.Module, data: bytes, path: str) -> None:
        self.tree = tree
        self.data = data
        self.path = path
        self.env: dict[str, _Binding] = {}
        self.star: int | None = None
        self.declared_global: dict[str, int] = {}
        self.read_somewhere: set[str] = set()
        # 'global' matters in functions and class bodies (at module level it changes nothing).
        stack: list[tuple[ast.AST, bool]] = [(tree, False)]
        while stack:
            node, nested = stack.pop()
            if isinstance(node, ast.Global) and nested:
                for name in node.names:
                    self.declared_global.setdefault(name, node.lineno)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.read_somewhere.add(node.id)
            inner = nested or isinstance(node, _SCOPES)
            stack.extend((child, inner) for child in ast.iter_child_nodes(node))

    # --- expressions ---------------------------------------------------------------------

    def lookup(self, name: str, lineno: int, *, mutable: bool = False) -> _Binding:
        if name in self.declared_global:
            line = self.declared_global[name]
            return _Unknown(f"is declared global in a function (line {line})", lineno)
        binding = self.env.get(name)
        if binding is None:
            if self.star is not None:
                return _Unknown(f"may come from the import * on line {self.star}", lineno)
            if hasattr(builtins, name):
                return _Unknown("is a built-in", lineno)
            return _Unknown(f"is not assigned before line {lineno}", lineno)
        if not mutable and isinstance(binding, _Known) and not _immutable(binding.value):
            return _Unknown("holds a list or another value the file can change", lineno)
        return binding

    def refer(self, name: str, lineno: int) -> _Binding:
        binding = self.lookup(name, lineno)
        if isinstance(binding, _Unknown):
            return _Unknown(f"is set from {name}, which {binding.why}", lineno)
        return _Known(binding.value, lineno)

    def value(self, node: ast.expr) -> _Binding:
        lineno = node.lineno
        if isinstance(node, ast.Constant):
            return _Known(node.value, lineno)
        if isinstance(node, ast.Name):
            return self.refer(node.id, lineno)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return self.display(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left), self.value(node.right)
            if isinstance(left, _Unknown):
                return left
            if isinstance(right, _Unknown):
                return right
            return self.join(left.value, right.value, lineno)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.value(node.operand)
            if isinstance(operand, _Known) and type(operand.value) in (int, float, complex):
                number: complex = operand.value  # type: ignore[assignment]
                return _Known(-number if isinstance(node.op, ast.USub) else number, lineno)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node)
        return _Unknown("is computed by an expression", lineno)

    def display(self, node: ast.Tuple | ast.List | ast.Set) -> _Binding:
        items: list[object] = []
        for element in node.elts:
            starred = isinstance(element, ast.Starred)
            known = self.value(element.value if isinstance(element, ast.Starred) else element)
            if isinstance(known, _Unknown):
                return known
            if not starred:
                items.append(known.value)
            elif isinstance(known.value, (str, bytes, tuple, list)):
                items.extend(known.value)
            else:
                return _Unknown("is computed by an expression", node.lineno)
        if isinstance(node, ast.Tuple):
            return _Known(tuple(items), node.lineno)
        if isinstance(node, ast.List):
            return _Known(items, node.lineno)
        try:
            return _Known(set(items), node.lineno)
        except TypeError:
            return _Unknown("is computed by an expression", node.lineno)

    def join(self, left: object, right: object, lineno: int) -> _Binding:
        kind = type(left)
        if kind is not type(right) or kind not in (str, bytes, tuple, list):
            return _Unknown("is computed by an expression", lineno)
        joined = left + right  # type: ignore[operator]
        if len(joined) > _MAX_BUILT:
            return _Unknown("is built too long to be a revision header", lineno)
        return _Known(joined, lineno)

    def fstring(self, node: ast.JoinedStr) -> _Binding:
        parts: list[str] = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                parts.append(part.value)
                continue
            if not isinstance(part, ast.FormattedValue) or part.format_spec is not None:
                return _Unknown("is computed by an expression", node.lineno)
            known = self.value(part.value)
            if isinstance(known, _Unknown):
                return known
            convert = _CONVERSIONS.get(part.conversion)
            if convert is None or not _immutable(known.value):
                return _Unknown("is computed by an expression", node.lineno)
            parts.append(convert(known.value))
        return self.join("", "".join(parts), node.lineno)

    # --- statements ----------------------------------------------------------------------

    def forget(self, node: ast.AST, why: str, lineno: int, *, walrus_only: bool = False) -> None:
        """Make unknown every name ``node`` may bind."""
        names, star = _bound_names(node, walrus_only=walrus_only)
        if star:
            self.star = lineno
            for name in self.env:
                self.env[name] = _Unknown(
                    f"may be replaced by the import * on line {lineno}", lineno
                )
        for name, line in names.items():
            self.env[name] = _Unknown(why, line or lineno)

    def bind(self, target: ast.expr, value: _Binding, lineno: int) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = (
                _Known(value.value, lineno) if isinstance(value, _Known) else value
            )
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            names = [item.id for item in target.elts if isinstance(item, ast.Name)]
            items = value.value if isinstance(value, _Known) else None
            if isinstance(items, (tuple, list, str)) and len(names) == len(target.elts) == len(
                items
            ):
                for name, item in zip(names, items, strict=True):
                    self.env[name] = _Known(item, lineno)
                return
        # Attributes and items assign no name (a name they change is read, so not trusted
        # when it holds a list); other unpacking leaves its names unknown.
        self.forget(target, "is assigned by unpacking", lineno)

    def augment(self, node: ast.AugAssign) -> None:
        lineno = node.lineno
        if not isinstance(node.target, ast.Name):
            return
        name = node.target.id
        current = self.lookup(name, lineno, mutable=True)
        extra = self.value(node.value)
        result: _Binding
        if not isinstance(node.op, ast.Add):
            result = _Unknown(f"is changed by an augmented assignment on line {lineno}", lineno)
        elif isinstance(current, _Unknown):
            result = current
        elif isinstance(extra, _Unknown):
            result = extra
        elif isinstance(current.value, list) and isinstance(extra.value, (tuple, str)):
            result = self.join(current.value, list(extra.value), lineno)  # list += iterable
        else:
            result = self.join(current.value, extra.value, lineno)
        self.env[name] = result

    def statement(self, node: ast.stmt) -> None:
        lineno = node.lineno
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            # Names bound with := inside the statement are bound before its targets.
            self.forget(node, f"is assigned with := on line {lineno}", lineno, walrus_only=True)
        if isinstance(node, ast.Assign):
            value = self.value(node.value)
            if len(node.targets) > 1 and isinstance(value, _Known) and not _immutable(value.value):
                # a = b = [...]: one list under two names, changed through either.
                value = _Unknown("shares a list with another name", lineno)
            for target in node.targets:
                self.bind(target, value, lineno)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.value(node.value), lineno)
        elif isinstance(node, ast.AugAssign):
            self.augment(node)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.env.pop(target.id, None)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.forget(node, f"is imported (line {lineno})", lineno)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            kind = "class" if isinstance(node, ast.ClassDef) else "def"
            self.forget(node, f"is defined by a {kind} statement (line {lineno})", lineno)
        elif type(node).__name__ in _BLOCKS:
            self.forget(node, f"is assigned inside {_BLOCKS[type(node).__name__]}", lineno)
        else:
            self.forget(node, f"is bound by the statement on line {lineno}", lineno)
            self.forget(node, f"is assigned with := on line {lineno}", lineno, walrus_only=True)

    def read(self) -> dict[str, _Binding]:
        for node in self.tree.body:
            self.statement(node)
        result: dict[str, _Binding] = {}
        for name in HEADER_NAMES:
            binding = self.env.get(name)
            if binding is None and name == "replaces" and name not in self.declared_global:
                continue  # only squash revisions assign it; it is never looked for elsewhere
            if name in self.declared_global or (binding is None and self.star is not None):
                binding = self.lookup(name, self.declared_global.get(name) or self.star or 0)
            elif binding is None and "__getattr__" in self.env:
                binding = _Unknown(
                    "is missing, so the module's __getattr__ decides",
                    self.env["__getattr__"].lineno,
                )
            if binding is not None:
                result[name] = binding
        # A list can change after its assignment, through any code that reads it.
        mutable = [
            name
            for name, binding in result.items()
            if isinstance(binding, _Known)
            and not _immutable(binding.value)
            and name in self.read_somewhere
        ]
        for name in _read_as_global(self.data, self.path, mutable):
            result[name] = _Unknown(
                "holds a list that the file also uses, and so may change", result[name].lineno
            )
        return result


def _read_as_global(data: bytes, path: str, names: Sequence[str]) -> set[str]:
    """Which of ``names`` the file reads as module variables: at module level, in a class
    body, or in a function where they are not local."""
    if not names:
        return set()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            top = symtable.symtable(data, path, "exec")  # type: ignore[arg-type]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(names)
    found: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        for name in names:
            try:
                symbol = table.lookup(name)
            except KeyError:
                continue
            # A class body reads a global of the same name until it assigns its own.
            if symbol.is_referenced() and (
                table.get_type() in ("module", "class") or symbol.is_global()
            ):
                found.add(name)
        tables.extend(table.get_children())
    return found


def parse(data: bytes, path: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(data, filename=path)
    except SyntaxError as exc:
        raise ScriptError(path, exc.msg, exc.lineno) from None
    except ValueError as exc:  # null bytes, before Python 3.12
        raise ScriptError(path, str(exc)) from None
    except (RecursionError, MemoryError):
        raise ScriptError(path, "it is nested too deeply to be parsed") from None


def read_static(data: bytes, path: str) -> tuple[Values, str | None]:
    tree = parse(data, path)
    try:
        bindings = _StaticReader(tree, data, path).read()
    except (RecursionError, MemoryError):
        raise ScriptError(path, "its header is nested too deeply to be read") from None
    values: Values = {}
    for name, binding in bindings.items():
        if isinstance(binding, _Unknown):
            raise ScriptError(
                path,
                f"{name} must be written as a literal (a string, a tuple of strings or None) "
                f"so that it can be read without running the file, but it {binding.why}",
                binding.lineno,
            )
        values[name] = (binding.value, binding.lineno)
    return values, ast.get_docstring(tree, clean=False)
