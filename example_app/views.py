"""Two JSON endpoints, enough to show the app uses its tables."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from .extensions import db
from .models import Author, Book

bp = Blueprint("catalogue", __name__)


@bp.get("/authors")
def authors() -> ResponseReturnValue:
    rows = db.session.scalars(db.select(Author).order_by(Author.name))
    return jsonify([{"id": a.id, "name": a.name} for a in rows])


@bp.get("/books")
def books() -> ResponseReturnValue:
    rows = db.session.scalars(db.select(Book).order_by(Book.title))
    return jsonify([{"id": b.id, "title": b.title, "author": b.author.name} for b in rows])
