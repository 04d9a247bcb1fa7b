"""Bad input, tried: the real server (``ofsted-bot serve``) and the CLI get empty, huge, malformed,
hidden-character and mrkdwn-injecting input, forged button values and bodies that are not what
Slack sends. Each group ends by checking the server is still up and still answers a good question.

Every request goes to 127.0.0.1 only (the session server and the Slack stand-in); the
hypothesis tests are bounded (a few dozen examples, each waiting at most 30 s for its reply).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.answers import GOOD_QUESTION
from support.bot_process import TEST_SIGNING_SECRET, RunningServer
from support.cli import STRICT_UTF8, run_cli
from support.server_checks import assert_up_and_answering, sent_count
from support.slack_messages import (
    all_visible_text,
    ask,
    button,
    buttons,
    context_texts,
    dm_event,
    mention_event,
    quotes,
    section_texts,
)
from support.slack_standin import (
    ASKER_ID,
    HttpResult,
    RecordedCall,
    SignedSlackClient,
    SlackStandin,
    http_request,
)

from bot.slack.blocks import FEEDBACK_THANKS_TEXT
from bot.slack.listeners.actions import GONE_TEXT
from retrieval.matching.answer import DECLINE_TEXT

SERVER_PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# --- helpers ---------------------------------------------------------------------------------


def assert_not_a_traceback(payload: dict[str, Any]) -> None:
    dumped = json.dumps(payload, ensure_ascii=False)
    assert "Traceback" not in dumped and 'File "' not in dumped and "Error:" not in dumped


def sign_bytes(raw: bytes, timestamp: str) -> str:
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(TEST_SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


def post_raw(slack: SignedSlackClient, raw: bytes, content_type: str) -> HttpResult:
    """Bytes exactly as given, correctly signed (as if Slack, or someone with the secret, sent them)."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign_bytes(raw, timestamp),
    }
    return http_request(slack.events_url, raw, headers)


def posts_to(standin: SlackStandin, channel: str) -> list[RecordedCall]:
    return standin.matching(lambda c: c.method.startswith("chat.") and c.body.get("channel") == channel)


def wait_for_reply_in(standin: SlackStandin, channel: str) -> RecordedCall:
    return standin.wait_for(
        lambda c: c.method in ("chat.postMessage", "chat.postEphemeral") and c.body.get("channel") == channel
    )


def live_links_and_mentions(mrkdwn: str) -> list[str]:
    """Slack's ``<…>`` markup in a mrkdwn text: mentions, broadcasts and links."""
    return re.findall(r"<[^<>]*>", mrkdwn)


def rendered_mrkdwn(blocks: list[dict[str, Any]]) -> list[str]:
    return section_texts(blocks) + context_texts(blocks)


# --- slash-command text ------------------------------------------------------------------------


HIDDEN = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
BAD_COMMAND_TEXTS = {
    # label: (text, what the user sees)
    "empty": ("", "help"),
    "whitespace-only": (" \t\n\u3000\u00a0 ", "help"),
    "control-characters": ("\x00\x07what share\x1b of councils\x7f are \x9finadequate\x08", "13%"),
    "zero-width-inside-words": (f"what sh{HIDDEN}are of coun{HIDDEN}cils are inade\u200dquate", "13%"),
    "right-to-left-override": ("\u202ewhat share of councils are inadequate\u202c", "13%"),
    "right-to-left-isolates": ("\u2067what share\u2069 \u2066of councils\u2069 are inadequate\u200f", "13%"),
    "arabic-and-hebrew-only": ("ما هي نسبة المجالس غير الملائمة؟ שלום", "decline"),
    "emoji-only": ("🙂🙂🙂", "small talk"),
    "100-kB": ("how many children are in care " * 3400, "too long"),
    "just-over-the-limit": ("x" * 1001, "too long"),
    "slack-entities": ("&lt;&gt;&amp;&amp;amp;&lt;!channel&gt;", "decline"),
}


@pytest.mark.parametrize("label", list(BAD_COMMAND_TEXTS))
def test_bad_slash_command_text_gets_a_reply_never_a_traceback(
    label: str, slack: SignedSlackClient, standin: SlackStandin
) -> None:
    text, expected = BAD_COMMAND_TEXTS[label]
    reply = ask(slack, standin, text)  # HTTP 200, then a response through response_url
    body = reply.body
    assert body["response_type"] == "ephemeral"
    assert_not_a_traceback(body)
    shown = all_visible_text(body["blocks"])
    if expected == "help":
        assert "How to ask" in shown
    elif expected == "13%":
        assert any("*13%*" in t for t in section_texts(body["blocks"])), shown
    elif expected == "too long":
        assert "shorten" in shown and not quotes(body["blocks"])
    elif expected == "small talk":
        assert DECLINE_TEXT not in shown and "For example" in shown
    else:
        assert DECLINE_TEXT in section_texts(body["blocks"])
    for mrkdwn in rendered_mrkdwn(body["blocks"]):
        assert not [m for m in live_links_and_mentions(mrkdwn) if m.startswith(("<!", "<@"))]


def test_invalid_utf8_in_a_slash_command(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    # Percent-encoded bytes that are not UTF-8 inside the text: read as U+FFFD, and answered.
    name = slack.unique("utf8-")
    form = slack.slash_command_body("PLACEHOLDER", standin.response_url(name))
    raw = form.replace("PLACEHOLDER", "%FF%FE" + urllib.parse.quote_plus(GOOD_QUESTION) + "%C3%28%80")
    assert post_raw(slack, raw.encode(), "application/x-www-form-urlencoded").status == 200
    answered = standin.wait_for_response(name).body
    assert any("*13%*" in t for t in section_texts(answered["blocks"]))
    # The same bytes raw in the body (not percent-encoded): a 400, and nothing is sent.
    name = slack.unique("utf8raw-")
    form = slack.slash_command_body("PLACEHOLDER", standin.response_url(name)).encode()
    raw_bytes = form.replace(b"PLACEHOLDER", b"\xff\xfe" + GOOD_QUESTION.encode() + b"\xc3\x28")
    result = post_raw(slack, raw_bytes, "application/x-www-form-urlencoded")
    assert 400 <= result.status < 500, result
    assert "Traceback" not in result.body
    time.sleep(0.5)
    assert not standin.matching(lambda c: c.path == f"/respond/{name}")
    assert_up_and_answering(bot_server, slack, standin)


@SERVER_PROPERTY
@given(text=st.text(max_size=400))
def test_any_slash_command_text_gets_200_and_a_reply(
    text: str, slack: SignedSlackClient, standin: SlackStandin
) -> None:
    name = slack.unique("hypo-")
    result = slack.slash_command(text, standin.response_url(name))
    assert result.status == 200 and result.body == ""
    reply = standin.wait_for_response(name, timeout=30).body
    assert reply["response_type"] == "ephemeral" and reply["text"]
    assert_not_a_traceback(reply)
    for mrkdwn in rendered_mrkdwn(reply["blocks"]):
        assert not [m for m in live_links_and_mentions(mrkdwn) if m.startswith(("<!", "<@"))]


def test_server_survives_the_slash_command_texts(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    assert_up_and_answering(bot_server, slack, standin)


# --- mrkdwn injection ----------------------------------------------------------------------------

INJECTIONS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0123|@social-workers>",
    "<@U123>",
    "<@U0ADMIN|admin>",
    "<#C0GENERAL|general>",
    "<https://evil.example/steal|click here>",
    "<https://evil.example/steal>",
    "<mailto:evil@evil.example|mail>",
    "&lt;!channel&gt;",
    "&lt;https://evil.example|click&gt;",
    "@channel",
    "@here",
    "*bold* _it_ ~strike~ `code` ```block```",
    "> quoted",
]


def assert_no_live_injection(
    blocks: list[dict[str, Any]], fallback: str, allowed: tuple[str, ...] = ()
) -> None:
    """No mention or broadcast (but the bot's own, ``allowed``), and no link to evil.example, in
    anything Slack renders."""
    for mrkdwn in [*rendered_mrkdwn(blocks), fallback]:
        for markup in live_links_and_mentions(mrkdwn):
            assert markup in allowed or not markup.startswith(("<!", "<@", "<#")), markup
            assert "evil" not in markup, markup
        assert not re.search(r"(?<!\u2060)@(channel|here|everyone)\b", mrkdwn.replace("@\u2060", "")), mrkdwn
    for b in buttons(blocks):
        assert "<" not in b["text"]["text"] or "evil" not in b["text"]["text"]


# Mentions are dropped from a question and a link becomes its label, so this is still answered.
INJECTED_QUESTION = f"<!channel> <@U123> <https://evil.example/steal|click here> {GOOD_QUESTION}"


def test_mrkdwn_injection_in_a_command_and_its_shared_copy(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    reply = ask(slack, standin, INJECTED_QUESTION).body
    assert any("*13%*" in t for t in section_texts(reply["blocks"]))
    assert_no_live_injection(reply["blocks"], reply["text"])
    share = button(reply["blocks"], "share_answer")
    name = slack.unique("share-")
    assert slack.block_action("share_answer", share["value"], standin.response_url(name)).status == 200
    shared = standin.wait_for_response(name).body
    assert shared["response_type"] == "in_channel"
    assert "shared an answer" in context_texts(shared["blocks"])[0]
    assert_no_live_injection(shared["blocks"], shared["text"], allowed=(f"<@{ASKER_ID}>",))
    assert "evil" not in json.dumps(shared["blocks"])  # not even as text
    # Every kind of markup at once (the unknown words make it a decline): nothing live either.
    for question in (" ".join(INJECTIONS) + " " + GOOD_QUESTION, " ".join(INJECTIONS)):
        declined = ask(slack, standin, question).body
        assert DECLINE_TEXT in section_texts(declined["blocks"])
        assert_no_live_injection(declined["blocks"], declined["text"])
    assert_up_and_answering(bot_server, slack, standin)


def test_mrkdwn_injection_in_a_mention_and_a_dm(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    channel = slack.unique("CINJECT")
    assert slack.event(mention_event(channel, INJECTED_QUESTION, "1700001000.000100")).status == 200
    post = standin.wait_for_post(channel)
    assert any("*13%*" in t for t in section_texts(post.body["blocks"]))
    assert_no_live_injection(post.body["blocks"], post.body["text"])
    dm = slack.unique("DINJECT")
    assert slack.event(dm_event(dm, " ".join(INJECTIONS), "1700001000.000200")).status == 200
    post = standin.wait_for_post(dm)
    assert_no_live_injection(post.body["blocks"], post.body["text"])
    assert_up_and_answering(bot_server, slack, standin)


@SERVER_PROPERTY
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(INJECTIONS),
            st.text(alphabet="<>|!@#&;:*_~`^ abcdefghijklmnopqrstuvwxyz./", max_size=30),
        ),
        max_size=6,
    )
)
def test_any_markup_around_a_question_never_comes_back_live(
    parts: list[str], slack: SignedSlackClient, standin: SlackStandin
) -> None:
    reply = ask(slack, standin, " ".join([*parts, GOOD_QUESTION])).body
    assert_not_a_traceback(reply)
    assert_no_live_injection(reply["blocks"], reply["text"])


# --- events -------------------------------------------------------------------------------------


def test_bad_event_texts_get_a_reply_and_the_server_stays_up(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    cases: dict[str, tuple[dict[str, Any], str]] = {}
    for i, (text, expected) in enumerate(BAD_COMMAND_TEXTS.values()):
        channel = slack.unique("DBAD")
        cases[channel] = (dm_event(channel, text, f"1700002000.{i:06d}"), expected)
    no_text = slack.unique("DNOTEXT")
    event = dm_event(no_text, "", "1700002100.000100")
    del event["text"]
    cases[no_text] = (event, "help")
    null_text = slack.unique("DNULL")
    cases[null_text] = (dm_event(null_text, "", "1700002100.000200") | {"text": None}, "help")
    for event, _ in cases.values():
        assert slack.event(event).status == 200
    for channel, (_, expected) in cases.items():
        post = wait_for_reply_in(standin, channel)
        assert_not_a_traceback(post.body)
        shown = all_visible_text(post.body["blocks"])
        if expected == "help":
            assert "How to ask" in shown
        elif expected == "13%":
            assert any("*13%*" in t for t in section_texts(post.body["blocks"])), shown
        elif expected == "too long":
            assert "shorten" in shown
    assert_up_and_answering(bot_server, slack, standin)


@SERVER_PROPERTY
@given(text=st.text(alphabet=st.characters(exclude_categories=()), max_size=300))
def test_any_dm_text_even_lone_surrogates_gets_one_reply(
    text: str, slack: SignedSlackClient, standin: SlackStandin
) -> None:
    # json.dumps writes a lone surrogate as "\\udXXX", which Slack's JSON could carry.
    channel = slack.unique("DHYPO")
    assert slack.event(dm_event(channel, text, "1700003000.000100")).status == 200
    post = wait_for_reply_in(standin, channel)
    assert_not_a_traceback(post.body)
    assert not post.body["text"].startswith("Sorry"), "an apology: answering failed"


def test_a_question_with_lone_surrogates_is_still_answered(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    channel = slack.unique("DSURR")
    event = dm_event(channel, f"\ud800{GOOD_QUESTION}\udfff\udc80", "1700003100.000100")
    assert slack.event(event).status == 200
    post = standin.wait_for_post(channel)
    assert any("*13%*" in t for t in section_texts(post.body["blocks"])), post.body["text"]
    assert_up_and_answering(bot_server, slack, standin)


def test_a_100_kb_event_body_is_asked_to_be_shortened(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    channel = slack.unique("DBIG")
    text = "how many children are in care? " * 3300  # ~100 kB of JSON
    body = slack.event_body(dm_event(channel, text, "1700004000.000100"))
    assert 95_000 < len(body.encode()) < 120_000
    assert slack.post(body, "application/json").status == 200
    post = standin.wait_for_post(channel)
    assert "shorten" in all_visible_text(post.body["blocks"])
    assert_up_and_answering(bot_server, slack, standin)


NOT_AN_OBJECT = {
    "json-array": (b"[1,2]", "application/json"),
    "json-string": (b'"x"', "application/json"),
    "json-null": (b"null", "application/json"),
    "json-number": (b"42", "application/json"),
    "json-truncated": (b'{"type": "event_callback", "event": {', "application/json"),
    "json-invalid-utf8": (b'{"type": "event_callback", "x": "\xff\xfe"}', "application/json"),
    "json-event-not-an-object": (
        b'{"type": "event_callback", "event": "x", "event_id": "Ev0NOTOBJ"}',
        "application/json",
    ),
    "json-event-a-list": (
        b'{"type": "event_callback", "event": [1, 2], "event_id": "Ev0LIST"}',
        "application/json",
    ),
    "json-enterprise-a-number": (b'{"type": "event_callback", "enterprise": 5}', "application/json"),
    "json-authorizations-a-number": (b'{"type": "event_callback", "authorizations": 5}', "application/json"),
    "form-payload-not-json": (b"payload=not+json", "application/x-www-form-urlencoded"),
    "form-payload-an-array": (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    "form-payload-null": (b"payload=null", "application/x-www-form-urlencoded"),
    "binary": (bytes(range(256)), "application/octet-stream"),
    "empty-body": (b"", "application/json"),
    "empty-object": (b"{}", "application/json"),
}


@pytest.mark.parametrize("label", list(NOT_AN_OBJECT))
def test_a_signed_body_that_is_not_a_slack_request_gets_4xx(
    label: str, slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    raw, content_type = NOT_AN_OBJECT[label]
    before = sent_count(standin)
    result = post_raw(slack, raw, content_type)
    assert 400 <= result.status < 500, (result.status, result.body)
    assert "Traceback" not in result.body
    time.sleep(0.3)
    assert sent_count(standin) == before, "nothing is sent for a request that is not Slack's"
    assert bot_server.process.poll() is None


def test_unsigned_garbage_gets_4xx(slack: SignedSlackClient, bot_server: RunningServer) -> None:
    for raw, content_type in NOT_AN_OBJECT.values():
        result = http_request(slack.events_url, raw or b" ", {"Content-Type": content_type})
        assert 400 <= result.status < 500, (raw, result.status)


def test_server_survives_the_bodies(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    assert_up_and_answering(bot_server, slack, standin)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "reaction_added", "user": ASKER_ID, "reaction": "thumbsup", "item": {"type": "message"}},
        {"type": "channel_created", "channel": {"id": "C0NEW", "name": "new"}},
        {"type": "team_join", "user": {"id": "U0NEW"}},
        {"type": "app_home_opened", "user": ASKER_ID, "channel": "D0HOME", "tab": "messages"},
        {"type": "member_joined_channel", "user": ASKER_ID, "channel": "C0JOINED"},
        {"type": "made_up_event_type", "text": GOOD_QUESTION},
    ],
    ids=lambda e: e["type"],
)
def test_events_the_app_does_not_handle_get_200_and_nothing_posted(
    event: dict[str, Any], slack: SignedSlackClient, standin: SlackStandin
) -> None:
    before = sent_count(standin)
    result = slack.event(event)
    assert result.status == 200, (result.status, result.body)
    time.sleep(0.5)
    assert sent_count(standin) == before


def test_an_event_callback_without_an_event_gets_no_500(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    body = json.loads(slack.event_body({"type": "app_mention"}))
    del body["event"]
    result = slack.post(json.dumps(body), "application/json")
    assert result.status < 500, (result.status, result.body)
    mention = json.loads(slack.event_body(mention_event("CNOUSER", GOOD_QUESTION, "1700005000.000100")))
    del mention["event"]["user"], mention["event"]["channel"]
    assert slack.post(json.dumps(mention), "application/json").status == 200
    time.sleep(0.5)
    assert_up_and_answering(bot_server, slack, standin)


# --- buttons --------------------------------------------------------------------------------------


def test_forged_button_values_get_a_polite_reply(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    gone_cases = {
        "did_you_mean_0": json.dumps({"fact": "no-such-fact", "q": "a question"}),
        "did_you_mean_7": json.dumps({"fact": 12345}),
        "share_answer": json.dumps({"facts": [["no-such-fact", "best"]], "q": "a question"}),
    }
    for action_id, value in gone_cases.items():
        name = slack.unique("gone-")
        assert slack.block_action(action_id, value, standin.response_url(name)).status == 200
        reply = standin.wait_for_response(name).body
        assert reply["text"] == GONE_TEXT and reply["response_type"] == "ephemeral", (action_id, reply)
    # (Votes naming facts that do not exist are tried on test_safety's own server: a vote stored
    # in the session server's database would change what test_reload counts there.)
    assert_up_and_answering(bot_server, slack, standin)


MALFORMED_VALUES = {
    "did_you_mean_0": ["[1,2]", "null", '"x"', "{}", '{"fact": null}', "", "x" * 5000],
    "share_answer": ['{"facts": "abc"}', '{"facts": [[1]]}', '{"facts": 5}', "[]", "not json"],
    "feedback_up": ["null", '{"facts": 5}', "[1]", "not json"],
    "feedback_down": ['{"facts": []}', '"x"'],  # no fact: thanked, nothing stored
}


@pytest.mark.parametrize(
    ("action_id", "value"),
    [(a, v) for a, values in MALFORMED_VALUES.items() for v in values],
    ids=lambda x: x[:20] if x else "empty",
)
def test_malformed_button_values_get_an_answer_or_a_short_apology(
    action_id: str, value: str, slack: SignedSlackClient, standin: SlackStandin
) -> None:
    name = slack.unique("bad-value-")
    assert slack.block_action(action_id, value, standin.response_url(name)).status == 200
    reply = standin.wait_for_response(name).body
    assert_not_a_traceback(reply)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] in (GONE_TEXT, FEEDBACK_THANKS_TEXT) or reply["text"].startswith("Sorry")


def test_unknown_action_ids_and_odd_payloads_do_not_crash(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    for action_id in ["no_such_action", "did_you_mean_", "did_you_mean_x", "feedback_sideways", ""]:
        name = slack.unique("unknown-")
        result = slack.block_action(action_id, "{}", standin.response_url(name))
        assert result.status == 200, (action_id, result.status)  # acknowledged: no error icon
        time.sleep(0.2)
        path = f"/respond/{name}"
        replies = standin.matching(lambda c, path=path: c.path == path)
        assert all(c.body.get("text") == GONE_TEXT for c in replies), replies
    odd_payloads = [
        {"type": "block_actions", "actions": []},
        {"type": "block_actions", "actions": "x"},
        {"type": "block_actions"},
        {"type": "made_up_interaction", "actions": [{"action_id": "share_answer", "value": "{}"}]},
        {"type": "block_actions", "user": "U0X", "actions": [{"action_id": "did_you_mean_0"}]},
    ]
    for payload in odd_payloads:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        result = slack.post(body, "application/x-www-form-urlencoded")
        assert result.status < 500, (payload, result.status, result.body)
    time.sleep(0.5)
    assert_up_and_answering(bot_server, slack, standin)


# --- the CLI -----------------------------------------------------------------------------------


CLI_BAD_LINES: list[bytes] = [
    b"",
    b"   \t ",
    b"\x00\x07\x1b\x7f",
    b"\xff\xfe\xfd not utf-8 at all \xc3\x28",
    "\u202ewhat\u200b share of councils are inadequate\u202c".encode(),
    b"<!channel> <https://evil.example|click> <@U123>",
    ("how many children are in care " * 3400).encode(),
    "🙂".encode(),
    b"\r",
]


@pytest.mark.slow  # the console script in a strict UTF-8 terminal, a process each
def test_cli_ask_stdin_survives_bad_lines_and_answers_the_next_good_one() -> None:
    lines = [*CLI_BAD_LINES, GOOD_QUESTION.encode()]
    out = run_cli("ask", "--json", "-", stdin=b"\n".join(lines) + b"\n", env=STRICT_UTF8)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in out.stderr
    results = [json.loads(line) for line in out.stdout.decode().splitlines()]
    # "\r" inside the stream is kept in its line by the text reader, so count what arrived.
    assert len(results) >= len(lines) - 1
    last = results[-1]
    assert last["answered"] and any("13%" in a["quote"] for a in last["answers"])
    assert "evil" not in json.dumps([r.get("answers") for r in results])


@pytest.mark.slow  # the console script in a strict UTF-8 terminal, a process each
def test_cli_ask_with_invalid_utf8_and_hidden_characters_in_argv() -> None:
    out = run_cli("ask", b"\xff\xfe" + GOOD_QUESTION.encode() + b"\xc3\x28", env=STRICT_UTF8)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in out.stderr
    assert b"13%" in out.stdout


@pytest.mark.slow  # the console script in a strict UTF-8 terminal, a process each
def test_cli_chat_survives_bad_lines_and_answers_the_next_good_one() -> None:
    lines = [b"", b"\x00\x1b", b"\xff\xfe bad bytes", "\u2067\u200b\u2069".encode(), GOOD_QUESTION.encode()]
    out = run_cli("chat", stdin=b"\n".join(lines) + b"\n", env=STRICT_UTF8)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in out.stderr
    assert b"13%" in out.stdout
