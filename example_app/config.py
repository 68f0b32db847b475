"""Configuration read from the environment, with a SQLite file as the default database."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent


class Config:
    """``DATABASE_URL`` selects the database; ``MIGRATIONS_DIRECTORY`` the migrations folder."""

    def __init__(self) -> None:
        default_db = f"sqlite:///{HERE / 'catalogue.db'}"
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", default_db)
        self.MIGRATIONS_DIRECTORY = os.environ.get("MIGRATIONS_DIRECTORY", str(HERE / "migrations"))
        self.SECRET_KEY = os.environ.get("SECRET_KEY", "change-me")
