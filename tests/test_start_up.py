"""Starting the server: a missing or malformed Slack variable stops it with one line, Socket Mode
(against a websocket stand-in) answers and acks, ``/healthz`` is 503 until the index is loaded, and
the app factory takes its own settings."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.answers import INADEQUATE_QUESTION, assert_inadequate_answer
from support.bot_process import (
    TEST_APP_TOKEN,
    TEST_BOT_TOKEN,
    TEST_SIGNING_SECRET,
    RunningServer,
    bot_env,
    free_port,
    start_server,
    stop_server,
)
from support.cli import run_cli
from support.slack_messages import mention_event
from support.slack_standin import SignedSlackClient, SlackStandin, http_request, slack_signature
from support.socket_mode_standin import SocketModeStandin

from retrieval.knowledge.schema import Knowledge

# --- start-up errors ---------------------------------------------------------------------------


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
    settings: dict[str, str | None] = {
        "SLACK_BOT_TOKEN": TEST_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": TEST_SIGNING_SECRET,
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "PORT": str(free_port()),
    }
    result = run_cli("serve", env=settings | overrides, timeout=60)
    assert result.returncode != 0
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert variable in message and "Traceback" not in message
    for value in overrides.values():
        if value:
            assert value not in message, "the message names the variable, never its value"


# --- Socket Mode -----------------------------------------------------------------------------


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
    assert http_request(f"{server.base_url}/healthz").status == 200, "healthz is served in Socket Mode too"
    assert ws.acks[0] == {"envelope_id": ws.envelope["envelope_id"]}
    opened = standin.wait_for(lambda c: c.method == "apps.connections.open")
    assert opened.headers.get("Authorization") == f"Bearer {TEST_APP_TOKEN}"
    assert TEST_APP_TOKEN not in server.log_text() and TEST_BOT_TOKEN not in server.log_text()


# --- the pieces the server is built from ----------------------------------------------------------


def test_healthz_is_503_until_the_index_is_loaded() -> None:
    from bot.runtime.reload import IndexHolder
    from bot.runtime.server import build_wsgi_app

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


def test_the_app_factory_takes_its_own_settings_and_says_when_still_loading(standin: SlackStandin) -> None:
    from slack_bolt.request import BoltRequest

    from bot.runtime.reload import IndexHolder
    from bot.runtime.settings import Settings
    from bot.slack.app import build_app
    from bot.slack.blocks import NOT_READY_TEXT

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
