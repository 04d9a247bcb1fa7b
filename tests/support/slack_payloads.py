"""Real Slack payloads (``tests/data/slack_payloads/``, each with the ``_source`` it was copied
from) and sending them to the running bot as Slack would: signed, JSON for events, a form-encoded
``payload`` for interactions.

A replayed payload gets fresh ids (``fresh_event``), so the server's "already seen" memory never
mistakes one test's replay for another's; everything else stays as Slack sent it.
"""

from __future__ import annotations

import copy
import itertools
import json
import sqlite3
import time
import urllib.parse
from typing import Any

from .bot_process import REPO_ROOT, RunningServer
from .slack_standin import HttpResult, RecordedCall, SignedSlackClient, SlackStandin

PAYLOADS_DIR = REPO_ROOT / "tests" / "data" / "slack_payloads"
SOURCE_KEY = "_source"

_ts_counter = itertools.count(1)


def payload_source(name: str) -> str:
    """Where the payload ``name`` (a file in PAYLOADS_DIR, without ``.json``) came from."""
    return str(json.loads((PAYLOADS_DIR / f"{name}.json").read_text(encoding="utf-8"))[SOURCE_KEY])


def load_payload(name: str) -> dict[str, Any]:
    """The payload ``name`` as Slack sent it, without its ``_source`` note."""
    data: dict[str, Any] = json.loads((PAYLOADS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    data.pop(SOURCE_KEY)
    return data


def unique_ts() -> str:
    """A Slack timestamp no other replay in this session has."""
    return f"{int(time.time())}.{next(_ts_counter):06d}"


def replace_words(value: Any, old: str, new: str) -> Any:
    """``value`` with ``old`` replaced by ``new`` in every string in it (a payload's filler text,
    wherever the sample repeats it: text, blocks, fallback)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [replace_words(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: replace_words(item, old, new) for key, item in value.items()}
    return value


def fresh_event(slack: SignedSlackClient, payload: dict[str, Any], channel: str) -> dict[str, Any]:
    """A copy of an ``event_callback`` payload in ``channel`` with new ids: ``event_id``, the
    event's ``ts``/``event_ts`` and ``client_msg_id`` (where it has them)."""
    fresh = copy.deepcopy(payload)
    event = fresh["event"]
    ts = unique_ts()
    event["channel"] = channel
    event["ts"] = ts
    if "event_ts" in event:
        event["event_ts"] = ts
    if "client_msg_id" in event:
        event["client_msg_id"] = slack.unique("msg-")
    if "event_id" in fresh:
        fresh["event_id"] = slack.unique("Ev")
    return fresh


def send_event(slack: SignedSlackClient, payload: dict[str, Any]) -> HttpResult:
    """An Events API request (any envelope: ``event_callback``, ``app_rate_limited``…)."""
    return slack.post(json.dumps(payload), "application/json")


def send_interaction(slack: SignedSlackClient, payload: dict[str, Any]) -> HttpResult:
    """A shortcut, button click… as Slack posts it: ``payload=<json>``, form-encoded."""
    return slack.post(
        urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )


def calls_naming(standin: SlackStandin, channel: str) -> list[RecordedCall]:
    """Every call the bot made to Slack about ``channel`` (a message, a status, a title…)."""
    return standin.matching(lambda c: channel in json.dumps(c.body))


def stored_gap_questions(server: RunningServer) -> list[str]:
    """Every question the server's feedback database holds as a gap, read as another process would."""
    assert server.database_path is not None
    with sqlite3.connect(f"file:{server.database_path}?mode=ro", uri=True) as db:
        return [str(row[0]) for row in db.execute("SELECT question FROM feedback_gaps")]
