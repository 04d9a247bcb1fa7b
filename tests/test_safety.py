"""Safety over the real server and the CLI: personal data is refused and never logged, stored or
echoed; small talk and urgent safeguarding get their own replies; floods are limited; Slack's 429s
are retried; oversized bodies are refused.

Most tests use the session server (``bot_server``). The rate-limit tests start one more server,
shared by the module, with RATE_LIMIT_PER_MINUTE=3.
"""

from __future__ import annotations

import json
import re
import select
import socket
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.answers import CASE_QUESTION, GOOD_QUESTION, assert_no_case_data
from support.bot_process import (
    TEST_SIGNING_SECRET,
    RunningServer,
    healthy_standin_server,
)
from support.cli import CACHE_DIR, run_cli
from support.server_checks import ADMIN_ID, assert_up_and_answering, log_lines, sent_count, wait_for_log_count
from support.slack_messages import all_visible_text, ask, dm_event, mention_event, quotes, section_texts
from support.slack_standin import ASKER_ID, RecordedCall, SignedSlackClient, SlackStandin, slack_signature

from bot.runtime.server import MAX_REQUEST_BODY_BYTES
from bot.slack.blocks import FEEDBACK_THANKS_TEXT
from retrieval.matching.answer import DECLINE_TEXT

# --- helpers ---------------------------------------------------------------------------------


def cache_state() -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in CACHE_DIR.glob("*") if p.is_file()}


def database_files(server: RunningServer) -> list[Path]:
    assert server.database_path is not None
    base = server.database_path
    return [p for p in (base, Path(f"{base}-wal"), Path(f"{base}-journal")) if p.exists()]


def stored_questions(server: RunningServer) -> list[str]:
    """Every question text in the feedback database (gaps and votes), read as another process would."""
    assert server.database_path is not None
    with sqlite3.connect(f"file:{server.database_path}?mode=ro", uri=True) as db:
        gaps = [row[0] for row in db.execute("SELECT question FROM feedback_gaps")]
        votes = [row[0] or "" for row in db.execute("SELECT question FROM feedback_votes")]
    return gaps + votes


def gap_count(server: RunningServer) -> int:
    assert server.database_path is not None
    with sqlite3.connect(f"file:{server.database_path}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM feedback_gaps").fetchone()[0])


# --- personal data ------------------------------------------------------------------------------


def send_case_question(
    how: str, slack: SignedSlackClient, standin: SlackStandin, question: str
) -> tuple[RecordedCall, str]:
    """Send ``question`` as a mention, a DM or a command; the reply the asker got, and the channel."""
    if how == "command":
        name = slack.unique("pd-")
        assert slack.slash_command(question, standin.response_url(name)).status == 200
        return standin.wait_for_response(name), name
    channel = slack.unique("CPD" if how == "mention" else "DPD")
    make_event = mention_event if how == "mention" else dm_event
    assert slack.event(make_event(channel, question, "1700010000.000100")).status == 200
    reply = standin.wait_for(
        lambda c: c.method in ("chat.postEphemeral", "chat.postMessage") and c.body.get("channel") == channel
    )
    return reply, channel


@pytest.mark.parametrize("how", ["mention", "dm", "command"])
def test_case_details_are_refused_privately_and_never_logged_stored_or_echoed(
    how: str, slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    needle = f"kind={how} screened=personal_data"
    logged_before = len(log_lines(bot_server, needle))
    cache_before = cache_state()
    gaps_before = gap_count(bot_server)

    reply, where = send_case_question(how, slack, standin, CASE_QUESTION)

    # Only the asker sees it: an ephemeral message (or response), never a visible post.
    if how == "command":
        assert reply.body["response_type"] == "ephemeral"
    else:
        assert reply.method == "chat.postEphemeral", reply.method
        assert reply.body["user"] == ASKER_ID
        if how == "mention":
            assert reply.body["thread_ts"] == "1700010000.000100"
        time.sleep(0.5)
        assert not standin.matching(
            lambda c: c.method == "chat.postMessage" and c.body.get("channel") == where
        )
    shown = all_visible_text(reply.body["blocks"]) + "\n" + reply.body["text"]
    assert "NHS number" in shown and "street address" in shown
    assert "remove" in shown and "ask again" in shown
    assert not quotes(reply.body["blocks"]) and DECLINE_TEXT not in shown
    assert_no_case_data(json.dumps(reply.body, ensure_ascii=False))

    # One log line, with the kinds and a request id — never the text.
    lines = wait_for_log_count(bot_server, needle, logged_before + 1)
    assert len(lines) == logged_before + 1
    assert re.search(r"request_id=[0-9a-f]{12} ", lines[-1])
    assert lines[-1].endswith("kinds=NHS number,street address")
    assert_no_case_data(bot_server.log_text())

    # Not stored: no gaps row, no vote, not in the database's bytes; the embedding cache untouched.
    assert gap_count(bot_server) == gaps_before
    for question in stored_questions(bot_server):
        assert_no_case_data(question)
    for path in database_files(bot_server):
        raw = path.read_bytes()
        for item in ("Acacia", "943 476 5919", "9434765919", "LS6 2AB"):
            assert item.encode() not in raw, f"{item} in {path.name}"
    assert cache_state() == cache_before


PERSONAL_DATA = {
    "email address": (
        "can you send the figures to jo.bloggs@example.org please",
        ["jo.bloggs", "example.org"],
    ),
    "phone number": ("ring the mum on 07700 900123 about the inadequate rating", ["07700", "900123"]),
    "National Insurance number": ("her NI number is AB 12 34 56 C, is she in care?", ["AB 12 34 56 C"]),
    "card number": (
        "card 4539 1488 0343 6467 for the subscription",
        ["4539 1488", "0343 6467", "4539148803436467"],
    ),
    "date of birth": ("the child born 14/03/2015 is in care, what does ofsted say", ["14/03/2015"]),
    "NHS number": ("child NHS 9434765919 how many children are in care", ["9434765919"]),
    "street address": ("the family at 7 Mill Lane Wetherby asked about inadequate councils", ["Mill Lane"]),
}


@pytest.mark.parametrize("kind", list(PERSONAL_DATA))
def test_each_kind_of_personal_data_is_named_and_not_echoed(
    kind: str, slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    question, data = PERSONAL_DATA[kind]
    reply = ask(slack, standin, question).body
    assert reply["response_type"] == "ephemeral"
    assert f"found: {kind}" in reply["text"]
    assert_no_case_data(json.dumps(reply, ensure_ascii=False), data)
    time.sleep(0.2)
    assert_no_case_data(bot_server.log_text(), data)
    for stored in stored_questions(bot_server):
        assert_no_case_data(stored, data)


def test_after_case_details_the_next_question_is_answered(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    assert_up_and_answering(bot_server, slack, standin)


# --- personal data in the CLI -------------------------------------------------------------------


def test_cli_ask_refuses_case_details_with_exit_2_without_echoing_them() -> None:
    cache_before = cache_state()
    out = run_cli("ask", CASE_QUESTION)
    assert out.returncode == 2
    assert out.stdout == ""
    assert "NHS number" in out.stderr and "street address" in out.stderr and "remove" in out.stderr
    assert "Traceback" not in out.stderr
    assert_no_case_data(out.stdout + out.stderr)
    as_json = run_cli("ask", "--json", CASE_QUESTION)
    assert as_json.returncode == 2
    data = json.loads(as_json.stdout)
    assert data["screened"] == "personal_data" and data["question"] == "" and not data["answered"]
    assert data["kinds"] == ["NHS number", "street address"]
    assert_no_case_data(as_json.stdout + as_json.stderr)
    assert cache_state() == cache_before


def test_cli_ask_stdin_refuses_the_case_line_and_answers_the_next() -> None:
    out = run_cli("ask", "--json", "-", stdin=f"{CASE_QUESTION}\n{GOOD_QUESTION}\n")
    assert out.returncode == 2, out.stderr[-2000:]
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    assert first["screened"] == "personal_data" and first["question"] == ""
    assert second["answered"] and any("13%" in a["quote"] for a in second["answers"])
    assert_no_case_data(out.stdout + out.stderr)


def test_cli_chat_refuses_the_case_line_and_answers_the_next() -> None:
    out = run_cli("chat", stdin=f"{CASE_QUESTION}\n{GOOD_QUESTION}\nquit\n")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "NHS number" in out.stderr + out.stdout and "remove" in out.stderr + out.stdout
    assert "13%" in out.stdout
    assert "Traceback" not in out.stderr
    assert_no_case_data(out.stdout + out.stderr)


# --- small talk and urgent safeguarding ---------------------------------------------------------


SMALL_TALK = ["hi", "Hello there :wave:", "thanks!", "thank you so much", "what can you do?", "good morning"]


@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_gets_a_friendly_reply_with_examples_and_no_gap(
    text: str, slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    gaps_before = gap_count(bot_server)
    reply = ask(slack, standin, text).body
    shown = all_visible_text(reply["blocks"])
    assert DECLINE_TEXT not in shown and "can't find" not in shown
    assert "For example" in shown and shown.count("• `/ofsted ") == 3
    assert not quotes(reply["blocks"])
    assert "Ofsted" in reply["text"]
    time.sleep(0.3)
    assert gap_count(bot_server) == gaps_before


def test_small_talk_in_a_dm_and_a_mention(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    gaps_before = gap_count(bot_server)
    dm = slack.unique("DHELLO")
    assert slack.event(dm_event(dm, "hiya :wave:", "1700011000.000100")).status == 200
    post = standin.wait_for_post(dm)
    assert "Hello!" in post.body["text"] and "For example" in all_visible_text(post.body["blocks"])
    channel = slack.unique("CTHANKS")
    assert slack.event(mention_event(channel, "thanks, that's helpful", "1700011000.000200")).status == 200
    post = standin.wait_for_post(channel)
    assert post.body["text"].startswith("You're welcome")
    time.sleep(0.3)
    assert gap_count(bot_server) == gaps_before


URGENT = [
    "a child is being hurt right now",
    "I think a child is at risk tonight",
    "my neighbour's kids are being beaten right now, what do I do?",
    "there's a baby left alone in the flat next door right now",
    "a girl on my caseload is in immediate danger",
    "she's being hit right now",
]


def assert_signposting(text: str) -> None:
    assert "999" in text
    assert "local authority's children's social care" in text
    assert "out of hours" in text and "emergency duty team" in text
    assert "NSPCC" in text and "0808 800 5000" in text


@pytest.mark.parametrize("text", URGENT)
def test_a_child_in_danger_now_gets_the_signposting(
    text: str, slack: SignedSlackClient, standin: SlackStandin
) -> None:
    reply = ask(slack, standin, text).body
    assert_signposting(all_visible_text(reply["blocks"]))
    assert_signposting(reply["text"])
    assert not quotes(reply["blocks"]) and DECLINE_TEXT not in all_visible_text(reply["blocks"])


def test_urgent_in_a_mention_is_signposted_in_the_thread(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    channel = slack.unique("CURGENT")
    assert slack.event(mention_event(channel, URGENT[0], "1700012000.000100")).status == 200
    post = standin.wait_for_post(channel)
    assert post.body["thread_ts"] == "1700012000.000100"
    assert_signposting(post.body["text"])


@pytest.mark.parametrize(
    "text",
    [
        "how many children are at risk of exploitation?",
        "how many children are in danger of being exploited",
        "what share of children at risk of harm were seen by ofsted",
        "which councils are failing children right now?",
    ],
)
def test_report_questions_that_sound_similar_are_not_signposted(
    text: str, slack: SignedSlackClient, standin: SlackStandin
) -> None:
    reply = ask(slack, standin, text).body
    shown = all_visible_text(reply["blocks"])
    assert "999" not in shown and "NSPCC" not in shown
    assert quotes(reply["blocks"]) or "reports I know" in shown  # answered, or declined as any question


def test_at_risk_of_exploitation_gets_a_normal_answer(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    reply = ask(slack, standin, "what did inspectors find about children at risk of exploitation?").body
    assert quotes(reply["blocks"]), all_visible_text(reply["blocks"])
    assert "999" not in reply["text"]


# --- the HTTP edge: oversized bodies, Slack's 429 -------------------------------------------------


def post_until_answered(url: str, headers: dict[str, str], chunks: list[bytes]) -> bytes:
    """POST over a raw socket, sending ``chunks`` only until the server answers; its answer.

    (A server refusing a body closes the connection without reading the rest, so a client that
    insists on sending all of it gets a reset instead of the answer.)
    """
    parsed = urllib.parse.urlsplit(url)
    head = f"POST {parsed.path} HTTP/1.1\r\nHost: {parsed.netloc}\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection((parsed.hostname, parsed.port), timeout=30) as sock:
        sock.sendall(head.encode())
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered already
            try:
                sock.sendall(chunk)
            except OSError:
                break
        answer = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            answer += data
    return answer


def test_a_1_mb_body_is_refused_with_413_and_the_next_question_answered(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    text = "how many children are in care " * 35_000
    body = slack.event_body(dm_event(slack.unique("DHUGE"), text, "1700013000.000100")).encode()
    assert len(body) > MAX_REQUEST_BODY_BYTES and len(body) >= 1_000_000
    timestamp = str(int(time.time()))
    signed = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_signature(TEST_SIGNING_SECRET, timestamp, body.decode()),
    }
    before = sent_count(standin)
    pieces = [body[i : i + 64 * 1024] for i in range(0, len(body), 64 * 1024)]
    answer = post_until_answered(slack.events_url, {**signed, "Content-Length": str(len(body))}, pieces)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    # The same body sent chunked, with no Content-Length to refuse it by: 413 as well.
    chunked = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]
    answer = post_until_answered(slack.events_url, {**signed, "Transfer-Encoding": "chunked"}, chunked)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    time.sleep(0.3)
    assert sent_count(standin) == before
    assert_up_and_answering(bot_server, slack, standin)


def test_slack_429_is_retried_after_retry_after_and_delivered_once(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    channel = slack.unique("C429")
    standin.fail_next(
        "chat.postMessage",
        status=429,
        headers={"Retry-After": "1"},
        when=lambda c: c.body.get("channel") == channel,
    )
    assert slack.event(mention_event(channel, GOOD_QUESTION, "1700014000.000100")).status == 200
    delivered = standin.wait_for(
        lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel and c.status == 200,
        timeout=30,
    )
    assert any("*13%*" in t for t in section_texts(delivered.body["blocks"]))
    time.sleep(1.5)  # a second delivery would have arrived by now
    calls = standin.matching(lambda c: c.body.get("channel") == channel)
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0, "Retry-After: 1 was not honoured"


# --- the per-user question limit --------------------------------------------------------------------

RATE_LIMIT = 3


@pytest.fixture(scope="module")
def limited(
    standin: SlackStandin, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningServer, SignedSlackClient]]:
    """One more ``ofsted-bot serve``, with RATE_LIMIT_PER_MINUTE=3, shared by the limit tests."""
    workdir = tmp_path_factory.mktemp("limited")
    with healthy_standin_server(
        standin, workdir, ADMIN_USER_IDS=ADMIN_ID, RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT)
    ) as server:
        yield server, SignedSlackClient(server.events_url, TEST_SIGNING_SECRET)


def ask_as(slack: SignedSlackClient, standin: SlackStandin, text: str, user: str) -> dict[str, Any]:
    name = slack.unique("limit-")
    assert slack.slash_command(text, standin.response_url(name), user_id=user).status == 200
    return standin.wait_for_response(name).body


def wait_seconds(reply: dict[str, Any]) -> int:
    match = re.search(r"try again in (\d+) seconds?", all_visible_text(reply["blocks"]))
    assert match, all_visible_text(reply["blocks"])
    return int(match.group(1))


def test_the_question_after_the_limit_is_told_when_to_try_again(
    limited: tuple[RunningServer, SignedSlackClient], standin: SlackStandin
) -> None:
    server, slack = limited
    user = "U0FLOODER"
    for _ in range(RATE_LIMIT):
        reply = ask_as(slack, standin, GOOD_QUESTION, user)
        assert any("*13%*" in t for t in section_texts(reply["blocks"]))
    over = ask_as(slack, standin, GOOD_QUESTION, user)
    assert 1 <= wait_seconds(over) <= 60
    assert "asked a lot of questions" in over["text"]
    assert not quotes(over["blocks"])
    # Help is not a question: it still works for the same user.
    assert "How to ask" in all_visible_text(ask_as(slack, standin, "help", user)["blocks"])
    # Another user is still answered.
    other = ask_as(slack, standin, GOOD_QUESTION, "U0SOMEONEELSE")
    assert any("*13%*" in t for t in section_texts(other["blocks"]))
    # DMs count against the same limit.
    dm = slack.unique("DLIMIT")
    assert slack.event(dm_event(dm, GOOD_QUESTION, "1700015000.000100") | {"user": user}).status == 200
    assert "try again in" in all_visible_text(standin.wait_for_post(dm).body["blocks"])
    assert server.process.poll() is None
    assert "rate_limited" in server.log_text()


def test_an_admins_status_still_works_after_their_question_limit(
    limited: tuple[RunningServer, SignedSlackClient], standin: SlackStandin
) -> None:
    _, slack = limited
    for _ in range(RATE_LIMIT):
        ask_as(slack, standin, GOOD_QUESTION, ADMIN_ID)
    assert "try again in" in all_visible_text(ask_as(slack, standin, GOOD_QUESTION, ADMIN_ID)["blocks"])
    for _ in range(RATE_LIMIT + 2):
        status = ask_as(slack, standin, "status", ADMIN_ID)
        shown = all_visible_text(status["blocks"])
        assert "facts" in shown and "Model:" in shown, shown


def test_forged_votes_are_thanked_and_the_gaps_report_still_renders(
    limited: tuple[RunningServer, SignedSlackClient], standin: SlackStandin
) -> None:
    """Votes whose fact ids do not exist (forged button values) on this server's own database."""
    _, slack = limited
    for facts in (["no-such-fact"], [None], ["no-such-fact", "another"]):
        value = json.dumps({"helpful": False, "answered": True, "facts": facts, "q": "forged"})
        name = slack.unique("forged-vote-")
        assert slack.block_action("feedback_down", value, standin.response_url(name)).status == 200
        assert standin.wait_for_response(name).body["text"] == FEEDBACK_THANKS_TEXT
    gaps = all_visible_text(ask_as(slack, standin, "gaps", ADMIN_ID)["blocks"])
    assert "Answer votes, most thumbs-down first" in gaps, gaps
    assert "no-such-fact" in gaps and "(no longer in the knowledge)" in gaps
