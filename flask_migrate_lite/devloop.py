"""The development loop: what ``flask run --debug`` does for migrations.

Imported only when the app is created by ``flask run`` in debug mode (see
:meth:`Migrate.init_app <flask_migrate_lite.extension.Migrate.init_app>`); nothing here runs
or is imported otherwise.

* One warning at start-up when migrations are pending (or, with ``MIGRATE_AUTO_UPGRADE``
  set, the pending migrations are applied instead), and one warning on the first request
  when the models differ from the database.
* The reloader restarts the server when a file in the migrations folder is added, removed
  or changed (see :class:`FolderWatch`).
"""

from __future__ import annotations

import glob
import os
import sys
import threading
import types
from typing import Any

import click
from flask import Flask

__all__ = ["start"]

AUTO_UPGRADE = "MIGRATE_AUTO_UPGRADE"
WATCH_MODULE = "flask_migrate_lite._watched_folder"
RESTART = 3  # the exit code by which Werkzeug's reloader process asks to be started again


def _warn(text: str) -> None:
    click.secho(f" * flask-migrate-lite: {text}", err=True, fg="yellow")


def _reloading() -> bool:
    # ``flask run`` reloads by default in debug mode (its --reload defaults to the debug flag).
    ctx = click.get_current_context(silent=True)
    reload = ctx.params.get("reload") if ctx is not None else False
    return True if reload is None else bool(reload)


def _is_reloader_parent() -> bool:
    # With the reloader, the first process only starts the serving one (again each time it
    # exits with code 3); the serving one watches the files and is the one that reports.
    return _reloading() and os.environ.get("WERKZEUG_RUN_MAIN") != "true"


def _is_reloader_child() -> bool:
    return _reloading() and os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def _watched_files(directory: str) -> dict[str, tuple[int, int]]:
    """The files of the migrations folder that matter, each with its (mtime, size).

    Python files at any depth (revision files, ``env.py``, helper modules), and the
    template and configuration files at the top. Hidden files (an editor's swap and lock
    files) are left out, as ``glob`` leaves them out.
    """
    paths = (
        glob.glob(os.path.join(glob.escape(directory), "**", "*.py"), recursive=True)
        + glob.glob(os.path.join(glob.escape(directory), "*.mako"))
        + glob.glob(os.path.join(glob.escape(directory), "*.ini"))
    )
    files: dict[str, tuple[int, int]] = {}
    for path in paths:
        try:
            found = os.stat(path)
        except OSError:  # removed between the listing and the stat
            continue
        files[path] = (found.st_mtime_ns, found.st_size)
    return files


def folder_change(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> tuple[str, str] | None:
    """One difference between two listings of the folder as ``(path, what)``, or None.

    ``what`` is ``"added"``, ``"removed"`` or ``"changed"``.
    """
    for path in sorted(after.keys() - before.keys()):
        return path, "added"
    for path in sorted(before.keys() - after.keys()):
        return path, "removed"
    for path in sorted(after):
        if after[path] != before[path]:
            return path, "changed"
    return None


class FolderWatch(types.ModuleType):
    """A placeholder module standing for the migrations folder in the reloader's loop.

    Werkzeug's reloader (the stat one and the watchdog one alike) asks every module in
    ``sys.modules`` for its ``__file__`` once per interval, from its loop in the main thread
    of the serving process. Its own checks see a file that changes, but not a file that
    appears or disappears. Asked there, this module compares the folder with the listing
    taken at start-up and, when a file was added, removed or changed, says which and exits
    with code 3: the reloader's own way to have the server started again. Anywhere else it
    answers ``None`` (no file), which every reader of ``__file__`` accepts.
    """

    def __init__(self, directory: str) -> None:
        super().__init__(WATCH_MODULE)
        self.directory = directory
        self.files = _watched_files(directory)

    @property
    def __file__(self) -> str | None:  # type: ignore[override]
        if threading.current_thread() is threading.main_thread():
            self.check()
        return None

    def check(self) -> None:
        """Exit with the reloader's restart code when the folder changed since start-up."""
        change = folder_change(self.files, _watched_files(self.directory))
        if change is None:
            return
        path, what = change
        click.echo(f" * flask-migrate-lite: {path!r} was {what}, reloading", err=True)
        sys.exit(RESTART)


def watch_folder(directory: str) -> FolderWatch:
    """Have Werkzeug's reloader restart the server when the migrations folder changes.

    Only for the process the reloader runs the server in (``WERKZEUG_RUN_MAIN``): the
    first process of ``flask run`` only starts that one again each time it exits with
    code 3. Returns the placeholder module, registered in ``sys.modules``.
    """
    watch = FolderWatch(directory)
    sys.modules[WATCH_MODULE] = watch
    return watch


def _pending(app: Flask) -> None:
    from .commands.status import status

    with app.app_context():
        for result in status():
            count = len(result.pending)
            if count:
                _warn(
                    f"You have {count} unapplied migration{'s' if count != 1 else ''} "
                    f"for {result.database}; the app may fail until they are applied. "
                    "Run 'flask db upgrade'."
                )


def _auto_upgrade(app: Flask) -> None:
    from .commands import upgrade

    with app.app_context():
        for result in upgrade(report=lambda line: _warn(line)):
            if result.steps:
                _warn(f"applied {len(result.steps)} migration(s) to {result.database}.")


def _drift_once(app: Flask) -> None:
    done = False

    @app.before_request
    def check_models_once() -> None:
        nonlocal done
        if done:
            return
        done = True
        from .appstate import app_state
        from .commands.autogenerate import check_models

        try:
            result = check_models(app_state())
        except Exception:  # noqa: BLE001 - a warning must never break a request
            return
        if not result.in_sync:
            _warn(
                f"the models differ from {result.database} ({len(result.messages)} "
                "change(s), e.g. " + result.messages[0] + "); run 'flask db migrate'."
            )


def start(app: Flask, directory: str) -> None:
    """Set up the development loop for ``app`` (``flask run --debug`` only)."""
    if _is_reloader_child():
        watch_folder(directory)
    if _is_reloader_parent() or not os.path.isdir(directory):
        return
    try:
        if app.config.get(AUTO_UPGRADE):
            _auto_upgrade(app)
        else:
            _pending(app)
    except Exception as exc:  # noqa: BLE001 - the server must start even so
        _warn(f"could not check the migrations: {str(exc).splitlines()[0]}")
        return
    _drift_once(app)


def is_dev_server(app: Any) -> bool:
    """Whether ``app`` is being created by ``flask run`` in debug mode."""
    if not getattr(app, "debug", False):
        return False
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name == "run"
