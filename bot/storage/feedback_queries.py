"""What is read back from the feedback database: the unanswered questions ("gaps") and the votes
per fact, for ``/ofsted gaps``, the App Home and ``ofsted-bot gaps``.

A mixin of ``FeedbackStore`` (``bot/storage/store.py``), which records them: the same engine and
transactions, kept apart because reading them back is a job of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from bot.storage.schema import gaps_table, stored_time, votes_table
from retrieval.evaluation.gaps import VoteCount


@dataclass(frozen=True)
class GapRow:
    """One recorded unanswered question."""

    question: str
    kind: str
    nearest: tuple[tuple[str, float], ...]  # (fact id, score), best first
    user_hash: str | None
    created_at: datetime  # timezone-aware UTC


class FeedbackQueries:
    """The store's read-only queries (see the module docstring)."""

    # provided by FeedbackStore
    _transaction: Callable[[], AbstractContextManager[Connection]]

    def unanswered_questions(
        self, since_days: int | None = None, *, now: datetime | None = None
    ) -> list[GapRow]:
        """Recorded gaps, newest first; only those of the last ``since_days`` days if given."""
        query = select(
            gaps_table.c.question,
            gaps_table.c.kind,
            gaps_table.c.nearest,
            gaps_table.c.user_hash,
            gaps_table.c.created_at,
        ).order_by(gaps_table.c.created_at.desc(), gaps_table.c.id.desc())
        if since_days is not None:
            query = query.where(gaps_table.c.created_at >= stored_time(now) - timedelta(days=since_days))
        with self._transaction() as connection:
            rows = connection.execute(query).all()
        return [
            GapRow(
                question=row.question,
                kind=row.kind,
                nearest=tuple((item["fact_id"], float(item["score"])) for item in json.loads(row.nearest)),
                user_hash=row.user_hash,
                created_at=row.created_at.replace(tzinfo=UTC),
            )
            for row in rows
        ]

    def vote_counts(self, since_days: int | None = None, *, now: datetime | None = None) -> list[VoteCount]:
        """👍 and 👎 per fact, most 👎 first (then fewest 👍, then fact id)."""
        up = func.sum(case((votes_table.c.vote > 0, 1), else_=0)).label("up")
        down = func.sum(case((votes_table.c.vote < 0, 1), else_=0)).label("down")
        query = (
            select(votes_table.c.fact_id, up, down)
            .group_by(votes_table.c.fact_id)
            .order_by(down.desc(), up.asc(), votes_table.c.fact_id)
        )
        if since_days is not None:
            query = query.where(votes_table.c.created_at >= stored_time(now) - timedelta(days=since_days))
        with self._transaction() as connection:
            rows = connection.execute(query).all()
        return [VoteCount(row.fact_id, int(row.up), int(row.down)) for row in rows]
