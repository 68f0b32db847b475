"""The catalogue: authors write books, readers leave reviews of books."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


class Author(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "author"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    born: Mapped[int | None]

    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    isbn: Mapped[str | None] = mapped_column(sa.String(13), unique=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("author.id", ondelete="CASCADE"))

    author: Mapped[Author] = relationship(back_populates="books")
    reviews: Mapped[list[Review]] = relationship(back_populates="book")


class Review(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "review"
    __table_args__ = (sa.CheckConstraint("stars BETWEEN 1 AND 5", name="ck_review_stars"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(sa.ForeignKey("book.id"))
    stars: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())

    book: Mapped[Book] = relationship(back_populates="reviews")
