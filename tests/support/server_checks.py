"""Checks on a running server: the session server's admins, what the bot sent, its log, and
"still up and answering"."""

from __future__ import annotations

import time

from .answers import GOOD_QUESTION
from .bot_process import RunningServer
from .slack_messages import ask, section_texts
from .slack_standin import SignedSlackClient, SlackStandin, http_request

# The session server's admins (conftest's ``bot_server``); ADMIN_ID is the one the tests act as.
ADMIN_ID = "U0ADMIN"
ADMIN_IDS = (ADMIN_ID, "U0OTHERADMIN")


def sent_count(standin: SlackStandin) -> int:
    """Calls the bot made to Slack, leaving out its DMs to admins (a reload in another test)."""
    return len(standin.matching(lambda c: c.body.get("channel") not in ADMIN_IDS))


def log_lines(server: RunningServer, needle: str) -> list[str]:
    return [line for line in server.log_text().splitlines() if needle in line]


def wait_for_log_count(server: RunningServer, needle: str, count: int, timeout: float = 10) -> list[str]:
    """The log lines holding ``needle`` once there are at least ``count`` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = log_lines(server, needle)
        if len(lines) >= count:
            return lines
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} log lines with {needle!r}")


def assert_up_and_answering(server: RunningServer, slack: SignedSlackClient, standin: SlackStandin) -> None:
    """The process is alive, /healthz is ok, and the good question still gets 13%."""
    assert server.process.poll() is None, server.log_text()[-4000:]
    assert http_request(f"{server.base_url}/healthz").json()["status"] == "ok"
    reply = ask(slack, standin, GOOD_QUESTION)
    assert any("*13%*" in t for t in section_texts(reply.body["blocks"])), reply.body
