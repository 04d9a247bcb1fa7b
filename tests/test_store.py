"""The feedback store on a real SQLite file and on a real PostgreSQL (a throwaway cluster, see
tests/support/postgres.py): votes, gaps, privacy, retention, threads, migrations, and what replicas share."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.postgres import PostgresCluster

from bot.runtime.settings import Settings
from bot.storage.schema import metadata
from bot.storage.store import FeedbackStore, StoreUnavailable, parse_vote
from retrieval.evaluation.gaps import VoteCount

USER = "U0RAWSLACKID"
QUESTION = "how many children were adopted from Thornbury Close last year"
ANSWER_KEY = "C0CHANNEL:1712345678.000100"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def new_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes the URL of a new, empty database on this test's backend."""
    if request.param == "sqlite":
        names = iter(range(100))
        # A folder that does not exist yet: the store creates it.
        return lambda: f"sqlite:///{tmp_path / 'var' / f'feedback{next(names)}.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.new_database


@pytest.fixture
def url(new_url: Callable[[], str]) -> str:
    return new_url()


def plain_engine(url: str) -> sa.Engine:
    """An engine of our own on the test's database, without the store."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def stored_bytes(url: str) -> bytes:
    """What the database holds: on SQLite the file and any journal beside it, as they lie on disk
    (deleted rows included); on PostgreSQL every row of every table, as text."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(f"{path.name}*")))
    engine = plain_engine(url)
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            rows = [
                text
                for table in tables
                for text in connection.exec_driver_sql(f'SELECT t::text FROM "{table}" t').scalars()
            ]
    finally:
        engine.dispose()
    return "\n".join(rows).encode()


def test_votes_store_a_hashed_user_and_a_second_vote_replaces_the_first(url: str) -> None:
    with FeedbackStore(url, keep_question_text=True) as store:
        store.record_vote(USER, "children-in-care", QUESTION, "down", ANSWER_KEY)
        store.record_vote(USER, "children-in-care", QUESTION, +1, ANSWER_KEY)
        assert store.vote_counts() == [VoteCount("children-in-care", up=1, down=0)]
        store.record_vote("U0SOMEONEELSE", "children-in-care", QUESTION, -1, ANSWER_KEY)
        assert store.vote_counts() == [("children-in-care", 1, 1)]
        user_hash = store.user_hash(USER)
    stored = stored_bytes(url)
    assert USER.encode() not in stored
    assert user_hash.encode() in stored
    assert QUESTION.encode() in stored


def test_without_an_answer_key_the_fact_and_question_identify_the_answer(url: str) -> None:
    with FeedbackStore(url, keep_question_text=True) as store:
        store.record_vote(USER, "children-in-care", "How many children are in care?", "up")
        store.record_vote(USER, "children-in-care", "how many  children are in care?", "down")
        assert store.vote_counts() == [("children-in-care", 0, 1)]
        store.record_vote(USER, "children-in-care", "number of looked after children", "up")
        assert store.vote_counts() == [("children-in-care", 1, 1)]


def test_vote_counts_put_the_most_thumbs_down_first(url: str) -> None:
    with FeedbackStore(url, keep_question_text=True) as store:
        for user, fact_id, vote in [
            ("U1", "good-or-outstanding", "up"),
            ("U1", "monitoring-visits", "down"),
            ("U2", "monitoring-visits", "down"),
            ("U3", "children-in-care", "down"),
            ("U4", "children-in-care", "up"),
        ]:
            store.record_vote(user, fact_id, QUESTION, vote, f"answer-of-{fact_id}")
        assert store.vote_counts() == [
            ("monitoring-visits", 0, 2),
            ("children-in-care", 1, 1),
            ("good-or-outstanding", 1, 0),
        ]


@pytest.mark.parametrize(("given", "expected"), [(1, 1), (-1, -1), ("up", 1), ("DOWN", -1), ("+1", 1)])
def test_parse_vote_accepts_plus_minus_one_and_up_down(given: int | str, expected: int) -> None:
    assert parse_vote(given) == expected


@pytest.mark.parametrize("given", [0, 2, True, "sideways", ""])
def test_parse_vote_rejects_anything_else(given: int | str) -> None:
    with pytest.raises(ValueError, match="vote"):
        parse_vote(given)


def test_gaps_keep_the_question_its_nearest_facts_and_a_hashed_user(url: str) -> None:
    with FeedbackStore(url, keep_question_text=True) as store:
        nearest = [("children-in-care", 0.41234567), ("children-in-need-and-las", 0.38)]
        assert store.record_gap(USER, f"  {QUESTION} ", nearest, "declined", now=NOW)
        assert store.record_gap(USER, "what's the weather in Leeds", [], "low_confidence", now=NOW)
        assert not store.record_gap(USER, "   ", nearest, "declined")
        with pytest.raises(ValueError, match="kind"):
            store.record_gap(USER, QUESTION, nearest, "rude")  # type: ignore[arg-type]
        rows = store.unanswered_questions()
        assert [row.question for row in rows] == ["what's the weather in Leeds", QUESTION]
        adoption = rows[1]
        assert adoption.kind == "declined"
        assert adoption.nearest == (("children-in-care", 0.4123), ("children-in-need-and-las", 0.38))
        assert adoption.user_hash == store.user_hash(USER)
        assert adoption.created_at == NOW
        assert rows[0].nearest == ()
    assert USER.encode() not in stored_bytes(url)


def test_with_question_text_off_nothing_personal_is_written(url: str) -> None:
    store = FeedbackStore.from_settings(Settings(database_url=url, gaps_log=False))
    with store:
        assert store.keep_question_text is False
        assert not store.record_gap(USER, QUESTION, [("children-in-care", 0.4)], "declined")
        store.record_vote(USER, "children-in-care", QUESTION, "down", ANSWER_KEY)
        # Nothing identifies the voter, so a second click is a second vote.
        store.record_vote(USER, "children-in-care", QUESTION, "down", ANSWER_KEY)
        assert store.unanswered_questions() == []
        assert store.vote_counts() == [("children-in-care", 0, 2)]
        user_hash = store.user_hash(USER)
    stored = stored_bytes(url)
    for personal in (QUESTION, USER, user_hash, ANSWER_KEY):
        assert personal.encode() not in stored, personal
    assert b"children-in-care" in stored


def test_purge_removes_rows_older_than_the_retention_and_keeps_newer_ones(url: str) -> None:
    old_question = "old question naming the Pemberton family"
    with FeedbackStore(url, keep_question_text=True) as store:
        store.record_vote("U1", "fact-old", old_question, "down", "old", now=NOW - timedelta(days=91))
        store.record_vote("U1", "fact-new", QUESTION, "up", "new", now=NOW - timedelta(days=89))
        store.record_gap("U1", old_question, [], "declined", now=NOW - timedelta(days=120))
        store.record_gap("U1", QUESTION, [], "declined", now=NOW - timedelta(days=1))
        assert len(store.unanswered_questions(since_days=30, now=NOW)) == 1
        assert store.vote_counts(since_days=90, now=NOW) == [("fact-new", 1, 0)]

        assert store.purge_older_than(90, now=NOW) == 2
        assert store.vote_counts() == [("fact-new", 1, 0)]
        assert [row.question for row in store.unanswered_questions()] == [QUESTION]
        assert store.purge_older_than(90, now=NOW) == 0
        with pytest.raises(ValueError):
            store.purge_older_than(-1)
    # Deleted rows are gone; on SQLite they are overwritten on disk, not left in free pages.
    # (PostgreSQL keeps dead tuples until VACUUM, which autovacuum runs; see the README.)
    assert old_question.encode() not in stored_bytes(url)


def test_the_stored_hash_key_persists_across_instances_and_the_setting_overrides_it(
    new_url: Callable[[], str], url: str
) -> None:
    other_url = new_url()
    with FeedbackStore(url, keep_question_text=True) as first:
        first_hash = first.user_hash(USER)
        first.record_vote(USER, "children-in-care", QUESTION, "down", ANSWER_KEY)
    with FeedbackStore(url, keep_question_text=True) as second:
        assert second.user_hash(USER) == first_hash
        second.record_vote(USER, "children-in-care", QUESTION, "up", ANSWER_KEY)  # replaces
        assert second.vote_counts() == [("children-in-care", 1, 0)]
    with FeedbackStore(other_url, keep_question_text=True) as elsewhere:
        assert elsewhere.user_hash(USER) != first_hash
    keyed = [
        FeedbackStore(path, keep_question_text=True, hash_key="shared secret") for path in (url, other_url)
    ]
    assert keyed[0].user_hash(USER) == keyed[1].user_hash(USER) != first_hash
    for store in keyed:
        store.close()


def test_concurrent_votes_from_worker_threads_lose_nothing(url: str) -> None:
    threads, votes_each = 4, 50
    with FeedbackStore(url, keep_question_text=True) as store:

        def vote_many(worker: int) -> None:
            for n in range(votes_each):
                store.record_vote(f"U{worker}-{n}", "children-in-care", QUESTION, "up", ANSWER_KEY)
                # Every worker also votes as one shared user on one answer: that stays one vote.
                store.record_vote("U-SHARED", "monitoring-visits", QUESTION, 1 - 2 * (n % 2), ANSWER_KEY)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            for done in [pool.submit(vote_many, worker) for worker in range(threads)]:
                done.result()  # re-raises any error from the thread
        counts = {count.fact_id: count for count in store.vote_counts()}
        assert counts["children-in-care"] == ("children-in-care", threads * votes_each, 0)
        assert counts["monitoring-visits"].up + counts["monitoring-visits"].down == 1


def test_an_in_memory_database_is_shared_by_all_threads() -> None:
    with FeedbackStore("sqlite://", keep_question_text=True) as store:
        writer = threading.Thread(target=store.record_gap, args=(USER, QUESTION, [], "declined"))
        writer.start()
        writer.join()
        assert [row.question for row in store.unanswered_questions()] == [QUESTION]


# --- schema and migrations --------------------------------------------------------------------------


def alembic_versions(url: str) -> list[str]:
    engine = plain_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    finally:
        engine.dispose()


def test_replicas_starting_together_migrate_once_and_agree_on_the_hash_key(url: str) -> None:
    starting = 4
    barrier = threading.Barrier(starting)

    def start() -> FeedbackStore:
        barrier.wait()
        return FeedbackStore(url, keep_question_text=True)

    with ThreadPoolExecutor(max_workers=starting) as pool:
        stores = [done.result() for done in [pool.submit(start) for _ in range(starting)]]
    try:
        assert len({store.user_hash(USER) for store in stores}) == 1
        stores[0].record_vote(USER, "children-in-care", QUESTION, "up", ANSWER_KEY)
        assert stores[-1].vote_counts() == [("children-in-care", 1, 0)]
    finally:
        for store in stores:
            store.close()
    assert alembic_versions(url) == ["0002"]


def test_a_database_made_before_migrations_is_upgraded_keeping_its_rows(url: str) -> None:
    engine = plain_engine(url)
    legacy = sa.MetaData()
    for name in ("feedback_votes", "feedback_gaps", "feedback_keys"):
        metadata.tables[name].to_metadata(legacy)
    with engine.begin() as connection:
        legacy.create_all(connection)  # what the store did before Alembic
        connection.execute(
            legacy.tables["feedback_votes"]
            .insert()
            .values(fact_id="children-in-care", vote=-1, created_at=datetime(2025, 5, 1))
        )
    engine.dispose()
    with FeedbackStore(url, keep_question_text=True) as store:
        assert store.vote_counts() == [("children-in-care", 0, 1)]
        assert store.latest_reload_request() == 0  # a table from revision 0002
    assert alembic_versions(url) == ["0002"]


def test_the_tables_the_store_uses_are_exactly_what_the_migrations_make(url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    FeedbackStore(url, keep_question_text=True).close()
    engine = plain_engine(url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert differences == []


@pytest.mark.postgresql
def test_both_postgresql_url_spellings_use_psycopg(postgres_cluster: PostgresCluster) -> None:
    url = postgres_cluster.new_database()
    for spelling in (url, url.replace("postgresql://", "postgresql+psycopg://")):
        with FeedbackStore(spelling, keep_question_text=True) as store:
            assert store.is_postgresql and store.shared_between_processes
            store.record_gap(USER, QUESTION, [], "declined")
    with FeedbackStore(url, keep_question_text=True) as store:
        assert len(store.unanswered_questions()) == 2


# --- a database that is not there -------------------------------------------------------------------


@pytest.mark.postgresql
def test_an_unreachable_database_counts_what_it_could_not_record_and_recovers(
    postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.storage.store

    monkeypatch.setattr(bot.storage.store, "_RETRY_SECONDS", 0.0)
    name = f"later_{threading.get_ident()}"
    url = postgres_cluster.url(name)
    with pytest.raises(Exception, match=name):
        FeedbackStore(url, keep_question_text=True)  # the CLI's way: fail at once
    store = FeedbackStore(url, keep_question_text=True, require_database=False)
    with pytest.raises(StoreUnavailable, match="cannot open DATABASE_URL") as raised:
        store.record_vote(USER, "children-in-care", QUESTION, "up", ANSWER_KEY)
    assert "\n" not in str(raised.value)
    with pytest.raises(StoreUnavailable):
        store.record_gap(USER, QUESTION, [], "declined")
    health = store.health()
    assert (health.available, health.dropped_votes, health.dropped_gaps) == (False, 1, 1)

    import psycopg

    with psycopg.connect(postgres_cluster.url(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    store.record_vote(USER, "children-in-care", QUESTION, "up", ANSWER_KEY)
    assert store.vote_counts() == [("children-in-care", 1, 0)]
    health = store.health()
    assert (health.available, health.dropped_votes, health.dropped_gaps) == (True, 1, 1)
    store.close()


def test_without_a_database_at_start_the_store_waits_between_attempts() -> None:
    unreachable = "postgresql://postgres@/nowhere?host=/nonexistent-socket-dir&port=1"
    store = FeedbackStore(unreachable, keep_question_text=True, require_database=False)
    for _ in range(3):  # within the retry interval: refused at once, each one counted
        with pytest.raises(StoreUnavailable):
            store.record_vote(USER, "children-in-care", QUESTION, "up", ANSWER_KEY)
    assert store.health().dropped_votes == 3
    assert "nonexistent-socket-dir" in (store.health().last_error or "")
    store.close()


# --- what replicas share ----------------------------------------------------------------------------


def test_the_retention_purge_runs_in_one_replica_at_a_time(url: str) -> None:
    first = FeedbackStore(url, keep_question_text=True)
    second = FeedbackStore(url, keep_question_text=True)
    try:
        first.record_gap(USER, QUESTION, [], "declined", now=NOW - timedelta(days=100))
        second.record_gap(USER, QUESTION, [], "declined", now=NOW)
        assert first.purge_if_due(90, timedelta(hours=24), by="a", now=NOW) == 1
        # Claimed: the other replica (and this one) skip it until the interval has passed.
        assert second.purge_if_due(90, timedelta(hours=24), by="b", now=NOW + timedelta(hours=1)) is None
        assert first.purge_if_due(90, timedelta(hours=24), by="a", now=NOW + timedelta(hours=2)) is None
        assert second.purge_if_due(90, timedelta(hours=24), by="b", now=NOW + timedelta(hours=25)) == 0
        # Both at once: exactly one runs.
        barrier = threading.Barrier(2)

        def purge(store: FeedbackStore) -> int | None:
            barrier.wait()
            return store.purge_if_due(90, timedelta(hours=24), now=NOW + timedelta(days=3))

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = [done.result() for done in [pool.submit(purge, s) for s in (first, second)]]
        assert sorted(results, key=lambda r: r is None) == [0, None]
    finally:
        first.close()
        second.close()


@pytest.mark.postgresql
def test_a_purge_in_progress_elsewhere_holds_the_advisory_lock(postgres_cluster: PostgresCluster) -> None:
    import psycopg

    from bot.storage.replica_state import _PURGE_LOCK

    url = postgres_cluster.new_database()
    with FeedbackStore(url, keep_question_text=True) as store, psycopg.connect(url) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s)", (_PURGE_LOCK,))  # "another replica purging"
        assert store.purge_if_due(90, timedelta(0)) is None
        other.rollback()
        assert store.purge_if_due(90, timedelta(0)) == 0


def test_reload_requests_and_what_each_replica_reports(url: str) -> None:
    with FeedbackStore(url, keep_question_text=True) as a, FeedbackStore(url, keep_question_text=True) as b:
        assert a.latest_reload_request() == 0
        first = a.request_reload("host-a:1")
        assert b.latest_reload_request() == first
        assert b.request_reload("host-b:2") > first
        started = datetime.now(UTC)
        a.report_replica("host-a:1", started_at=started, load={"facts": 60, "reload_trigger": "start"})
        b.report_replica("host-b:2", started_at=started)
        b.report_replica(
            "host-b:2",
            started_at=started,
            load={"loaded_at": started, "facts": 61, "reload_ok": True, "reload_request_id": first},
        )
        rows = {row.replica_id: row for row in a.replicas()}
        assert set(rows) == {"host-a:1", "host-b:2"}
        assert rows["host-a:1"].facts == 60 and rows["host-a:1"].reload_trigger == "start"
        assert rows["host-b:2"].facts == 61 and rows["host-b:2"].reload_request_id == first
        assert rows["host-b:2"].loaded_at == started
        assert not rows["host-b:2"].is_stale()
        assert rows["host-b:2"].is_stale(datetime.now(UTC) + timedelta(minutes=5))
        a.forget_replica("host-a:1")
        assert [row.replica_id for row in b.replicas()] == ["host-b:2"]


def test_the_question_window_is_shared_by_two_replicas(url: str) -> None:
    a = FeedbackStore(url, keep_question_text=True)
    b = FeedbackStore(url, keep_question_text=True)
    try:
        t0 = 1_750_000_000.0
        waits = [(a if n % 2 else b).take_question_slot(USER, 3, now=t0 + n) for n in range(5)]
        assert waits[:3] == [0.0, 0.0, 0.0]
        assert waits[3] == pytest.approx(57.0) and waits[4] == pytest.approx(56.0)
        assert a.take_question_slot("U0SOMEONEELSE", 3, now=t0 + 5) == 0.0
        assert b.take_question_slot(USER, 3, now=t0 + 60.5) == 0.0  # the first question left the window
        # Many at once from both: exactly the limit get through.
        barrier = threading.Barrier(8)

        def ask(store: FeedbackStore) -> float:
            barrier.wait()
            return store.take_question_slot("U0FLOOD", 5)

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = [done.result() for done in [pool.submit(ask, (a, b)[n % 2]) for n in range(8)]]
        assert results.count(0.0) == 5
    finally:
        a.close()
        b.close()
    assert USER.encode() not in stored_bytes(url)
