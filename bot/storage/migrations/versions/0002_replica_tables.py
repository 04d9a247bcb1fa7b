"""What replicas share: who runs and what each loaded, reload requests, the question window and
the retention purge's last run.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_replicas",
        sa.Column("replica_id", sa.String(200), primary_key=True),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("seen_at", sa.DateTime, nullable=False),
        sa.Column("loaded_at", sa.DateTime),
        sa.Column("facts", sa.Integer),
        sa.Column("sources", sa.Integer),
        sa.Column("reload_trigger", sa.String(20)),
        sa.Column("reload_ok", sa.Boolean),
        sa.Column("reload_summary", sa.Text),
        sa.Column("reload_request_id", sa.Integer),
    )
    op.create_table(
        "bot_reload_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "bot_rate_limit_hits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_key", sa.String(64), nullable=False),
        sa.Column("at", sa.Double, nullable=False),
    )
    op.create_index("ix_bot_rate_limit_hits_user_at", "bot_rate_limit_hits", ["user_key", "at"])
    task_runs = op.create_table(
        "bot_task_runs",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("last_run_at", sa.DateTime, nullable=False),
        sa.Column("run_by", sa.String(200)),
    )
    # The purge's claim row exists from the start, so claiming it is a plain conditional UPDATE.
    op.bulk_insert(task_runs, [{"name": "retention_purge", "last_run_at": dt.datetime(2000, 1, 1)}])


def downgrade() -> None:
    for table in ("bot_task_runs", "bot_rate_limit_hits", "bot_reload_requests", "bot_replicas"):
        op.drop_table(table)
