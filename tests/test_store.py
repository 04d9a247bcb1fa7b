"""The feedback store on a real SQLite file: votes, gaps, privacy, retention, threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.store import FeedbackStore, VoteCount, parse_vote

USER = "U0RAWSLACKID"
QUESTION = "how many children were adopted from Thornbury Close last year"
ANSWER_KEY = "C0CHANNEL:1712345678.000100"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    # A folder that does not exist yet: the store creates it.
    return tmp_path / "var" / "feedback.sqlite3"


def database_bytes(db_path: Path) -> bytes:
    """The database file and any journal beside it, as they lie on disk."""
    return b"".join(p.read_bytes() for p in sorted(db_path.parent.glob(f"{db_path.name}*")))


def test_votes_store_a_hashed_user_and_a_second_vote_replaces_the_first(db_path: Path) -> None:
    with FeedbackStore(sqlite_url(db_path), keep_question_text=True) as store:
        store.record_vote(USER, "children-in-care", QUESTION, "down", ANSWER_KEY)
        store.record_vote(USER, "children-in-care", QUESTION, +1, ANSWER_KEY)
        assert store.vote_counts() == [VoteCount("children-in-care", up=1, down=0)]
        store.record_vote("U0SOMEONEELSE", "children-in-care", QUESTION, -1, ANSWER_KEY)
        assert store.vote_counts() == [("children-in-care", 1, 1)]
        user_hash = store.user_hash(USER)
    stored = database_bytes(db_path)
    assert USER.encode() not in stored
    assert user_hash.encode() in stored
    assert QUESTION.encode() in stored


def test_without_an_answer_key_the_fact_and_question_identify_the_answer(db_path: Path) -> None:
    with FeedbackStore(sqlite_url(db_path), keep_question_text=True) as store:
        store.record_vote(USER, "children-in-care", "How many children are in care?", "up")
        store.record_vote(USER, "children-in-care", "how many  children are in care?", "down")
        assert store.vote_counts() == [("children-in-care", 0, 1)]
        store.record_vote(USER, "children-in-care", "number of looked after children", "up")
        assert store.vote_counts() == [("children-in-care", 1, 1)]


def test_vote_counts_put_the_most_thumbs_down_first(db_path: Path) -> None:
    with FeedbackStore(sqlite_url(db_path), keep_question_text=True) as store:
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


def test_gaps_keep_the_question_its_nearest_facts_and_a_hashed_user(db_path: Path) -> None:
    with FeedbackStore(sqlite_url(db_path), keep_question_text=True) as store:
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
    assert USER.encode() not in database_bytes(db_path)


def test_with_question_text_off_nothing_personal_is_written(db_path: Path) -> None:
    store = FeedbackStore.from_settings(Settings(database_url=sqlite_url(db_path), gaps_log=False))
    with store:
        assert store.keep_question_text is False
        assert not store.record_gap(USER, QUESTION, [("children-in-care", 0.4)], "declined")
        store.record_vote(USER, "children-in-care", QUESTION, "down", ANSWER_KEY)
        # Nothing identifies the voter, so a second click is a second vote.
        store.record_vote(USER, "children-in-care", QUESTION, "down", ANSWER_KEY)
        assert store.unanswered_questions() == []
        assert store.vote_counts() == [("children-in-care", 0, 2)]
        user_hash = store.user_hash(USER)
    stored = database_bytes(db_path)
    for personal in (QUESTION, USER, user_hash, ANSWER_KEY):
        assert personal.encode() not in stored, personal
    assert b"children-in-care" in stored


def test_purge_removes_rows_older_than_the_retention_and_keeps_newer_ones(db_path: Path) -> None:
    old_question = "old question naming the Pemberton family"
    with FeedbackStore(sqlite_url(db_path), keep_question_text=True) as store:
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
    # Deleted rows are overwritten on disk, not left behind in free pages.
    assert old_question.encode() not in database_bytes(db_path)


def test_the_stored_hash_key_persists_across_instances_and_the_setting_overrides_it(
    tmp_path: Path, db_path: Path
) -> None:
    with FeedbackStore(sqlite_url(db_path), keep_question_text=True) as first:
        first_hash = first.user_hash(USER)
        first.record_vote(USER, "children-in-care", QUESTION, "down", ANSWER_KEY)
    with FeedbackStore(sqlite_url(db_path), keep_question_text=True) as second:
        assert second.user_hash(USER) == first_hash
        second.record_vote(USER, "children-in-care", QUESTION, "up", ANSWER_KEY)  # replaces
        assert second.vote_counts() == [("children-in-care", 1, 0)]
    with FeedbackStore(sqlite_url(tmp_path / "other.sqlite3"), keep_question_text=True) as elsewhere:
        assert elsewhere.user_hash(USER) != first_hash
    keyed = [
        FeedbackStore(sqlite_url(path), keep_question_text=True, hash_key="shared secret")
        for path in (db_path, tmp_path / "other.sqlite3")
    ]
    assert keyed[0].user_hash(USER) == keyed[1].user_hash(USER) != first_hash
    for store in keyed:
        store.close()


def test_concurrent_votes_from_worker_threads_lose_nothing(db_path: Path) -> None:
    threads, votes_each = 4, 50
    with FeedbackStore(sqlite_url(db_path), keep_question_text=True) as store:

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
