"""Votes, gaps and the user-hash key: the tables the store made with create_all before Alembic.

A database made that way has them already (and no alembic_version): they are kept as they are,
and this revision is simply recorded.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "feedback_votes" not in existing:
        op.create_table(
            "feedback_votes",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("answer_key", sa.String(255)),
            sa.Column("user_hash", sa.String(64)),
            sa.Column("fact_id", sa.String(200), nullable=False),
            sa.Column("question", sa.Text),
            sa.Column("vote", sa.SmallInteger, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.UniqueConstraint("user_hash", "answer_key", name="uq_feedback_votes_user_answer"),
        )
        op.create_index("ix_feedback_votes_created_at", "feedback_votes", ["created_at"])
    if "feedback_gaps" not in existing:
        op.create_table(
            "feedback_gaps",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("nearest", sa.Text, nullable=False),
            sa.Column("user_hash", sa.String(64)),
            sa.Column("created_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_feedback_gaps_created_at", "feedback_gaps", ["created_at"])
    if "feedback_keys" not in existing:
        op.create_table(
            "feedback_keys",
            sa.Column("name", sa.String(50), primary_key=True),
            sa.Column("value", sa.String(200), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
        )


def downgrade() -> None:
    for table in ("feedback_keys", "feedback_gaps", "feedback_votes"):
        op.drop_table(table)
