"""The middleware's pieces on their own (the whole of it, over signed requests, is in
test_slack_requests.py and test_slack_payloads.py): the ids of events already seen, and the 200
for what the app does not answer."""

from __future__ import annotations

import pytest
from support.slack_payloads import load_payload

from bot.slack.middleware import RecentIds, event_keys, skip_other_events, skip_repeated_events


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


def test_an_event_is_keyed_by_its_event_id_else_by_itself_and_never_by_nothing() -> None:
    dm = load_payload("dm_plain")
    assert event_keys(dm) == ["event:Ev044C51K43V", "message:1efd76a1-5075-4c2c-ad38-1284820b429f"]
    dm.pop("event_id")
    assert event_keys(dm) == [
        "event:message:D0442US94JD:1664408649.009629",
        "message:1efd76a1-5075-4c2c-ad38-1284820b429f",
    ]
    notice = load_payload("slackbot_removed_notice")  # Slackbot's messages have no client_msg_id
    notice.pop("event_id")
    assert event_keys(notice) == ["event:message:D043HMJ0WDU:1664826477.425039"]
    assert event_keys({"type": "event_callback", "event": {"type": "app_uninstalled"}}) == []


def test_events_without_an_event_id_are_not_all_one_event() -> None:
    skip = skip_repeated_events(RecentIds())
    first, second = load_payload("dm_plain"), load_payload("dm_file_share")
    for body in (first, second):
        body.pop("event_id")
    calls: list[str] = []
    for body in (first, second, first, {"type": "event_callback", "event": {"type": "x"}}):
        skip(body, lambda body=body: calls.append(body["event"]["type"]))
    assert calls == ["message", "message", "x"]  # the repeat of the first skipped, nothing else


def test_app_rate_limited_gets_200_and_a_warning_not_a_404(caplog: pytest.LogCaptureFixture) -> None:
    nexts: list[bool] = []
    response = skip_other_events(load_payload("app_rate_limited"), lambda: nexts.append(True))
    assert response is not None and response.status == 200 and not nexts
    assert any(
        r.levelname == "WARNING" and "app_rate_limited team_id=T123456" in r.getMessage()
        for r in caplog.records
    )
    assert skip_other_events({"type": "block_actions"}, lambda: nexts.append(True)) is None and nexts
