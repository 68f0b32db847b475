"""Reviews

Revision ID: 8b4e6d2c1a57
Revises: 3f1c2a9d7e10
Create Date: 2026-11-25 19:12:33.040613

"""
from flask_migrate_lite import op
import sqlalchemy as sa


# revision identifiers, used by the migration engine.
revision = '8b4e6d2c1a57'
down_revision = '3f1c2a9d7e10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="ck_review_stars"),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("review")
