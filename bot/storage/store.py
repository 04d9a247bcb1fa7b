"""Answer votes and unanswered questions ("gaps"), kept in one SQL database.

The tables and the engine are in ``bot/storage/schema.py``, the queries that read gaps and votes
back in ``bot/storage/feedback_queries.py``; SQLite (the default file under var/)
and a PostgreSQL shared by several replicas both work. The schema is versioned with Alembic
(``bot/storage/migrations``) and migrated on start by whichever replica gets there first: the
upgrade runs under a PostgreSQL advisory lock (on SQLite, in a ``BEGIN IMMEDIATE``
transaction), so replicas starting together neither fail nor create anything twice.

Besides votes and gaps the database holds what replicas share (see "Running several replicas" in
the README): who is running and what each loaded, reload requests, the per-user question window
and when the retention purge last ran.

A database that cannot be reached does not stop the bot: ``require_database=False`` opens lazily
(retrying at most every few seconds), and every vote or gap that could not be written is counted
and logged (``health()``), never dropped silently.

Questions may hold personal data about children and families:

* Slack user ids are never stored, only an HMAC-SHA256 of them (the question-rate window keeps a
  separately keyed hash for one minute). The key is ``FEEDBACK_HASH_KEY``
  when set, otherwise a random key created once and kept in the database itself, so hashes stay
  the same across restarts and replicas.
* With ``keep_question_text`` False (``GAPS_LOG=off``) no question text and no user hash is
  written: gaps are not recorded at all, and a vote keeps only its fact id, vote and time.
* ``purge_older_than`` removes old rows (the caller runs it on start and daily), and SQLite is
  told to overwrite deleted rows on disk rather than leave them in free pages.

A vote is identified by ``(user_hash, answer_key)``: a user's second vote on the same answer
replaces the first. ``answer_key`` is the caller's id for the answer message — the Slack
``"{channel_id}:{message_ts}"`` of the bot's reply is the natural one. Without it the key is the
fact id plus a keyed hash of the question, so the same answer to the same question counts once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, get_args

from sqlalchemy import (
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.runtime.settings import Settings
from bot.storage.feedback_queries import FeedbackQueries
from bot.storage.replica_state import ReplicaCoordination
from bot.storage.schema import (
    MAX_ANSWER_KEY_LENGTH,
    create_engine_for,
    gaps_table,
    keys_table,
    stored_time,
    votes_table,
)

log = logging.getLogger(__name__)

GapKind = Literal["declined", "low_confidence"]
GAP_KINDS: tuple[str, ...] = get_args(GapKind)

_USER_HASH_KEY_NAME = "user_hash_key"
# A vote races another replica at most once in practice (see record_vote); the rest is margin.
_VOTE_ATTEMPTS = 3
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# While the database is unreachable, try it again at most this often (a connect attempt waits up
# to _CONNECT_TIMEOUT_SECONDS; questions must not queue behind it).
_RETRY_SECONDS = 5.0
# PostgreSQL advisory lock keys (single-bigint key space; the per-user rate lock uses the two-int
# space, which never overlaps it): arbitrary constants, the same in every replica.
_MIGRATION_LOCK = 7_301_512_001


class StoreUnavailable(RuntimeError):
    """The database cannot be reached (or set up) right now; the message says why, in one line."""


@dataclass(frozen=True)
class StoreHealth:
    """For the log and ``/ofsted status``: is the database there, and what could not be written."""

    backend: str
    available: bool
    dropped_votes: int
    dropped_gaps: int
    last_error: str | None


def parse_vote(vote: int | str) -> int:
    """+1 or -1 from +1/-1 or "up"/"down"; anything else is a ValueError."""
    if isinstance(vote, str):
        word = vote.strip().lower()
        if word in ("up", "+1"):
            return 1
        if word in ("down", "-1"):
            return -1
    elif not isinstance(vote, bool) and vote in (1, -1):
        return int(vote)
    raise ValueError(f"a vote is +1/-1 or 'up'/'down', not {vote!r}")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


class FeedbackStore(FeedbackQueries, ReplicaCoordination):
    """Votes and gaps in one database; safe to call from many threads (one Engine, pooled).

    With ``require_database`` (the default) the constructor connects and migrates, and raises
    when it cannot; without it (``ofsted-bot serve``), an unreachable database is logged and
    tried again on use, and each operation raises ``StoreUnavailable`` until it answers.
    """

    def __init__(
        self,
        database_url: str,
        *,
        keep_question_text: bool,
        hash_key: str | None = None,
        require_database: bool = True,
    ) -> None:
        self.keep_question_text = keep_question_text
        self._engine, is_sqlite = create_engine_for(database_url)
        self.backend = self._engine.dialect.name
        # SQLite takes one writer at a time (in memory: one connection); queueing here beats
        # busy-waiting in the driver.
        self._sqlite_lock: threading.Lock | None = threading.Lock() if is_sqlite else None
        self._given_hash_key = hash_key
        self._hash_key: bytes | None = hash_key.encode("utf-8") if hash_key else None
        self._open_lock = threading.Lock()
        self._ready = False
        self._next_attempt = 0.0
        self._last_error: str | None = None
        self._dropped = {"vote": 0, "gap": 0}
        if require_database:
            self._open()
        else:
            try:
                self._ensure_open()
            except StoreUnavailable as exc:
                log.warning("%s; answering anyway, votes and gaps are not recorded until it is back", exc)

    @classmethod
    def from_settings(cls, settings: Settings, *, require_database: bool = True) -> FeedbackStore:
        return cls(
            settings.database_url,
            keep_question_text=settings.gaps_log,
            hash_key=settings.feedback_hash_key,
            require_database=require_database,
        )

    @property
    def is_postgresql(self) -> bool:
        return self.backend == "postgresql"

    @property
    def shared_between_processes(self) -> bool:
        """Whether other replicas can share this database (SQLite: one host's file at most)."""
        return self._sqlite_lock is None

    # --- plumbing -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        self._ensure_open()
        with self._raw_transaction() as connection:
            yield connection

    @contextlib.contextmanager
    def _raw_transaction(self) -> Iterator[Connection]:
        with self._sqlite_lock or contextlib.nullcontext(), self._engine.begin() as connection:
            yield connection

    def _ensure_open(self) -> None:
        if self._ready:
            return
        with self._open_lock:
            if self._ready:
                return
            if time.monotonic() < self._next_attempt:
                raise StoreUnavailable(self._last_error or "the database is unavailable")
            try:
                self._open()
            except Exception as exc:
                self._next_attempt = time.monotonic() + _RETRY_SECONDS
                self._last_error = _one_line(f"cannot open DATABASE_URL ({type(exc).__name__}: {exc})")
                raise StoreUnavailable(self._last_error) from exc
            if self._last_error is not None:
                log.warning("the feedback database is reachable again")
            self._last_error = None

    def _open(self) -> None:
        """Migrate to the newest schema and read (or create) the user-hash key, in one transaction."""
        from alembic import command
        from alembic.config import Config

        with self._raw_transaction() as connection:
            if self.is_postgresql:
                # Replicas starting together: the first migrates, the rest wait here, then find
                # the schema at head and do nothing. Released at commit.
                connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if self._hash_key is None:
                self._hash_key = self._stored_hash_key(connection).encode("utf-8")
        self._ready = True

    def _stored_hash_key(self, connection: Connection) -> str:
        find = select(keys_table.c.value).where(keys_table.c.name == _USER_HASH_KEY_NAME)
        existing = connection.execute(find).scalar_one_or_none()
        if existing is not None:
            return existing
        # Under the migration lock: no other replica can insert a different key meanwhile.
        fresh = secrets.token_hex(32)
        connection.execute(
            insert(keys_table).values(name=_USER_HASH_KEY_NAME, value=fresh, created_at=stored_time(None))
        )
        return fresh

    @contextlib.contextmanager
    def _counted_write(self, what: Literal["vote", "gap"]) -> Iterator[None]:
        """A write that, when it fails, is counted and logged as not recorded (then re-raised)."""
        try:
            yield
        except Exception as exc:
            with self._open_lock:
                self._dropped[what] += 1
                votes, gaps = self._dropped["vote"], self._dropped["gap"]
            log.warning(
                "%s not recorded (%s); not recorded since start: %d vote(s), %d gap(s)",
                what,
                _one_line(str(exc) if isinstance(exc, StoreUnavailable) else type(exc).__name__),
                votes,
                gaps,
            )
            raise

    def health(self) -> StoreHealth:
        with self._open_lock:
            return StoreHealth(
                self.backend, self._ready, self._dropped["vote"], self._dropped["gap"], self._last_error
            )

    def _keyed_hash(self, purpose: str, text: str) -> str:
        # The purpose prefix keeps a user id and a question with the same text apart.
        if self._hash_key is None:
            self._ensure_open()  # the key lives in the database
        assert self._hash_key is not None
        return hmac.new(self._hash_key, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()

    def user_hash(self, user_id: str) -> str:
        """What is stored instead of a Slack user id."""
        return self._keyed_hash("user", user_id)

    def _default_answer_key(self, fact_id: str, question: str | None) -> str:
        normalised = " ".join((question or "").split()).casefold()
        return f"{fact_id}:{self._keyed_hash('question', normalised)[:32]}"

    # --- recording ------------------------------------------------------------------------------

    def record_vote(
        self,
        user_id: str,
        fact_id: str,
        question: str | None,
        vote: int | str,
        answer_key: str | None = None,
        *,
        now: datetime | None = None,
    ) -> None:
        """Record a 👍 (+1, "up") or 👎 (-1, "down"), replacing this user's earlier vote on the answer.

        ``answer_key`` identifies the answer voted on (see the module docstring); ``now`` is for
        tests and imports, defaulting to the current time.
        """
        value = parse_vote(vote)
        with self._counted_write("vote"):
            self._record_vote(user_id, fact_id, question, value, answer_key, stored_time(now))

    def _record_vote(
        self,
        user_id: str,
        fact_id: str,
        question: str | None,
        value: int,
        answer_key: str | None,
        created_at: datetime,
    ) -> None:
        if not self.keep_question_text:
            anonymous = {"fact_id": fact_id, "vote": value, "created_at": created_at}
            with self._transaction() as connection:
                connection.execute(insert(votes_table).values(anonymous))
            return
        key = answer_key if answer_key is not None else self._default_answer_key(fact_id, question)
        if len(key) > MAX_ANSWER_KEY_LENGTH:
            raise ValueError(f"answer_key longer than {MAX_ANSWER_KEY_LENGTH} characters")
        row = {
            "answer_key": key,
            "user_hash": self.user_hash(user_id),
            "fact_id": fact_id,
            "question": question,
            "vote": value,
            "created_at": created_at,
        }
        for attempt in range(_VOTE_ATTEMPTS):
            try:
                self._replace_vote(row)
                return
            except IntegrityError:
                # Another replica inserted this user's vote between our update and insert; the
                # row is committed now, so the next update finds it (and ours is the later click).
                if attempt == _VOTE_ATTEMPTS - 1:
                    raise

    def _replace_vote(self, row: dict[str, Any]) -> None:
        """Update-else-insert: only a purge deletes votes, so a retry's update finds the row."""
        with self._transaction() as connection:
            updated = connection.execute(
                update(votes_table)
                .where(
                    votes_table.c.user_hash == row["user_hash"],
                    votes_table.c.answer_key == row["answer_key"],
                )
                .values(row)
            )
            if updated.rowcount == 0:
                connection.execute(insert(votes_table).values(row))

    def record_gap(
        self,
        user_id: str,
        question: str,
        suggestions: Sequence[tuple[str, float]],
        kind: GapKind,
        *,
        now: datetime | None = None,
    ) -> bool:
        """Record a declined or low-confidence question with its nearest facts (best first).

        Returns whether a row was written: nothing is, for a blank question or when question text
        is not kept.
        """
        if kind not in GAP_KINDS:
            raise ValueError(f"a gap's kind is one of {GAP_KINDS}, not {kind!r}")
        text = question.strip()
        if not self.keep_question_text or not text:
            return False
        nearest = [{"fact_id": fact_id, "score": round(float(score), 4)} for fact_id, score in suggestions]
        with self._counted_write("gap"), self._transaction() as connection:
            connection.execute(
                insert(gaps_table).values(
                    kind=kind,
                    question=text,
                    nearest=json.dumps(nearest),
                    user_hash=self.user_hash(user_id),
                    created_at=stored_time(now),
                )
            )
        return True

    # --- retention ------------------------------------------------------------------------------

    def purge_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete votes and gaps recorded more than ``days`` days before ``now``; rows removed."""
        if days < 0:
            raise ValueError(f"days must not be negative, not {days}")
        cutoff = stored_time(now) - timedelta(days=days)
        with self._transaction() as connection:
            removed_votes = connection.execute(delete(votes_table).where(votes_table.c.created_at < cutoff))
            removed_gaps = connection.execute(delete(gaps_table).where(gaps_table.c.created_at < cutoff))
        return removed_votes.rowcount + removed_gaps.rowcount

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
