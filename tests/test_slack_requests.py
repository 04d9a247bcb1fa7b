"""The Slack app end to end: the real server (``ofsted-bot serve``, real model) in HTTP mode,
signed requests as Slack sends them, and the stand-in recording what the user would see."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    REPO_ROOT,
    TEST_APP_TOKEN,
    TEST_BOT_TOKEN,
    TEST_SIGNING_SECRET,
    RunningServer,
    bot_env,
    free_port,
    serve_command,
    start_server,
    stop_server,
)
from slack_standin import (
    ASKER_ID,
    BOT_ID,
    BOT_USER_ID,
    RecordedCall,
    SignedSlackClient,
    SlackStandin,
    slack_signature,
)

from bot.blocks import FEEDBACK_THANKS_TEXT
from retrieval.answer import DECLINE_TEXT
from retrieval.knowledge import Knowledge, require_knowledge

INADEQUATE_QUESTION = "what percentage of councils are rated inadequate"
OUT_OF_SCOPE_QUESTION = "what's the best pizza near the office"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return require_knowledge(REPO_ROOT / "knowledge")


# --- reading what the user sees --------------------------------------------------------------


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def context_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]


def quotes(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        "".join(part["text"] for part in element["elements"])
        for b in blocks
        if b["type"] == "rich_text"
        for element in b["elements"]
        if element["type"] == "rich_text_quote"
    ]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"]


def button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    found = [b for b in buttons(blocks) if b["action_id"] == action_id]
    assert found, f"no {action_id} button in {[b['action_id'] for b in buttons(blocks)]}"
    return found[0]


def all_visible_text(blocks: list[dict[str, Any]]) -> str:
    button_texts = [b["text"]["text"] for b in buttons(blocks)]
    return "\n".join(section_texts(blocks) + context_texts(blocks) + quotes(blocks) + button_texts)


def assert_inadequate_answer(blocks: list[dict[str, Any]], knowledge: Knowledge) -> None:
    """The figure in bold, the verbatim quote carrying it, and the citation."""
    assert any("*13%*" in text for text in section_texts(blocks)), section_texts(blocks)
    shown = quotes(blocks)
    assert shown, "no quote block"
    known_quotes = {f.quote for f in knowledge.facts}
    assert all(q in known_quotes for q in shown), "a quote that is not verbatim from the knowledge"
    assert any("13%" in q for q in shown)
    citation = " ".join(context_texts(blocks))
    assert "Locum Today" in citation and "4 December 2018" in citation
    assert "Ofsted Annual Report 2017/18" in citation


def ask(slack: SignedSlackClient, standin: SlackStandin, text: str) -> RecordedCall:
    name = slack.unique("cmd-")
    result = slack.slash_command(text, standin.response_url(name))
    assert result.status == 200
    return standin.wait_for_response(name)


# --- /ofsted ---------------------------------------------------------------------------------


def test_slash_command_answers_ephemerally_with_figure_quote_and_source(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    name = slack.unique("cmd-")
    result = slack.slash_command(INADEQUATE_QUESTION, standin.response_url(name))
    assert result.status == 200 and result.body == ""  # acknowledged at once, answered later
    response = standin.wait_for_response(name)
    assert response.body["response_type"] == "ephemeral"
    blocks = response.body["blocks"]
    assert_inadequate_answer(blocks, knowledge)
    assert button(blocks, "share_answer")["text"]["text"] == "Share in channel"
    assert button(blocks, "feedback_up")["text"]["text"] == "👍"
    assert button(blocks, "feedback_down")["text"]["text"] == "👎"
    assert "13%" in response.body["text"]


@pytest.mark.parametrize("text", ["", "help"])
def test_help_shows_reports_sources_how_to_ask_and_three_examples(
    text: str, slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    response = ask(slack, standin, text)
    assert response.body["response_type"] == "ephemeral"
    shown = all_visible_text(response.body["blocks"])
    for report in knowledge.reports:
        assert report in shown
    for source in knowledge.sources:
        assert source.publisher in shown and source.title in shown
    assert "How to ask" in shown and "/ofsted" in shown
    example_section = next(t for t in section_texts(response.body["blocks"]) if t.startswith("*For example*"))
    examples = [line for line in example_section.splitlines() if line.startswith("• `/ofsted ")]
    assert len(examples) == 3
    known_questions = {q for f in knowledge.facts for q in f.questions}
    for line in examples:
        assert line.removeprefix("• `/ofsted ").removesuffix("`").replace("&amp;", "&") in known_questions


def test_over_long_question_is_asked_to_be_shortened(slack: SignedSlackClient, standin: SlackStandin) -> None:
    response = ask(slack, standin, "how many children are in care " * 40)
    shown = all_visible_text(response.body["blocks"])
    assert "shorten" in shown and "1,000" in shown
    assert not quotes(response.body["blocks"])


def test_out_of_scope_question_is_declined_with_nearest_facts(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    response = ask(slack, standin, OUT_OF_SCOPE_QUESTION)
    blocks = response.body["blocks"]
    assert DECLINE_TEXT in section_texts(blocks)
    assert not quotes(blocks), "a decline never shows a quote"
    suggestions = [b for b in buttons(blocks) if b["action_id"].startswith("did_you_mean_")]
    assert suggestions
    statements = {f.statement for f in knowledge.facts}
    for b in suggestions:
        fact_id = json.loads(b["value"])["fact"]
        assert fact_id in knowledge.facts_by_id
        assert b["text"]["text"].rstrip("…") in knowledge.facts_by_id[fact_id].statement
        assert len(b["text"]["text"]) <= 75
    assert any("I answer from" in t for t in context_texts(blocks))
    assert not any(s in all_visible_text(blocks) for s in statements if "pizza" in s)


def test_broadcast_mentions_in_a_question_never_echo_live(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    response = ask(slack, standin, f"<!channel> @here <!everyone|everyone> {INADEQUATE_QUESTION}")
    share = button(response.body["blocks"], "share_answer")
    name = slack.unique("share-")
    assert slack.block_action("share_answer", share["value"], standin.response_url(name)).status == 200
    shared = standin.wait_for_response(name).blocks_json
    assert f"shared an answer: “{INADEQUATE_QUESTION}”" in shared
    assert "<!" not in shared
    assert not re.search(r"@(channel|here|everyone)\b", shared)


# --- events ----------------------------------------------------------------------------------


def mention_event(channel: str, text: str, ts: str) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": ASKER_ID,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "client_msg_id": f"msg-{channel}-{ts}",
    }


def dm_event(channel: str, text: str, ts: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "user": ASKER_ID,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "client_msg_id": f"msg-{channel}-{ts}",
        **extra,
    }


def test_app_mention_is_answered_in_a_thread_visible_to_the_channel(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    channel = slack.unique("CMENTION")
    result = slack.event(mention_event(channel, INADEQUATE_QUESTION, "1700000100.000100"))
    assert result.status == 200
    post = standin.wait_for_post(channel)
    assert post.body["thread_ts"] == "1700000100.000100"
    assert_inadequate_answer(post.body["blocks"], knowledge)
    action_ids = [b["action_id"] for b in buttons(post.body["blocks"])]
    assert "share_answer" not in action_ids, "a visible answer needs no share button"


def test_direct_message_is_answered_in_the_dm(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    channel = slack.unique("DDM")
    assert slack.event(dm_event(channel, INADEQUATE_QUESTION, "1700000200.000100")).status == 200
    post = standin.wait_for_post(channel)
    assert post.body.get("thread_ts") is None
    assert_inadequate_answer(post.body["blocks"], knowledge)


def test_retried_event_is_answered_once(slack: SignedSlackClient, standin: SlackStandin) -> None:
    channel = slack.unique("DRETRY")
    event = dm_event(channel, "how many children are in care", "1700000300.000100")
    event_id = slack.unique("EvRetry")
    assert slack.event(event, event_id=event_id).status == 200
    assert slack.event(event, event_id=event_id, retry_num=1).status == 200
    assert slack.event(event, event_id=event_id, retry_num=2).status == 200
    # The same message delivered under a new event id (as Slack may) is also answered once.
    assert slack.event(event, event_id=slack.unique("EvOther")).status == 200
    standin.wait_for_post(channel)
    # Then a different question in the same DM: once it is answered, every earlier one has been.
    follow_up = dm_event(channel, "how many monitoring visits were carried out", "1700000301.000100")
    assert slack.event(follow_up).status == 200
    standin.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel, count=2)
    time.sleep(1.0)  # a late duplicate would have been posted by now
    assert len(standin.matching(lambda c: c.body.get("channel") == channel)) == 2


@pytest.mark.parametrize(
    "event",
    [
        dm_event("DIGNORED1", "edited", "1700000400.000100", subtype="message_changed"),
        dm_event("DIGNORED2", "joined", "1700000400.000200", subtype="channel_join"),
        dm_event("DIGNORED3", "how many children are in care", "1700000400.000300", bot_id="B0OTHER"),
        dm_event(
            "DIGNORED4", "how many children are in care", "1700000400.000400", user=BOT_USER_ID, bot_id=BOT_ID
        ),
        {
            **dm_event("CIGNORED5", "how many children are in care", "1700000400.000500"),
            "channel_type": "channel",
        },
    ],
    ids=["edit", "join", "other-bot", "own-message", "channel-message"],
)
def test_message_events_with_nothing_to_do_get_200_and_no_answer(
    event: dict[str, Any], slack: SignedSlackClient, standin: SlackStandin
) -> None:
    assert slack.event(event).status == 200
    time.sleep(0.5)
    assert not standin.matching(lambda c: c.body.get("channel") == event["channel"])


def test_url_verification_echoes_the_challenge(slack: SignedSlackClient) -> None:
    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    result = slack.post(body, "application/json")
    assert result.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in result.body


# --- buttons ---------------------------------------------------------------------------------


def test_share_in_channel_posts_the_same_answer_visibly_with_who_shared_it(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    answer = ask(slack, standin, INADEQUATE_QUESTION)
    share = button(answer.body["blocks"], "share_answer")
    name = slack.unique("share-")
    assert slack.block_action("share_answer", share["value"], standin.response_url(name)).status == 200
    shared = standin.wait_for_response(name).body
    assert shared["response_type"] == "in_channel"
    assert shared["replace_original"] is False
    blocks = shared["blocks"]
    assert f"<@{ASKER_ID}> shared an answer" in context_texts(blocks)[0]
    assert_inadequate_answer(blocks, knowledge)
    assert quotes(blocks) == quotes(answer.body["blocks"])
    assert "share_answer" not in [b["action_id"] for b in buttons(blocks)]


def test_did_you_mean_answers_the_chosen_fact(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    declined = ask(slack, standin, OUT_OF_SCOPE_QUESTION)
    choice = next(b for b in buttons(declined.body["blocks"]) if b["action_id"].startswith("did_you_mean_"))
    fact = knowledge.facts_by_id[json.loads(choice["value"])["fact"]]
    name = slack.unique("choice-")
    assert slack.block_action(choice["action_id"], choice["value"], standin.response_url(name)).status == 200
    response = standin.wait_for_response(name).body
    assert response["response_type"] == "ephemeral"
    assert quotes(response["blocks"]) == [fact.quote]


def test_did_you_mean_under_a_visible_answer_answers_in_its_thread(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    fact = knowledge.facts[0]
    channel = slack.unique("CCHOICE")
    value = json.dumps({"fact": fact.id, "q": "a question"})
    result = slack.block_action(
        "did_you_mean_0",
        value,
        standin.response_url(slack.unique("unused-")),
        ephemeral=False,
        channel=channel,
        message_ts="1700000500.000200",
        thread_ts="1700000500.000100",
    )
    assert result.status == 200
    post = standin.wait_for_post(channel)
    assert post.body["thread_ts"] == "1700000500.000100"
    assert quotes(post.body["blocks"]) == [fact.quote]


@pytest.mark.parametrize("action_id", ["feedback_up", "feedback_down"])
def test_feedback_is_acknowledged_with_thanks(
    action_id: str, slack: SignedSlackClient, standin: SlackStandin
) -> None:
    answer = ask(slack, standin, INADEQUATE_QUESTION)
    vote = button(answer.body["blocks"], action_id)
    name = slack.unique("vote-")
    assert slack.block_action(action_id, vote["value"], standin.response_url(name)).status == 200
    thanks = standin.wait_for_response(name).body
    assert thanks["text"] == FEEDBACK_THANKS_TEXT
    assert thanks["response_type"] == "ephemeral" and thanks["replace_original"] is False


def test_an_exception_in_a_listener_becomes_a_short_apology(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    name = slack.unique("broken-")
    # A button value that is not what the bot wrote: the listener raises after ack().
    assert slack.block_action("did_you_mean_0", "not json", standin.response_url(name)).status == 200
    apology = standin.wait_for_response(name).body
    assert apology["text"].startswith("Sorry")
    assert "Traceback" not in json.dumps(apology)
    reference = next(t for t in context_texts(apology["blocks"]) if "Reference" in t)
    request_id = reference.split("`")[1]
    deadline = time.monotonic() + 10
    while f"request_id={request_id}" not in bot_server.log_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f"listener error request_id={request_id}" in bot_server.log_text()


# --- request verification ---------------------------------------------------------------------


def test_bad_signature_is_rejected(slack: SignedSlackClient, standin: SlackStandin) -> None:
    body = slack.slash_command_body(INADEQUATE_QUESTION, standin.response_url("never"))
    result = slack.post(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert result.status == 401


def test_old_timestamp_is_rejected(slack: SignedSlackClient, standin: SlackStandin) -> None:
    body = slack.slash_command_body(INADEQUATE_QUESTION, standin.response_url("never"))
    result = slack.post(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 6 * 60)
    assert result.status == 401  # correctly signed, but replayable


def test_healthz_and_unknown_paths(bot_server: RunningServer) -> None:
    from slack_standin import http_request

    health = http_request(f"{bot_server.base_url}/healthz")
    assert health.status == 200 and health.json()["status"] == "ok"
    assert http_request(f"{bot_server.base_url}/nothing-here").status == 404


# --- logs --------------------------------------------------------------------------------------


def test_logs_one_line_per_question_without_its_text_or_any_secret(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    ask(slack, standin, "how many focused visits has ofsted done under ilacs zebra")
    deadline = time.monotonic() + 10
    while "kind=command" not in bot_server.log_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = bot_server.log_text()
    lines = [line for line in log.splitlines() if " question request_id=" in line and "kind=command" in line]
    outcomes = ("answered", "declined", "too_long", "screened=")  # screened: small talk, personal data…
    assert lines and all(any(outcome in line for outcome in outcomes) for line in lines)
    assert any("fact_id=" in line and "score=" in line and "ms=" in line for line in lines)
    assert "zebra" not in log
    assert TEST_BOT_TOKEN not in log and TEST_SIGNING_SECRET not in log


# --- start-up errors ---------------------------------------------------------------------------


def run_serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(serve_command(), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"SLACK_BOT_TOKEN": None}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-a-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": None}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "not-a-secret"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
    ],
    ids=["no-bot-token", "user-token", "no-signing-secret", "bad-signing-secret", "bad-app-token"],
)
def test_missing_or_malformed_slack_variable_stops_start_up_with_one_line(
    overrides: dict[str, str | None], variable: str
) -> None:
    env = bot_env(
        SLACK_BOT_TOKEN=TEST_BOT_TOKEN,
        SLACK_SIGNING_SECRET=TEST_SIGNING_SECRET,
        SLACK_API_URL="http://127.0.0.1:9/api/",
        PORT=str(free_port()),
    )
    env.update({k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        env.pop(key)
    result = run_serve(env)
    assert result.returncode != 0
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert variable in message and "Traceback" not in message
    for value in overrides.values():
        if value:
            assert value not in message, "the message names the variable, never its value"


# --- Socket Mode -----------------------------------------------------------------------------


class SocketModeStandin:
    """A local websocket server playing Slack's Socket Mode: hello, then one events_api envelope."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        from websockets.sync.server import serve

        self.envelope = envelope
        self.acks: list[dict[str, Any]] = []
        self.acked = threading.Event()
        self.server = serve(self._handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link/?ticket=standin"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handle(self, websocket: Any) -> None:
        websocket.send(
            json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}})
        )
        websocket.send(json.dumps(self.envelope))
        for message in websocket:
            data = json.loads(message)
            if data.get("envelope_id") == self.envelope["envelope_id"]:
                self.acks.append(data)
                self.acked.set()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def socket_mode_server(
    standin: SlackStandin, tmp_path: Path, knowledge: Knowledge
) -> Iterator[tuple[RunningServer, SocketModeStandin, str]]:
    channel = "CSOCKET"
    client = SignedSlackClient("unused", TEST_SIGNING_SECRET)
    body = json.loads(client.event_body(mention_event(channel, INADEQUATE_QUESTION, "1700000600.000100")))
    envelope = {
        "envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": body,
    }
    ws = SocketModeStandin(envelope)
    standin.socket_mode_url = ws.url
    port = free_port()
    env = bot_env(
        SLACK_BOT_TOKEN=TEST_BOT_TOKEN,
        SLACK_APP_TOKEN=TEST_APP_TOKEN,
        SLACK_API_URL=standin.api_url,
        PORT=str(port),
    )
    server = start_server(env, tmp_path / "socket-mode.log", port)
    try:
        yield server, ws, channel
    finally:
        stop_server(server)
        ws.close()
        standin.socket_mode_url = None


def test_socket_mode_answers_an_event_and_acks_its_envelope(
    socket_mode_server: tuple[RunningServer, SocketModeStandin, str],
    standin: SlackStandin,
    knowledge: Knowledge,
) -> None:
    server, ws, channel = socket_mode_server
    post = standin.wait_for_post(channel, timeout=150)
    assert post.body["thread_ts"] == "1700000600.000100"
    assert_inadequate_answer(post.body["blocks"], knowledge)
    assert ws.acked.wait(30), server.log_text()
    from slack_standin import http_request

    assert http_request(f"{server.base_url}/healthz").status == 200, "healthz is served in Socket Mode too"
    assert ws.acks[0] == {"envelope_id": ws.envelope["envelope_id"]}
    opened = standin.wait_for(lambda c: c.method == "apps.connections.open")
    assert opened.headers.get("Authorization") == f"Bearer {TEST_APP_TOKEN}"
    assert TEST_APP_TOKEN not in server.log_text() and TEST_BOT_TOKEN not in server.log_text()


# --- the pieces the server is built from ----------------------------------------------------------


def test_healthz_is_503_until_the_index_is_loaded() -> None:
    from bot.reload import IndexHolder
    from bot.server import build_wsgi_app

    statuses: list[str] = []
    wsgi = build_wsgi_app(IndexHolder())
    body = b"".join(
        wsgi(
            {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"},
            lambda status, headers: statuses.append(status),
        )
    )
    assert statuses == ["503 Service Unavailable"]
    assert json.loads(body) == {"status": "loading"}


def test_recent_ids_remember_each_id_once_within_bounds() -> None:
    from bot.middleware import RecentIds

    seen = RecentIds(ttl_seconds=60, max_size=3)
    assert seen.first_time("event:1", "message:a")
    assert not seen.first_time("event:1")
    assert not seen.first_time("event:2", "message:a")  # same message, new event id
    for i in range(3, 10):
        assert seen.first_time(f"event:{i}")
    assert seen.first_time("event:1"), "the oldest ids are dropped once the set is full"
    expired = RecentIds(ttl_seconds=0)
    assert expired.first_time("event:x") and expired.first_time("event:x")


# --- around the app -----------------------------------------------------------------------------


def test_env_example_lists_every_setting() -> None:
    from dataclasses import fields

    from bot.settings import Settings

    listed = {
        line.split("=", 1)[0]
        for line in (REPO_ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if re.match(r"^[A-Z_]+=", line)
    }
    assert {f.name.upper() for f in fields(Settings)} <= listed


def test_manifest_creates_the_app_in_one_paste() -> None:
    import yaml

    manifest = yaml.safe_load((REPO_ROOT / "manifest.yml").read_text(encoding="utf-8"))
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == "/ofsted" and command["description"] and command["usage_hint"]
    assert manifest["features"]["bot_user"]["display_name"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "app_mentions:read",
        "im:history",
        "assistant:write",
    }
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["assistant_view"]["assistant_description"]
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == "ask_ofsted_bot"
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "app_home_opened",
        "assistant_thread_started",
        "assistant_thread_context_changed",
        "message.im",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True


def test_the_app_factory_takes_its_own_settings_and_says_when_still_loading(standin: SlackStandin) -> None:
    from slack_bolt.request import BoltRequest

    from bot.app import build_app
    from bot.blocks import NOT_READY_TEXT
    from bot.reload import IndexHolder
    from bot.settings import Settings

    settings = Settings(
        slack_bot_token=TEST_BOT_TOKEN,
        slack_signing_secret=TEST_SIGNING_SECRET,
        slack_api_url=standin.api_url,
    )
    app = build_app(settings, IndexHolder())  # no index loaded yet
    slack = SignedSlackClient("unused", TEST_SIGNING_SECRET)
    body = slack.slash_command_body(INADEQUATE_QUESTION, standin.response_url("factory-not-ready"))
    timestamp = str(int(time.time()))
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": slack_signature(TEST_SIGNING_SECRET, timestamp, body),
    }
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 200
    reply = standin.wait_for_response("factory-not-ready").body
    assert reply["text"] == NOT_READY_TEXT and reply["response_type"] == "ephemeral"
