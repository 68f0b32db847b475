"""The built distribution carries its licence, the third-party notice, the project URLs and
the pytest plugin's entry point."""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_licence_notice_and_urls(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("flask_migrate_lite-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
        licence = archive.read(f"{dist_info}/licenses/LICENSE").decode()
        notice = archive.read(f"{dist_info}/licenses/NOTICE").decode()
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    # The plain License field is what `pip show` prints on every pip version.
    assert metadata["License"] == "MIT"
    assert sorted(metadata.get_all("License-File") or []) == ["LICENSE", "NOTICE"]
    assert "MIT License" in licence and "flask-migrate-lite developers" in licence
    assert "Copyright (c) 2013 Miguel Grinberg" in notice
    assert "flask_migrate_lite/engine/script/templates/" in notice
    urls = {u.split(",", 1)[0] for u in metadata.get_all("Project-URL") or []}
    assert {"Homepage", "Documentation", "Source", "Changelog"} <= urls
    # The pytest plugin is registered, and pytest is not a dependency.
    assert "[pytest11]\nflask_migrate_lite = flask_migrate_lite.testing.plugin" in entry_points
    assert "flask_migrate_lite/testing/plugin.py" in names
    assert not [
        r
        for r in metadata.get_all("Requires-Dist") or []
        if r.startswith("pytest") and "extra" not in r
    ]


def test_sdist_includes_licence_and_notice(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    (sdist,) = tmp_path.glob("flask_migrate_lite-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "NOTICE", "README.md", "pyproject.toml"} <= names
