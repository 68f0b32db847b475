"""The dependency floors that pyproject.toml declares are the versions the floor run pins.

.ci/run runs the suite a second time in a virtualenv made with ``.ci/floor-constraints.txt``
(and ``FML_FLOOR_RUN=1``): there the installed releases must be exactly those pins.
"""

from __future__ import annotations

import os
import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / ".ci" / "floor-constraints.txt"
FLOOR_RUN = os.environ.get("FML_FLOOR_RUN") == "1"


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(line) for line in project["dependencies"]]
    return {canonicalize_name(r.name): r for r in requirements}


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([0-9][0-9A-Za-z.]*)", line)
            assert match, f"not a pin: {line!r}"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _floor(requirement: Requirement) -> str:
    floors = [s.version for s in requirement.specifier if s.operator == ">="]
    assert len(floors) == 1, f"{requirement} must name its lowest release with one >="
    return floors[0]


def test_each_declared_floor_is_pinned() -> None:
    declared = _declared()
    pins = _pins()
    # Werkzeug is pinned too: Flask's, not a dependency of ours.
    assert set(pins) == set(declared) | {"werkzeug"}
    for name, requirement in declared.items():
        assert pins[name] == _floor(requirement), name


@pytest.mark.skipif(not FLOOR_RUN, reason="only in the dependency-floor run (FML_FLOOR_RUN=1)")
def test_the_floor_run_has_the_floor_installed() -> None:
    pins = _pins()
    for name, version in pins.items():
        assert metadata.version(name) == version, name
    # The Werkzeug pin is the lowest release the pinned Flask accepts.
    (werkzeug,) = [
        Requirement(line)
        for line in metadata.requires("flask") or []
        if canonicalize_name(Requirement(line).name) == "werkzeug"
    ]
    assert pins["werkzeug"] == _floor(werkzeug)
