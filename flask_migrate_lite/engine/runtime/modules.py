"""Running revision files, and the helper modules they import from the migrations folder.

:func:`load_module` executes one revision file for ``upgrade``/``downgrade``. Inside that
file ``import alembic``, ``from alembic import op`` and ``from alembic import context``
resolve to this engine (:mod:`.alembic_shim`), whether or not Alembic is installed, so
revision files written by Flask-Migrate run unchanged.

Projects often move shared code into a module of the migrations folder (``utils.py`` next to
``versions/``, or a package there) that the revision files import, and that module says
``from alembic import op`` too. Such a module gets the same stand-in: while a revision file
(or a helper it imported) imports something, a finder placed just before Python's path
finder gives every module found in the revision file's folder or in the migrations folder
above it (the first parent holding ``alembic.ini``, ``env.py`` or ``script.py.mako``) the
revision file's own import of ``alembic``. Modules found anywhere else, and every import
made outside a revision file, are left to Python: the application's own code that imports
Alembic gets the real one.

The migrations folder (:class:`~..script.directory.ScriptDirectory`) runs its files through
:func:`load_module` when it is given as ``run_file``.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib.machinery
import importlib.util
import itertools
import marshal
import os
import re
import sys
import threading
import traceback
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from pathlib import Path

from ..errors import MigrateError, ScriptError

#: The attribute set on a loaded revision module: the SHA-256 of the bytes it ran from.
CHECKSUM_ATTRIBUTE = "__fml_checksum__"

__all__ = ["helper_roots", "load_module"]

_MARKERS = ("alembic.ini", "env.py", "script.py.mako")
# How far above a revision file's folder the migrations folder is looked for
# (versions/<sub>/<sub>/ with recursive version locations).
_MAX_UP = 3

_counter = itertools.count(1)
_state = threading.local()
_install_lock = threading.Lock()

Roots = tuple[str, ...]


# --- which modules are helpers ---------------------------------------------------------------


def helper_roots(path: str | os.PathLike[str]) -> Roots:
    """The folders whose modules a revision file at ``path`` imports as helpers: its own
    folder and the migrations folder above it, each as given and with links resolved."""
    folder = Path(os.path.abspath(path)).parent
    folders = [folder]
    for parent in list(folder.parents)[:_MAX_UP]:
        if any((parent / marker).is_file() for marker in _MARKERS):
            folders.append(parent)
            break
    found = dict.fromkeys(os.path.normcase(f) for f in folders)
    found.update(dict.fromkeys(os.path.normcase(os.path.realpath(f)) for f in folders))
    return tuple(found)


def _inside(origin: str, roots: Roots) -> bool:
    for candidate in (os.path.abspath(origin), os.path.realpath(origin)):
        candidate = os.path.normcase(candidate)
        if any(candidate.startswith(root + os.sep) for root in roots):
            return True
    return False


def _roots_stack() -> list[Roots]:
    stack: list[Roots] | None = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    return stack


@contextmanager
def _importing_for(roots: Roots) -> Iterator[None]:
    """While the block runs, modules found under ``roots`` are helpers."""
    stack = _roots_stack()
    stack.append(roots)
    try:
        yield
    finally:
        stack.pop()


# --- the import they all share ---------------------------------------------------------------


def _import_for(roots: Roots, real: Callable[..., types.ModuleType]) -> Callable[..., object]:
    def import_(
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> object:
        if level == 0 and (name == "alembic" or name.startswith("alembic.")):
            # Loaded when a file first imports alembic: reading folders never needs op.
            from . import alembic_shim

            return alembic_shim.import_name(name, fromlist)
        with _importing_for(roots):
            return real(name, globals, locals, fromlist, level)

    return import_


def _builtins_for(roots: Roots) -> dict[str, object]:
    own = dict(builtins.__dict__)
    own["__import__"] = _import_for(roots, builtins.__import__)
    return own


class _HelperSourceLoader(importlib.machinery.SourceFileLoader):
    """Loads a helper's source with the revision files' import of ``alembic``."""

    def __init__(self, fullname: str, path: str, roots: Roots) -> None:
        super().__init__(fullname, path)
        self.roots = roots

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["__builtins__"] = _builtins_for(self.roots)
        super().exec_module(module)


class _HelperSourcelessLoader(importlib.machinery.SourcelessFileLoader):
    """Loads a helper's compiled file with the revision files' import of ``alembic``."""

    def __init__(self, fullname: str, path: str, roots: Roots) -> None:
        super().__init__(fullname, path)
        self.roots = roots

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["__builtins__"] = _builtins_for(self.roots)
        super().exec_module(module)


class _HelperFinder:
    """Finds what Python's path finder finds; marks modules under the roots as helpers."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> ModuleSpec | None:
        stack = getattr(_state, "stack", None)
        if not stack:
            return None  # not imported for a revision file: Python's own search
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.origin is None or not _inside(spec.origin, stack[-1]):
            return None
        loader = spec.loader
        if type(loader) is importlib.machinery.SourceFileLoader:
            spec.loader = _HelperSourceLoader(fullname, spec.origin, stack[-1])
        elif type(loader) is importlib.machinery.SourcelessFileLoader:
            spec.loader = _HelperSourcelessLoader(fullname, spec.origin, stack[-1])
        else:
            return None
        return spec

    def invalidate_caches(self) -> None:
        """Nothing cached here (Python's path finder keeps its own caches)."""


def _install_finder() -> None:
    with _install_lock:
        if any(isinstance(finder, _HelperFinder) for finder in sys.meta_path):
            return
        try:
            index = sys.meta_path.index(importlib.machinery.PathFinder)
        except ValueError:
            index = len(sys.meta_path)
        sys.meta_path.insert(index, _HelperFinder())


# --- running a revision file -----------------------------------------------------------------


def _error_line(exc: BaseException, path: str) -> int | None:
    # The innermost frame of the revision file itself: where its code raised.
    found = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == path:
            found = lineno
    return found


def load_module(path: str | os.PathLike[str]) -> types.ModuleType:
    """Execute a revision file as a new module object and return it.

    The module gets a unique name and is not added to ``sys.modules``. Its own
    ``__builtins__`` sends imports of ``alembic`` and ``alembic.*`` to this engine's shim
    (:mod:`.alembic_shim`), and so does every helper module it imports from its folder or
    the migrations folder; every other import is the normal one. A syntax error raises
    :class:`ScriptError` with the file and line; any other exception while the module runs,
    :class:`ScriptError` naming the file and the exception.
    """
    file = Path(path)
    name = str(file)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ScriptError(name, f"it cannot be read ({exc.strerror or exc})") from None
    # A fresh name each time: two files (or two loads of one) never share a module.
    stem = re.sub(r"\W", "_", file.stem)
    module = types.ModuleType(f"fml_revision_{next(_counter)}_{stem}")
    roots = helper_roots(file)
    module.__dict__["__builtins__"] = _builtins_for(roots)
    module.__file__ = name
    if file.suffix in (".pyc", ".pyo"):
        if data[:4] != importlib.util.MAGIC_NUMBER:
            raise ScriptError(name, "it was compiled by another Python version")
        code = marshal.loads(data[16:])
    else:
        try:
            code = compile(data, name, "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise ScriptError(name, exc.msg, exc.lineno) from None
        except ValueError as exc:  # null bytes
            raise ScriptError(name, str(exc)) from None
    _install_finder()
    try:
        with _importing_for(roots):  # importlib.import_module() at module level too
            exec(code, module.__dict__)
    except Exception as exc:
        # An engine error keeps its advice as data (op called at module level).
        raised = exc.text if isinstance(exc, MigrateError) else str(exc)
        raise ScriptError(
            name, f"running it raised {type(exc).__name__}: " + raised, _error_line(exc, name)
        ) from exc
    # The bytes that ran, for the applied log (set after the file ran: it cannot change it).
    module.__dict__[CHECKSUM_ATTRIBUTE] = hashlib.sha256(data).hexdigest()
    return module
