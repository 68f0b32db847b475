"""Creating a migrations folder from a template (the ``init`` command).

A template is a folder of files copied as they are into the new migrations folder: the
bundled ones live in ``templates/<name>/``; ``init`` also accepts the path of a folder laid
out the same way. As in Alembic, the template's ``README`` describes it (its first line is
what ``list-templates`` shows), and an ``alembic.ini.mako`` is rendered into ``alembic.ini``
(with ``script_location``) rather than copied.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import FolderNotEmpty, UnknownTemplate
from .writing import os_error

__all__ = ["TEMPLATES_DIR", "init_folder", "list_templates", "template_folder"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
"""Where the bundled templates live, one folder per template."""

_INI_TEMPLATE = "alembic.ini.mako"


def _bundled() -> dict[str, Path]:
    return {
        entry.name: entry
        for entry in sorted(TEMPLATES_DIR.iterdir())
        if entry.is_dir() and (entry / "script.py.mako").is_file()
    }


def _describe(folder: Path) -> str:
    readme = folder / "README"
    try:
        text = readme.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return text.splitlines()[0].strip() if text else ""


def list_templates() -> list[tuple[str, str]]:
    """The bundled templates as ``(name, one-line description)``, sorted by name."""
    return [(name, _describe(folder)) for name, folder in _bundled().items()]


def template_folder(template: str | os.PathLike[str]) -> Path:
    """The folder of ``template``: a bundled template's name, or the path of a folder.

    A bundled name wins over a relative folder of the same name. Raises
    :class:`UnknownTemplate` when it is neither.
    """
    bundled = _bundled()
    name = os.fspath(template)
    if name in bundled:
        return bundled[name]
    path = Path(name)
    if path.is_dir():
        return path
    raise UnknownTemplate(name, list(bundled))


def _template_files(folder: Path) -> list[Path]:
    # Only plain files at the top: no __pycache__, compiled files or editor leftovers.
    return [
        entry
        for entry in sorted(folder.iterdir())
        if entry.is_file()
        and entry.suffix not in {".pyc", ".pyo"}
        and not entry.name.startswith(".")
        and not entry.name.endswith("~")
    ]


def _render_ini(source: Path, target: Path, directory: Path) -> None:
    from mako.template import Template  # type: ignore[import-untyped]

    text = Template(filename=str(source)).render_unicode(script_location=str(directory))
    target.write_text(text, encoding="utf-8")


def init_folder(
    directory: str | os.PathLike[str],
    template: str | os.PathLike[str] = "flask",
    package: bool = False,
) -> list[Path]:
    """Create a migrations folder at ``directory`` from ``template``.

    Creates the folder (unless it exists and is empty) with a ``versions`` folder inside
    and a copy of each file of the template; with ``package`` both folders also get an
    empty ``__init__.py``. Returns the folders and files created, in creation order.

    Raises :class:`FolderNotEmpty` when ``directory`` already holds anything and
    :class:`UnknownTemplate` for a template that is neither bundled nor a folder; in both
    cases nothing is written. When a file or folder cannot be written (a read-only parent
    folder, a full disk), what was created is removed again and :class:`FileSystemError`
    says why.
    """
    source = template_folder(template)
    root = Path(directory)
    try:
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise FolderNotEmpty(str(root))
    except OSError as exc:
        raise os_error("read", root, exc) from None
    made: list[Path] = []  # in creation order, missing parent folders included
    step = root
    writing: Path | None = None  # a file being written, which may be left in part
    try:
        for folder in reversed([p for p in (root, *root.parents) if not p.exists()]):
            step = folder
            folder.mkdir()
            made.append(folder)
        versions = root / "versions"
        step = versions
        versions.mkdir()
        made.append(versions)
        for path in _template_files(source):
            step = writing = root / ("alembic.ini" if path.name == _INI_TEMPLATE else path.name)
            if path.name == _INI_TEMPLATE:
                _render_ini(path, step, root)
            else:
                shutil.copyfile(path, step)
            made.append(step)
        if package:
            for folder in (root, versions):
                step = writing = folder / "__init__.py"
                step.touch()
                made.append(step)
    except BaseException as exc:
        _undo(made if writing is None or writing in made else [*made, writing])
        if isinstance(exc, OSError):
            raise os_error("create", step, exc) from None
        raise
    parents = set(root.parents)
    return [path for path in made if path not in parents]


def _undo(made: list[Path]) -> None:
    for path in reversed(made):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        except OSError:
            pass
