"""The message shortcut "Ask the Ofsted bot": end to end over the real server (a signed
message_action, the answer on its response_url), then the callback on its own with mocks."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any
from unittest.mock import Mock, call

import pytest
from support.answers import (
    CASE_DATA,
    CASE_QUESTION,
    INADEQUATE_QUESTION,
    assert_inadequate_answer,
    assert_no_case_data,
)
from support.block_kit import assert_valid_blocks
from support.bot_process import REPO_ROOT, RunningServer
from support.server_checks import log_lines, wait_for_log_count
from support.slack_messages import button, quotes
from support.slack_payloads import load_payload
from support.slack_standin import ASKER_ID, TEAM_ID, HttpResult, RecordedCall, SignedSlackClient, SlackStandin

from bot.slack.answering import Reply
from bot.slack.listeners import shortcuts
from retrieval.knowledge.schema import Knowledge
from retrieval.matching.answer import DECLINE_TEXT


def message_action_payload(
    slack: SignedSlackClient, response_url: str, message: dict[str, Any], user_id: str = ASKER_ID
) -> dict[str, Any]:
    """What Slack sends when someone uses a message shortcut on ``message``."""
    return {
        "type": "message_action",
        "callback_id": shortcuts.CALLBACK_ID,
        "trigger_id": slack.unique("trigger."),
        "action_ts": f"{time.time():.6f}",
        "response_url": response_url,
        "token": "legacy-verification-token",
        "api_app_id": "A0APP",
        "team": {"id": TEAM_ID, "domain": "standin"},
        "user": {"id": user_id, "username": "asker", "team_id": TEAM_ID},
        "channel": {"id": "C0GENERAL", "name": "general"},
        "message_ts": message.get("ts", "1700030000.000100"),
        "message": {"type": "message", "user": "U0COLLEAGUE", "ts": "1700030000.000100", **message},
    }


def use_shortcut(
    slack: SignedSlackClient, standin: SlackStandin, message: dict[str, Any]
) -> tuple[HttpResult, RecordedCall]:
    name = slack.unique("shortcut-")
    payload = message_action_payload(slack, standin.response_url(name), message)
    result = slack.post(
        urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    return result, standin.wait_for_response(name)


# --- over the real server ---------------------------------------------------------------------


def test_the_shortcut_answers_the_message_only_to_its_user_with_a_share_button(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    # As Slack sends it: a mention in the text, which is not part of the question.
    text = f"<@U0SOMEONE> {INADEQUATE_QUESTION}"
    result, response = use_shortcut(slack, standin, {"text": text})
    assert result.status == 200 and result.body == ""  # acknowledged at once, answered later
    assert response.body["response_type"] == "ephemeral"
    assert response.body.get("replace_original") in (False, "false", None)
    blocks = response.body["blocks"]
    assert_inadequate_answer(blocks, knowledge)
    assert_valid_blocks(blocks)
    assert button(blocks, "share_answer")["text"]["text"] == "Share in channel"
    assert "13%" in response.body["text"]
    assert "U0SOMEONE" not in response.blocks_json


def test_the_shortcuts_answer_can_be_shared_in_the_channel(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    _, response = use_shortcut(slack, standin, {"text": INADEQUATE_QUESTION})
    share = button(response.body["blocks"], "share_answer")
    name = slack.unique("share-")
    assert slack.block_action("share_answer", share["value"], standin.response_url(name)).status == 200
    shared = standin.wait_for_response(name)
    assert shared.body["response_type"] == "in_channel"
    assert_inadequate_answer(shared.body["blocks"], knowledge)


@pytest.mark.parametrize(
    "message",
    [
        {"text": ""},
        {"text": "<@U0SOMEONE>"},
        {"files": [{"id": "F0IMAGE", "mimetype": "image/png"}], "upload": True},
    ],
    ids=["empty", "only-a-mention", "image-only"],
)
def test_a_message_without_text_gets_the_clear_message(
    message: dict[str, Any], slack: SignedSlackClient, standin: SlackStandin
) -> None:
    result, response = use_shortcut(slack, standin, message)
    assert result.status == 200
    assert response.body["response_type"] == "ephemeral"
    assert response.body["text"] == shortcuts.NO_TEXT_TEXT
    assert "no text in that message" in response.blocks_json
    assert_valid_blocks(response.body["blocks"])
    assert not quotes(response.body["blocks"])


def test_case_details_in_the_message_get_no_answer_and_are_never_logged_or_echoed(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    needle = "kind=shortcut screened=personal_data"
    logged_before = len(log_lines(bot_server, needle))
    _, response = use_shortcut(slack, standin, {"text": CASE_QUESTION})
    assert response.body["response_type"] == "ephemeral"
    shown = response.blocks_json + "\n" + response.body["text"]
    assert "NHS number" in shown and "street address" in shown
    assert not quotes(response.body["blocks"]) and DECLINE_TEXT not in shown
    assert_no_case_data(json.dumps(response.body, ensure_ascii=False))
    lines = wait_for_log_count(bot_server, needle, logged_before + 1)
    assert lines[-1].endswith("kinds=NHS number,street address")
    assert_no_case_data(bot_server.log_text(), CASE_DATA)


# --- the callback with mocks ------------------------------------------------------------------


def run_shortcut(body: dict[str, Any]) -> tuple[Mock, Mock]:
    steps = Mock()
    answerer = Mock(name="answerer")
    steps.attach_mock(answerer.answer_later, "answer_later")
    shortcuts.answer_message_shortcut(
        ack=steps.ack,
        body=body,
        respond=steps.respond,
        context={"answerer": answerer, "request_id": "req-unit"},
    )
    return steps, answerer


def shortcut_body(text: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "message", "ts": "1.0"}
    if text is not None:
        message["text"] = text
    return {"type": "message_action", "user": {"id": ASKER_ID}, "message": message}


def test_acks_first_then_asks_the_one_question_path_ephemerally() -> None:
    steps, answerer = run_shortcut(shortcut_body(f"<!here> {INADEQUATE_QUESTION}"))
    assert [c[0] for c in steps.mock_calls] == ["ack", "answer_later"]
    steps.ack.assert_called_once_with()
    args, kwargs = answerer.answer_later.call_args
    assert args == (INADEQUATE_QUESTION,)
    assert {k: v for k, v in kwargs.items() if k != "send"} == {
        "kind": "shortcut",
        "request_id": "req-unit",
        "ephemeral": True,
        "user_id": ASKER_ID,
    }
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "13%"}}]
    kwargs["send"](Reply(blocks, "13%"))
    assert steps.respond.call_args == call(
        blocks=blocks, text="13%", response_type="ephemeral", replace_original=False
    )


@pytest.mark.parametrize(
    "body",
    [shortcut_body(""), shortcut_body(None), shortcut_body("  <@U0X> "), {"type": "message_action"}],
    ids=["empty", "no-text-key", "only-a-mention", "no-message"],
)
def test_no_text_gets_the_clear_message_and_no_question(body: dict[str, Any]) -> None:
    steps, answerer = run_shortcut(body)
    steps.ack.assert_called_once_with()
    answerer.answer_later.assert_not_called()
    kwargs = steps.respond.call_args.kwargs
    assert kwargs["text"] == shortcuts.NO_TEXT_TEXT and kwargs["response_type"] == "ephemeral"
    assert_valid_blocks(kwargs["blocks"])


def test_a_forwarded_message_asks_the_text_it_shares() -> None:
    """The real forwarded message (tests/data/slack_payloads/forwarded_message.json): its own text
    is empty, the words are in its attachment."""
    message = load_payload("forwarded_message")["event"]
    assert message["text"] == "" and message["attachments"][0]["is_share"]
    steps, answerer = run_shortcut({"type": "message_action", "user": {"id": ASKER_ID}, "message": message})
    answerer.answer_later.assert_called_once()
    assert answerer.answer_later.call_args.args == ("blahblahblahblahblah",)
    steps.respond.assert_not_called()


def test_a_failure_after_ack_becomes_the_apology(caplog: pytest.LogCaptureFixture) -> None:
    steps = Mock()
    answerer = Mock(name="answerer")
    answerer.answer_later.side_effect = RuntimeError("boom")
    shortcuts.answer_message_shortcut(
        ack=steps.ack,
        body=shortcut_body(INADEQUATE_QUESTION),
        respond=steps.respond,
        context={"answerer": answerer, "request_id": "req-fail"},
    )
    steps.ack.assert_called_once_with()
    assert "req-fail" in json.dumps(steps.respond.call_args.kwargs["blocks"])
    assert any("listener error request_id=req-fail" in r.getMessage() for r in caplog.records)


def test_register_wires_the_manifests_callback_id() -> None:
    manifest = (REPO_ROOT / "manifest.yml").read_text(encoding="utf-8")
    assert f"callback_id: {shortcuts.CALLBACK_ID}" in manifest
    app = Mock()
    shortcuts.register(app)
    app.shortcut.assert_called_once_with(shortcuts.CALLBACK_ID)
    app.shortcut.return_value.assert_called_once_with(shortcuts.answer_message_shortcut)
