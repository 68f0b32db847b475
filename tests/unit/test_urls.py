"""Masking the credentials a database URL carries, in the URL and in text that repeats it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flask_migrate_lite.appstate import hide_password
from flask_migrate_lite.engine.urls import is_secret_name, mask_text, mask_url, secrets_of

SECRET_NAMES = [
    "password",
    "PASSWORD",
    "passwd",
    "pwd",
    "sslpassword",
    "passphrase",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "auth_token",
    "api_key",
    "apiKey",
    "sslkey",
    "ssl_key",
    "private_key",
    "credentials",
    "signature",
    "sig",
    "auth",
]
PLAIN_NAMES = ["sslmode", "application_name", "charset", "timeout", "uri", "host", "options"]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_credential_names(name: str) -> None:
    assert is_secret_name(name)
    shown = mask_url(f"postgresql://user@host/db?{name}=hunter2&sslmode=require")
    assert "hunter2" not in shown
    assert sa.make_url(shown).query == {name: "***", "sslmode": "require"}


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_other_names_are_shown(name: str) -> None:
    assert not is_secret_name(name)
    assert mask_url(f"postgresql://u@h/db?{name}=value") == f"postgresql://u@h/db?{name}=value"


def test_password_after_the_user_name() -> None:
    assert mask_url("mysql+pymysql://root:hunter2@127.0.0.1:3306/app") == (
        "mysql+pymysql://root:***@127.0.0.1:3306/app"
    )
    # A SQLAlchemy URL object gives the same, and the old name still works.
    url = sa.make_url("postgresql+psycopg://bob:p%40ss@h:5432/db?password=x%26y&a=1&a=2")
    expected = "postgresql+psycopg://bob:***@h:5432/db?a=1&a=2&password=***"
    assert mask_url(url) == expected
    assert hide_password(url) == expected


def test_every_value_of_a_repeated_parameter() -> None:
    assert mask_url("postgresql://u@h/db?token=a1b2&token=c3d4") == (
        "postgresql://u@h/db?token=***&token=***"
    )


def test_credentials_inside_another_value() -> None:
    odbc = "DRIVER={ODBC Driver 18};SERVER=db;UID=app;PWD=hunter2;Encrypt=yes"
    url = sa.make_url("mssql+pyodbc:///").set(query={"odbc_connect": odbc})
    shown = mask_url(url)
    assert "hunter2" not in shown
    assert sa.make_url(shown).query["odbc_connect"] == (
        "DRIVER={ODBC Driver 18};SERVER=db;UID=app;PWD=***;Encrypt=yes"
    )


def test_urls_without_credentials_are_unchanged() -> None:
    for url in (
        "sqlite:///app.db",
        "sqlite://",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "mysql+pymysql://root@127.0.0.1/db?charset=utf8mb4",
    ):
        assert mask_url(url) == sa.make_url(url).render_as_string()


def test_masking_twice_changes_nothing() -> None:
    once = mask_url("postgresql://u:pw@h/db?password=x&api_key=y")
    assert mask_url(once) == once


def test_text_that_is_not_a_url() -> None:
    assert mask_url("not a url, password=hunter2") == "not a url, password=***"


def test_secrets_of_a_url() -> None:
    found = secrets_of("postgresql://u:p%40ss@h/db?api_key=k%20ey&sslmode=require")
    assert set(found) == {"p@ss", "p%40ss", "k ey", "k%20ey", "k+ey"}
    assert secrets_of("sqlite:///app.db") == []


def test_driver_text_quoting_the_connection_string() -> None:
    url = "postgresql+psycopg://app:hunter22@db.internal/prod?sslpassword=k3y%20phrase"
    # libpq's and psycopg's messages may repeat parts of the connection string.
    text = (
        'connection failed: invalid connection option "x" in '
        "host=db.internal user=app password=hunter22 sslpassword='k3y phrase' dbname=prod"
    )
    masked = mask_text(text, url)
    assert masked == (
        'connection failed: invalid connection option "x" in '
        "host=db.internal user=app password=*** sslpassword=*** dbname=prod"
    )
    # Wherever the value appears, and URL-quoted too.
    assert mask_text("tried hunter22, k3y phrase and k3y%20phrase", url) == (
        "tried ***, *** and ***"
    )
    assert mask_text("got postgresql://app:hunter22@db.internal/prod", url) == (
        "got postgresql://app:***@db.internal/prod"
    )


def test_short_secrets_are_masked_only_where_they_stand_alone() -> None:
    url = "postgresql://app:ab@h/db"
    assert mask_text("password ab rejected for cab", url) == "password *** rejected for cab"


def test_pairs_without_a_url() -> None:
    assert mask_text('PWD="a b";UID=x; Password = s3cret&other=1') == (
        "PWD=***;UID=x; Password = ***&other=1"
    )
    assert mask_text("duplicate key value violates unique constraint") == (
        "duplicate key value violates unique constraint"
    )
    assert mask_text("DETAIL:  Key (id)=(1) already exists.") == (
        "DETAIL:  Key (id)=(1) already exists."
    )
