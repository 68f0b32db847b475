"""A throw-away Flask project on disk, driven by the real ``flask`` command.

Kept for the tests that import from here: the project builder is :mod:`tests.builder`.
"""

from __future__ import annotations

from tests.builder import (
    APP_TEMPLATE,
    HANG,
    ROOT,
    Project,
    Result,
    fill_revision,
    make_project,
    write_revision,
)

__all__ = [
    "APP_TEMPLATE",
    "HANG",
    "ROOT",
    "Project",
    "Result",
    "fill_revision",
    "make_project",
    "write_revision",
]
