"""The database's tables and engine: what the store keeps, and how it connects.

SQLAlchemy Core with portable types only, so the default SQLite file and a PostgreSQL shared by
several replicas both work. The schema itself is created and migrated by Alembic
(``bot/storage/migrations``); these ``Table`` objects are what the queries in ``bot/storage/store.py`` and the
migrations' autogenerate read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

# A connect attempt waits at most this long (the store retries an unreachable database later).
_CONNECT_TIMEOUT_SECONDS = 5
MAX_ANSWER_KEY_LENGTH = 255

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


# Shared by replicas (migration 0002): see ReplicaSync in bot/runtime/reload.py and QuestionRateLimiter.
replicas_table = Table(
    "bot_replicas",
    metadata,
    Column("replica_id", String(200), primary_key=True),
    Column("started_at", DateTime, nullable=False),
    Column("seen_at", DateTime, nullable=False),
    Column("loaded_at", DateTime),
    Column("facts", Integer),
    Column("sources", Integer),
    Column("reload_trigger", String(20)),
    Column("reload_ok", Boolean),
    Column("reload_summary", Text),
    Column("reload_request_id", Integer),  # the last reload request this replica carried out
)

reload_requests_table = Table(
    "bot_reload_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("requested_at", DateTime, nullable=False),
    Column("requested_by", String(200), nullable=False),
)

rate_hits_table = Table(
    "bot_rate_limit_hits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_key", String(64), nullable=False),
    Column("at", Double, nullable=False),  # Unix seconds
    Index("ix_bot_rate_limit_hits_user_at", "user_key", "at"),
)

task_runs_table = Table(
    "bot_task_runs",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("last_run_at", DateTime, nullable=False),
    Column("run_by", String(200)),
)


def stored_time(moment: datetime | None) -> datetime:
    """Naive UTC for the database; a naive ``moment`` is taken to be UTC already."""
    if moment is None:
        moment = datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def aware_time(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None else None


def database_url_for_driver(database_url: str) -> URL:
    """The URL with the driver we ship: ``postgresql://`` (and ``postgres://``) mean psycopg 3.

    SQLAlchemy's default PostgreSQL driver is psycopg2, which is not installed; an explicit
    ``postgresql+driver://`` is left as it is.
    """
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_engine_for(database_url: str) -> tuple[Engine, bool]:
    """The engine for a URL, and whether it is SQLite (which needs writes serialised)."""
    url = database_url_for_driver(database_url)
    if url.get_backend_name() != "sqlite":
        options: dict[str, Any] = {
            # A web server's pool: enough for the HTTP and answer threads' short writes; wait at
            # most 10 s for a free connection rather than hang a worker; pre_ping, because idle
            # connections may have been dropped by the server, a proxy or a failover;
            # recycle before typical load-balancer idle timeouts.
            "pool_size": 5,
            "max_overflow": 10,
            "pool_timeout": 10,
            "pool_pre_ping": True,
            "pool_recycle": 1800,
        }
        if url.get_backend_name() == "postgresql":
            options["connect_args"] = {
                "connect_timeout": _CONNECT_TIMEOUT_SECONDS,
                "application_name": "ofsted-bot",
            }
        return create_engine(url, **options), False
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    if not in_memory and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    sqlite_options: dict[str, Any] = {
        # Worker threads share the pool; timeout: wait for another process's write, don't fail.
        "connect_args": {"check_same_thread": False, "timeout": 30},
    }
    if in_memory:
        sqlite_options["poolclass"] = StaticPool  # one connection, or each thread would see its own DB
    engine = create_engine(url, **sqlite_options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        # The driver's own transaction handling would not BEGIN before DDL or a SELECT; we
        # begin every transaction ourselves (below).
        dbapi_connection.isolation_level = None
        # Purged and replaced rows may hold personal data: zero them on disk, not just unlink.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        # Take the write lock up front: two processes on one file then migrate, claim the purge
        # and count a user's questions one at a time, as PostgreSQL's locks make them there.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine, True
