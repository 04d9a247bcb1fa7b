"""Answer votes and unanswered questions ("gaps"), kept in one SQL database.

SQLAlchemy Core with portable types only, so the default SQLite file under var/ and a PostgreSQL
shared by several replicas both work; the schema is created on start.

Questions may hold personal data about children and families:

* Slack user ids are never stored, only an HMAC-SHA256 of them. The key is ``FEEDBACK_HASH_KEY``
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
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NamedTuple, get_args

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import StaticPool

from bot.settings import Settings

GapKind = Literal["declined", "low_confidence"]
GAP_KINDS: tuple[str, ...] = get_args(GapKind)

MAX_ANSWER_KEY_LENGTH = 255
_USER_HASH_KEY_NAME = "user_hash_key"
# A vote races another replica at most once in practice (see record_vote); the rest is margin.
_VOTE_ATTEMPTS = 3

metadata = MetaData()

# All times are naive UTC: the one DateTime form every backend stores and compares unchanged.
votes_table = Table(
    "feedback_votes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_key", String(MAX_ANSWER_KEY_LENGTH)),  # NULL when question text is not kept
    Column("user_hash", String(64)),  # NULL when question text is not kept
    Column("fact_id", String(200), nullable=False),
    Column("question", Text),
    Column("vote", SmallInteger, nullable=False),  # +1 or -1
    Column("created_at", DateTime, nullable=False),
    # NULLs never collide, so anonymous votes (GAPS_LOG=off) simply add up.
    UniqueConstraint("user_hash", "answer_key", name="uq_feedback_votes_user_answer"),
    Index("ix_feedback_votes_created_at", "created_at"),
)

gaps_table = Table(
    "feedback_gaps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("question", Text, nullable=False),
    Column("nearest", Text, nullable=False),  # JSON: [{"fact_id": ..., "score": ...}], best first
    Column("user_hash", String(64)),
    Column("created_at", DateTime, nullable=False),
    Index("ix_feedback_gaps_created_at", "created_at"),
)

keys_table = Table(
    "feedback_keys",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
)


@dataclass(frozen=True)
class GapRow:
    """One recorded unanswered question."""

    question: str
    kind: str
    nearest: tuple[tuple[str, float], ...]  # (fact id, score), best first
    user_hash: str | None
    created_at: datetime  # timezone-aware UTC


class VoteCount(NamedTuple):
    fact_id: str
    up: int
    down: int


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


def _stored_time(moment: datetime | None) -> datetime:
    """Naive UTC for the database; a naive ``moment`` is taken to be UTC already."""
    if moment is None:
        moment = datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _create_engine(database_url: str) -> tuple[Engine, bool]:
    """The engine for a URL, and whether it is SQLite (which needs writes serialised)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # pre_ping: a replica's idle pooled connections may have been dropped by the server.
        return create_engine(url, pool_pre_ping=True), False
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    if not in_memory and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {
        # Worker threads share the pool; timeout: wait for another process's write, don't fail.
        "connect_args": {"check_same_thread": False, "timeout": 30},
    }
    if in_memory:
        options["poolclass"] = StaticPool  # one connection, or each thread would see its own DB
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _overwrite_deleted_rows(dbapi_connection: Any, _connection_record: Any) -> None:
        # Purged and replaced rows may hold personal data: zero them on disk, not just unlink.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    return engine, True


class FeedbackStore:
    """Votes and gaps in one database; safe to call from many threads (one Engine, pooled)."""

    def __init__(self, database_url: str, *, keep_question_text: bool, hash_key: str | None = None) -> None:
        self.keep_question_text = keep_question_text
        self._engine, is_sqlite = _create_engine(database_url)
        # SQLite takes one writer at a time (in memory: one connection); queueing here beats
        # busy-waiting in the driver.
        self._sqlite_lock: threading.Lock | None = threading.Lock() if is_sqlite else None
        self._create_schema()
        self._hash_key = (hash_key or self._stored_hash_key()).encode("utf-8")

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(
            settings.database_url,
            keep_question_text=settings.gaps_log,
            hash_key=settings.feedback_hash_key,
        )

    # --- plumbing -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._sqlite_lock or contextlib.nullcontext(), self._engine.begin() as connection:
            yield connection

    def _create_schema(self) -> None:
        try:
            with self._transaction() as connection:
                metadata.create_all(connection)
        except DBAPIError:
            # Another replica created the tables between our check and our CREATE; now they exist.
            with self._transaction() as connection:
                metadata.create_all(connection)

    def _stored_hash_key(self) -> str:
        find = select(keys_table.c.value).where(keys_table.c.name == _USER_HASH_KEY_NAME)
        with self._transaction() as connection:
            existing = connection.execute(find).scalar_one_or_none()
        if existing is not None:
            return existing
        fresh = secrets.token_hex(32)
        try:
            with self._transaction() as connection:
                connection.execute(
                    insert(keys_table).values(
                        name=_USER_HASH_KEY_NAME, value=fresh, created_at=_stored_time(None)
                    )
                )
        except IntegrityError:
            # Another replica stored its key first: use that one, so all hashes agree.
            with self._transaction() as connection:
                return connection.execute(find).scalar_one()
        return fresh

    def _keyed_hash(self, purpose: str, text: str) -> str:
        # The purpose prefix keeps a user id and a question with the same text apart.
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
        created_at = _stored_time(now)
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
        with self._transaction() as connection:
            connection.execute(
                insert(gaps_table).values(
                    kind=kind,
                    question=text,
                    nearest=json.dumps(nearest),
                    user_hash=self.user_hash(user_id),
                    created_at=_stored_time(now),
                )
            )
        return True

    # --- reading --------------------------------------------------------------------------------

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
            query = query.where(gaps_table.c.created_at >= _stored_time(now) - timedelta(days=since_days))
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
            query = query.where(votes_table.c.created_at >= _stored_time(now) - timedelta(days=since_days))
        with self._transaction() as connection:
            rows = connection.execute(query).all()
        return [VoteCount(row.fact_id, int(row.up), int(row.down)) for row in rows]

    # --- retention ------------------------------------------------------------------------------

    def purge_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete votes and gaps recorded more than ``days`` days before ``now``; rows removed."""
        if days < 0:
            raise ValueError(f"days must not be negative, not {days}")
        cutoff = _stored_time(now) - timedelta(days=days)
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


def collect_gaps(
    store: FeedbackStore, index: Any, since_days: int | None = None
) -> tuple[list[Any], list[VoteCount]]:
    """The admin's to-do list: unanswered questions grouped by similarity, and the votes."""
    from retrieval.gaps import group_questions

    rows = store.unanswered_questions(since_days)
    questions = [r.question for r in rows if r.question]
    groups = group_questions(index, questions) if index is not None and questions else []
    return groups, store.vote_counts(since_days)


def gaps_report_text(store: FeedbackStore, index: Any, since_days: int | None = None, top: int = 15) -> str:
    from retrieval.gaps import format_gaps_report

    groups, votes = collect_gaps(store, index, since_days)
    facts_by_id = index.knowledge.facts_by_id if index is not None else {}
    return format_gaps_report(groups[:top], votes[:top], facts_by_id)
