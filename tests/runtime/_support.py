"""Helpers of the runtime tests, kept under this name for the tests that import from here.

Projects, revision files and in-process runs come from the project builder
(:mod:`tests.builder`); what a database holds from :mod:`tests.databases`.
"""

from __future__ import annotations

from tests.builder import (
    App,
    Project,
    app,
    error_lines,
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
    run_script,
    snapshot,
    version_rows,
)

__all__ = [
    "App",
    "Project",
    "app",
    "connect",
    "dialect_of",
    "error_lines",
    "make_folder",
    "popen_flask",
    "reset",
    "run_script",
    "snapshot",
    "start_together",
    "version_rows",
    "write_app",
    "write_revision",
]
