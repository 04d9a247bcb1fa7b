"""What replicas share through the database: the retention purge run once across them, reload
requests, who is running and what each loaded, and the per-user question window.

A mixin of ``FeedbackStore`` (``bot/storage/store.py``): the same engine and transactions, kept apart
because it is a different job from keeping votes and gaps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from bot.storage.schema import (
    aware_time,
    gaps_table,
    rate_hits_table,
    reload_requests_table,
    replicas_table,
    stored_time,
    task_runs_table,
    votes_table,
)

# PostgreSQL advisory lock keys (single-bigint key space; the per-user rate lock uses the two-int
# space, which never overlaps it): arbitrary constants, the same in every replica.
_PURGE_LOCK = 7_301_512_002
_RATE_LOCK_SPACE = 73_015
PURGE_TASK = "retention_purge"
RATE_WINDOW_SECONDS = 60.0
# A replica not seen for this long is shown as gone in the status, and forgotten after a day.
REPLICA_STALE_SECONDS = 30.0
_REPLICA_FORGET = timedelta(days=1)


@dataclass(frozen=True)
class ReplicaRow:
    """One replica as it last reported itself."""

    replica_id: str
    started_at: datetime  # timezone-aware UTC, like every time read back
    seen_at: datetime
    loaded_at: datetime | None
    facts: int | None
    sources: int | None
    reload_trigger: str | None
    reload_ok: bool | None
    reload_summary: str | None
    reload_request_id: int | None

    def is_stale(self, now: datetime | None = None) -> bool:
        moment = now or datetime.now(UTC)
        return (moment - self.seen_at).total_seconds() > REPLICA_STALE_SECONDS


class ReplicaCoordination:
    """The store's shared-state operations (see the module docstring)."""

    # provided by FeedbackStore
    _transaction: Callable[[], AbstractContextManager[Connection]]
    _keyed_hash: Callable[[str, str], str]

    @property
    def is_postgresql(self) -> bool:
        raise NotImplementedError  # FeedbackStore's

    def purge_if_due(
        self, days: int, every: timedelta, *, by: str = "", now: datetime | None = None
    ) -> int | None:
        """The retention purge, run by one replica at a time and at most once per ``every``.

        Rows removed, or None when another replica is purging right now (PostgreSQL: it holds
        the advisory lock) or purged less than ``every`` ago. The claim is one row in
        ``bot_task_runs``, updated in the purge's own transaction, so it holds on SQLite too.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, not {days}")
        moment = stored_time(now)
        cutoff = moment - timedelta(days=days)
        task = task_runs_table.c
        with self._transaction() as connection:
            if (
                self.is_postgresql
                and not connection.execute(select(func.pg_try_advisory_xact_lock(_PURGE_LOCK))).scalar_one()
            ):
                return None
            claimed = connection.execute(
                update(task_runs_table)
                .where(task.name == PURGE_TASK, task.last_run_at <= moment - every)
                .values(last_run_at=moment, run_by=by[:200] or None)
            )
            if claimed.rowcount != 1:
                return None
            removed_votes = connection.execute(delete(votes_table).where(votes_table.c.created_at < cutoff))
            removed_gaps = connection.execute(delete(gaps_table).where(gaps_table.c.created_at < cutoff))
            # Abandoned question windows (users who never came back) go too.
            connection.execute(
                delete(rate_hits_table).where(rate_hits_table.c.at <= time.time() - RATE_WINDOW_SECONDS)
            )
        return removed_votes.rowcount + removed_gaps.rowcount

    # --- replicas -------------------------------------------------------------------------------

    def latest_reload_request(self) -> int:
        """The id of the newest reload request (0 when there is none)."""
        with self._transaction() as connection:
            latest = connection.execute(select(func.max(reload_requests_table.c.id))).scalar_one_or_none()
        return int(latest or 0)

    def request_reload(self, by: str) -> int:
        """Ask every replica to reload its knowledge; the request's id."""
        with self._transaction() as connection:
            result = connection.execute(
                insert(reload_requests_table).values(requested_at=stored_time(None), requested_by=by[:200])
            )
        assert result.inserted_primary_key is not None
        return int(result.inserted_primary_key[0])

    def report_replica(
        self,
        replica_id: str,
        *,
        started_at: datetime,
        load: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        """This replica is alive (and, with ``load``, what it last loaded); creates its row if need be.

        ``load`` holds some of loaded_at, facts, sources, reload_trigger, reload_ok,
        reload_summary and reload_request_id.
        """
        moment = stored_time(now)
        values: dict[str, Any] = {"seen_at": moment}
        for key, value in (load or {}).items():
            values[key] = stored_time(value) if isinstance(value, datetime) else value
        replica = replicas_table.c
        with self._transaction() as connection:
            updated = connection.execute(
                update(replicas_table).where(replica.replica_id == replica_id).values(values)
            )
            if updated.rowcount == 0:
                connection.execute(
                    insert(replicas_table).values(
                        replica_id=replica_id, started_at=stored_time(started_at), **values
                    )
                )
            connection.execute(delete(replicas_table).where(replica.seen_at < moment - _REPLICA_FORGET))

    def forget_replica(self, replica_id: str) -> None:
        with self._transaction() as connection:
            connection.execute(delete(replicas_table).where(replicas_table.c.replica_id == replica_id))

    def replicas(self) -> list[ReplicaRow]:
        """Every replica that reported in the last day, most recently seen first."""
        replica = replicas_table.c
        with self._transaction() as connection:
            rows = connection.execute(
                select(replicas_table).order_by(replica.seen_at.desc(), replica.replica_id)
            ).all()
        return [
            ReplicaRow(
                replica_id=row.replica_id,
                started_at=row.started_at.replace(tzinfo=UTC),
                seen_at=row.seen_at.replace(tzinfo=UTC),
                loaded_at=aware_time(row.loaded_at),
                facts=row.facts,
                sources=row.sources,
                reload_trigger=row.reload_trigger,
                reload_ok=row.reload_ok,
                reload_summary=row.reload_summary,
                reload_request_id=row.reload_request_id,
            )
            for row in rows
        ]

    # --- the per-user question window -----------------------------------------------------------

    def take_question_slot(
        self,
        user_id: str,
        per_window: int,
        *,
        window_seconds: float = RATE_WINDOW_SECONDS,
        now: float | None = None,
    ) -> float:
        """0.0, counting the question, when ``user_id`` asked fewer than ``per_window`` questions in
        the last ``window_seconds`` (a moving window over every replica sharing this database);
        otherwise the seconds until they may ask again, counting nothing.

        Only a keyed hash of the user id is stored, and only for the window.
        """
        moment = time.time() if now is None else now
        key = self._keyed_hash("rate", user_id)
        hits = rate_hits_table.c
        with self._transaction() as connection:
            if self.is_postgresql:
                # One user's questions on two replicas at once: count one, then the other.
                connection.execute(select(func.pg_advisory_xact_lock(_RATE_LOCK_SPACE, func.hashtext(key))))
            connection.execute(
                delete(rate_hits_table).where(hits.user_key == key, hits.at <= moment - window_seconds)
            )
            times = (
                connection.execute(select(hits.at).where(hits.user_key == key).order_by(hits.at))
                .scalars()
                .all()
            )
            if len(times) >= per_window:
                return max(0.001, times[len(times) - per_window] + window_seconds - moment)
            connection.execute(insert(rate_hits_table).values(user_key=key, at=moment))
        return 0.0
