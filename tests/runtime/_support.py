"""Helpers of the runtime tests, kept under this name for the tests that import from here.

Projects, revision files and in-process runs come from the project builder
(:mod:`tests.builder`); what a database holds from :mod:`tests.databases`.
"""

from __future__ import annotations

from tests.builder import (
    APP_TEMPLATE,
    HANG,
    App,
    Project,
    app,
    error_lines,
    invoke,
    make_folder,
    popen_flask,
    start_together,
    write_app,
    write_revision,
)
from tests.databases import (
    connect,
    dialect_of,
    reset,
    reset_mysql,
    reset_postgresql,
    run_script,
    snapshot,
    version_rows,
)

# The app module every project is written from (one template for all of them).
APP_SOURCE = APP_TEMPLATE

__all__ = [
    "APP_SOURCE",
    "HANG",
    "App",
    "Project",
    "app",
    "connect",
    "dialect_of",
    "error_lines",
    "invoke",
    "make_folder",
    "popen_flask",
    "reset",
    "reset_mysql",
    "reset_postgresql",
    "run_script",
    "snapshot",
    "start_together",
    "version_rows",
    "write_app",
    "write_revision",
]
