"""The example app's own tests: its migrations' data, and its views on the migrated schema.

The plugin creates a throw-away database for the session and sets DATABASE_URL to it before
``create_app()`` runs (``Config`` reads it); ``migrator`` starts each test on it emptied.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from flask_migrate_lite.testing import Migrator

BOOKS = "3f1c2a9d7e10"
REVIEWS = "8b4e6d2c1a57"


def test_reviews_are_added_beside_the_books(migrator: Migrator) -> None:
    migrator.migrate_to(BOOKS)
    assert sorted(migrator.tables) == ["author", "book"]
    migrator.execute(migrator.table("author").insert(), [{"id": 1, "name": "Le Guin"}])
    migrator.execute(
        migrator.table("book").insert(),
        [{"id": 1, "title": "The Dispossessed", "isbn": "9780060512750", "author_id": 1}],
    )
    migrator.migrate_to(REVIEWS)
    assert migrator.current() == REVIEWS
    review = migrator.table("review")
    migrator.execute(review.insert(), [{"id": 1, "book_id": 1, "stars": 5, "body": "Yes."}])
    assert [row["title"] for row in migrator.rows("book")] == ["The Dispossessed"]
    assert migrator.rows("review")[0]["stars"] == 5
    # The downgrade drops the reviews and keeps the books.
    migrator.migrate_to(BOOKS)
    assert sorted(migrator.tables) == ["author", "book"]
    assert migrator.rows("book")[0]["author_id"] == 1


def test_the_stars_are_checked(migrator: Migrator) -> None:
    migrator.migrate_to("head")
    migrator.execute("INSERT INTO author (id, name) VALUES (1, 'Calvino')")
    migrator.execute("INSERT INTO book (id, title, author_id) VALUES (1, 'Cosmicomics', 1)")
    try:
        migrator.execute("INSERT INTO review (book_id, stars, body) VALUES (1, 6, '')")
    except sa.exc.DBAPIError:  # IntegrityError; OperationalError on MariaDB
        migrator.connection.rollback()
    else:
        raise AssertionError("a review with 6 stars was accepted")


def test_the_views_read_the_migrated_tables(migrations_app: Flask, migrator: Migrator) -> None:
    migrator.migrate_to("head")
    migrator.execute("INSERT INTO author (id, name) VALUES (1, 'Borges')")
    migrator.execute("INSERT INTO book (id, title, author_id) VALUES (1, 'Ficciones', 1)")
    migrator.connection.commit()
    client = migrations_app.test_client()
    assert client.get("/authors").get_json() == [{"id": 1, "name": "Borges"}]
    assert client.get("/books").get_json() == [{"id": 1, "title": "Ficciones", "author": "Borges"}]
