"""Authors and books

Revision ID: 3f1c2a9d7e10
Revises: 
Create Date: 2026-11-25 19:12:32.418979

"""
from flask_migrate_lite import op
import sqlalchemy as sa


# revision identifiers, used by the migration engine.
revision = '3f1c2a9d7e10'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "author",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("born", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("author") as batch_op:
        batch_op.create_index(batch_op.f("ix_author_name"), ["name"], unique=False)

    op.create_table(
        "book",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("isbn", sa.String(length=13), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["author.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("isbn"),
    )


def downgrade():
    op.drop_table("book")
    with op.batch_alter_table("author") as batch_op:
        batch_op.drop_index(batch_op.f("ix_author_name"))

    op.drop_table("author")
