"""The middleware's pieces on their own (the whole of it, over signed requests, is in
test_slack_requests.py): the ids of events already seen."""

from __future__ import annotations

from bot.slack.middleware import RecentIds


def test_recent_ids_remember_each_id_once_within_bounds() -> None:
    seen = RecentIds(ttl_seconds=60, max_size=3)
    assert seen.first_time("event:1", "message:a")
    assert not seen.first_time("event:1")
    assert not seen.first_time("event:2", "message:a")  # same message, new event id
    for i in range(3, 10):
        assert seen.first_time(f"event:{i}")
    assert seen.first_time("event:1"), "the oldest ids are dropped once the set is full"
    expired = RecentIds(ttl_seconds=0)
    assert expired.first_time("event:x") and expired.first_time("event:x")
