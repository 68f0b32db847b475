"""The development loop: what ``flask run --debug`` does for migrations.

Imported only when the app is created by ``flask run`` in debug mode (see
:meth:`Migrate.init_app <flask_migrate_lite.extension.Migrate.init_app>`); nothing here runs
or is imported otherwise.

* One warning at start-up when migrations are pending (or, with ``MIGRATE_AUTO_UPGRADE``
  set, the pending migrations are applied instead), and one warning on the first request
  when the models differ from the database.
* The reloader restarts the server when a file in the migrations folder changes.
"""

from __future__ import annotations

import glob
import os
import sys
import types
from typing import Any

import click
from flask import Flask

__all__ = ["start"]

AUTO_UPGRADE = "MIGRATE_AUTO_UPGRADE"


def _warn(text: str) -> None:
    click.secho(f" * flask-migrate-lite: {text}", err=True, fg="yellow")


def _is_reloader_parent() -> bool:
    # ``flask run`` reloads by default in debug mode (its --reload defaults to the debug flag);
    # the parent process only watches files, the child serves and is the one that reports.
    ctx = click.get_current_context(silent=True)
    reload = ctx.params.get("reload") if ctx is not None else False
    if reload is None:
        reload = True
    return bool(reload) and os.environ.get("WERKZEUG_RUN_MAIN") != "true"


def watch_folder(directory: str) -> int:
    """Make Werkzeug's reloader watch the revision files under ``directory``.

    The reloader watches the files of imported modules; revision files are not imported
    until they run, so each gets a placeholder module naming its file. Returns the count.
    """
    files = sorted(
        glob.glob(os.path.join(directory, "**", "*.py"), recursive=True)
        + glob.glob(os.path.join(directory, "*.mako"))
        + glob.glob(os.path.join(directory, "*.ini"))
    )
    for position, path in enumerate(files):
        name = f"flask_migrate_lite._watched_{position}"
        placeholder = types.ModuleType(name)
        placeholder.__file__ = path
        sys.modules[name] = placeholder
    return len(files)


def _pending(app: Flask) -> None:
    from .status import status

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
        from .autogen import check_models

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
    if os.path.isdir(directory):
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
