"""Sphinx configuration of the flask-migrate-lite documentation.

Build with ``python3 -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Document the package of this checkout even when another copy is installed.
sys.path.insert(0, str(ROOT))

import flask_migrate_lite  # noqa: E402

project = "flask-migrate-lite"
author = "flask-migrate-lite developers"
copyright = "2026, flask-migrate-lite developers"
release = flask_migrate_lite.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx_click",
]

exclude_patterns = ["_build"]
templates_path: list[str] = []

# Signatures show the annotations as written; the descriptions say what they mean.
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
autodoc_preserve_defaults = True
autoclass_content = "class"

default_role = "code"
highlight_language = "python3"
pygments_style = "sphinx"

html_theme = "alabaster"
html_theme_options = {
    "description": "Flask-Migrate's commands on a bundled migration engine",
    "fixed_sidebar": True,
    "page_width": "1140px",
    "sidebar_width": "240px",
    "show_relbars": True,
}
html_static_path: list[str] = []
html_title = f"flask-migrate-lite {release}"
