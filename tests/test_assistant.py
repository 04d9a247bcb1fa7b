"""The assistant panel: end to end over the real server (signed events, the stand-in recording
what Slack would show), then each callback on its own with mocks."""

from __future__ import annotations

import json
import time
from typing import Any
from unittest.mock import Mock, call

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from support.answers import (
    CASE_DATA,
    CASE_QUESTION,
    INADEQUATE_QUESTION,
    assert_inadequate_answer,
    assert_no_case_data,
)
from support.block_kit import assert_valid_blocks
from support.bot_process import RunningServer
from support.server_checks import assert_up_and_answering, log_lines, wait_for_log_count
from support.slack_messages import dm_event, quotes
from support.slack_standin import ASKER_ID, TEAM_ID, RecordedCall, SignedSlackClient, SlackStandin

from bot.slack.answering import Reply
from bot.slack.blocks import example_questions
from bot.slack.listeners import assistant
from bot.slack.threads import ThreadKey
from retrieval.knowledge.schema import Knowledge
from retrieval.matching.answer import DECLINE_TEXT

# --- the events Slack sends (the shapes bolt's payload_utils recognise) -----------------------


def thread_started_event(channel: str, thread_ts: str) -> dict[str, Any]:
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": ASKER_ID,
            "context": {"channel_id": "C0VIEWING", "team_id": TEAM_ID, "enterprise_id": None},
            "channel_id": channel,
            "thread_ts": thread_ts,
        },
        "event_ts": thread_ts,
    }


def context_changed_event(channel: str, thread_ts: str) -> dict[str, Any]:
    event = thread_started_event(channel, thread_ts)
    event["type"] = "assistant_thread_context_changed"
    event["assistant_thread"]["context"]["channel_id"] = "C0ELSEWHERE"
    return event


def thread_message_event(channel: str, text: str, thread_ts: str, ts: str) -> dict[str, Any]:
    """A person's message in an assistant thread: a DM message with a thread_ts and no bot_id."""
    return dm_event(channel, text, ts, thread_ts=thread_ts, parent_user_id="U0BOT")


def calls_in(standin: SlackStandin, channel: str) -> list[RecordedCall]:
    """Every Web API call about one DM (``channel`` for chat.*, ``channel_id`` for assistant.*)."""
    return standin.matching(lambda c: channel in (c.body.get("channel"), c.body.get("channel_id")))


def assistant_call(standin: SlackStandin, method: str, channel: str) -> RecordedCall:
    return standin.wait_for(lambda c: c.method == method and c.body.get("channel_id") == channel)


def prompts_of(recorded: RecordedCall) -> list[dict[str, str]]:
    prompts = recorded.body["prompts"]
    # Sent form-encoded by slack_sdk: the list arrives as JSON text.
    return json.loads(prompts) if isinstance(prompts, str) else prompts


# --- over the real server ---------------------------------------------------------------------


def test_a_new_thread_gets_three_example_questions_and_a_greeting(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    channel, thread_ts = slack.unique("DASSIST"), "1700020000.000100"
    result = slack.event(thread_started_event(channel, thread_ts))
    assert result.status == 200

    prompts_call = assistant_call(standin, "assistant.threads.setSuggestedPrompts", channel)
    assert prompts_call.body["thread_ts"] == thread_ts
    prompts = prompts_of(prompts_call)
    expected = example_questions(knowledge, 3)
    assert len(expected) == 3
    assert [p["message"] for p in prompts] == expected
    assert all(p["title"] and len(p["title"]) <= assistant.MAX_PROMPT_TITLE_CHARS for p in prompts)

    greeting = standin.wait_for_post(channel)
    assert greeting.body["thread_ts"] == thread_ts
    assert greeting.body["text"] == assistant.GREETING_TEXT


def test_a_question_in_the_thread_shows_status_titles_it_and_is_answered_in_it_once(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    channel, thread_ts = slack.unique("DASSIST"), "1700020100.000100"
    event = thread_message_event(channel, INADEQUATE_QUESTION, thread_ts, "1700020100.000200")
    assert slack.event(event).status == 200

    answer = standin.wait_for_post(channel)
    status = assistant_call(standin, "assistant.threads.setStatus", channel)
    title = assistant_call(standin, "assistant.threads.setTitle", channel)
    assert status.body["status"] == assistant.STATUS_TEXT and status.body["thread_ts"] == thread_ts
    assert title.body["title"] == INADEQUATE_QUESTION and title.body["thread_ts"] == thread_ts
    assert status.at <= title.at <= answer.at, "status, then title, then the answer"

    assert answer.body["thread_ts"] == thread_ts
    assert_inadequate_answer(answer.body["blocks"], knowledge)
    assert_valid_blocks(answer.body["blocks"])
    assert "share_answer" not in answer.blocks_json, "a visible answer needs no share button"
    # Bolt's Assistant took the message: the DM listener did not answer it a second time.
    time.sleep(1.0)
    posts = [c for c in calls_in(standin, channel) if c.method.startswith("chat.")]
    assert len(posts) == 1, [c.method for c in posts]
    # And saying it read no stored thread context first (Bolt's default store would).
    assert not [c for c in calls_in(standin, channel) if c.method == "conversations.replies"]


def test_a_long_question_titles_the_thread_short(slack: SignedSlackClient, standin: SlackStandin) -> None:
    channel, thread_ts = slack.unique("DASSIST"), "1700020200.000100"
    question = "how many children were in care in England at the end of the year, according to the report"
    assert slack.event(thread_message_event(channel, question, thread_ts, "1700020200.000200")).status == 200
    title = assistant_call(standin, "assistant.threads.setTitle", channel).body["title"]
    assert len(title) <= assistant.MAX_TITLE_CHARS and title.endswith("…")
    assert question.startswith(title.removesuffix("…"))
    standin.wait_for_post(channel)


def test_case_details_in_the_thread_get_no_answer_and_are_never_logged_or_echoed(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    needle = "kind=assistant screened=personal_data"
    logged_before = len(log_lines(bot_server, needle))
    channel, thread_ts = slack.unique("DASSISTPD"), "1700020300.000100"
    event = thread_message_event(channel, CASE_QUESTION, thread_ts, "1700020300.000200")
    assert slack.event(event).status == 200

    reply = standin.wait_for_post(channel)
    assert reply.body["thread_ts"] == thread_ts  # the user's own DM: nobody else sees it
    shown = reply.blocks_json + "\n" + reply.body["text"]
    assert "NHS number" in shown and "street address" in shown
    assert not quotes(reply.body["blocks"]) and DECLINE_TEXT not in shown
    assert_valid_blocks(reply.body["blocks"])
    # Not in the reply, nor in the thread's title.
    title = assistant_call(standin, "assistant.threads.setTitle", channel)
    assert title.body["title"] == assistant.NEUTRAL_TITLE
    for recorded in calls_in(standin, channel):
        assert_no_case_data(json.dumps(recorded.body, ensure_ascii=False))

    lines = wait_for_log_count(bot_server, needle, logged_before + 1)
    assert lines[-1].endswith("kinds=NHS number,street address")
    assert_no_case_data(bot_server.log_text(), CASE_DATA)


def test_a_context_change_is_acknowledged_and_costs_no_web_api_call(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    channel = slack.unique("DASSISTCTX")
    assert slack.event(context_changed_event(channel, "1700020400.000100")).status == 200
    time.sleep(0.5)
    assert not calls_in(standin, channel)
    # Nor is the thread's history read to find a stored context (Bolt's default store would).
    assert not standin.matching(
        lambda c: c.method == "conversations.replies" and c.body.get("channel") == channel
    )


@pytest.mark.parametrize(
    "event",
    [
        {"type": "assistant_thread_started"},
        {"type": "assistant_thread_started", "assistant_thread": {"channel_id": "DMALFORMED1"}},
        {"type": "assistant_thread_context_changed", "assistant_thread": {"channel_id": "DMALFORMED2"}},
        {"type": "assistant_thread_context_changed", "assistant_thread": "not an object"},
        {
            "type": "message",
            "subtype": "message_changed",
            "channel_type": "im",
            "channel": "DMALFORMED3",
            "message": {
                "type": "message",
                "subtype": "assistant_app_thread",
                "ts": "1.0",
                "thread_ts": "1.0",
            },
            "previous_message": {"type": "message", "ts": "1.0"},
        },
    ],
    ids=["no-thread", "no-thread-ts", "context-no-thread-ts", "context-not-object", "thread-edited"],
)
def test_odd_assistant_events_get_200_and_nothing_posted(
    event: dict[str, Any], slack: SignedSlackClient, standin: SlackStandin
) -> None:
    result = slack.event(event)
    assert result.status == 200, (result.status, result.body)
    time.sleep(0.3)
    assert not standin.matching(lambda c: "DMALFORMED" in json.dumps(c.body))


def test_the_server_survives_the_odd_assistant_events(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    assert_up_and_answering(bot_server, slack, standin)


# --- each callback with mocks -----------------------------------------------------------------


def answerer_with(knowledge: Knowledge | None) -> Mock:
    answerer = Mock(name="answerer")
    answerer.holder.index = None if knowledge is None else Mock(knowledge=knowledge)
    return answerer


def test_start_thread_suggests_the_knowledges_examples_then_greets(knowledge: Knowledge) -> None:
    steps = Mock()
    assistant.start_thread(
        set_suggested_prompts=steps.set_suggested_prompts,
        say=steps.say,
        context={"answerer": answerer_with(knowledge), "request_id": "r1"},
    )
    expected = [{"title": q, "message": q} for q in example_questions(knowledge, 3)]
    assert steps.mock_calls == [
        call.set_suggested_prompts(prompts=expected, title=assistant.PROMPTS_TITLE),
        call.say(text=assistant.GREETING_TEXT),
    ]


def test_start_thread_while_loading_only_greets() -> None:
    set_suggested_prompts, say = Mock(), Mock()
    assistant.start_thread(set_suggested_prompts, say, {"answerer": answerer_with(None), "request_id": "r1"})
    set_suggested_prompts.assert_not_called()
    say.assert_called_once_with(text=assistant.GREETING_TEXT)


def test_a_long_example_question_gets_a_short_prompt_title_and_is_sent_whole(knowledge: Knowledge) -> None:
    long_question = "how many " + "very " * 30 + "large councils are there"
    fake = Mock(facts=[Mock(questions=[long_question])])
    prompts = assistant.suggested_prompts(answerer_with(fake))
    assert prompts[0]["message"] == long_question
    assert len(prompts[0]["title"]) <= assistant.MAX_PROMPT_TITLE_CHARS and prompts[0]["title"].endswith("…")


def run_user_message(text: str, steps: Mock) -> Mock:
    answerer = answerer_with(None)
    steps.attach_mock(answerer.answer_later, "answer_later")
    assistant.answer_user_message(
        payload=thread_message_event("D0UNIT", text, "1.000100", "1.000200"),
        say=steps.say,
        set_status=steps.set_status,
        set_title=steps.set_title,
        context={"answerer": answerer, "request_id": "req-unit"},
    )
    return answerer


def test_user_message_sets_status_and_title_then_asks_the_one_question_path() -> None:
    steps = Mock()
    answerer = run_user_message(f"<@U0BOT> {INADEQUATE_QUESTION} &amp; why", steps)
    question = f"{INADEQUATE_QUESTION} & why"  # through question_from_slack
    assert [c[0] for c in steps.mock_calls] == ["set_status", "set_title", "answer_later"]
    steps.set_status.assert_called_once_with(status=assistant.STATUS_TEXT)
    steps.set_title.assert_called_once_with(question)
    args, kwargs = answerer.answer_later.call_args
    assert args == (question,)
    assert {k: v for k, v in kwargs.items() if k != "send"} == {
        "kind": "assistant",
        "request_id": "req-unit",
        "ephemeral": False,
        "user_id": ASKER_ID,
        # read as a follow-up of the assistant thread's last turn
        "thread": ThreadKey("D0UNIT", "1.000100", in_dm=True),
    }
    # What the answer worker sends goes into the thread through the assistant's say.
    steps.say.assert_not_called()
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "13%"}}]
    kwargs["send"](Reply(blocks, "13%"))
    kwargs["send"](Reply(blocks, "private", asker_only=True))
    assert steps.say.call_args_list == [call(blocks=blocks, text="13%"), call(blocks=blocks, text="private")]


def test_user_message_with_case_details_gets_a_neutral_title() -> None:
    steps = Mock()
    run_user_message(CASE_QUESTION, steps)
    steps.set_title.assert_called_once_with(assistant.NEUTRAL_TITLE)


def test_an_empty_message_sets_no_title_and_still_gets_the_one_question_path() -> None:
    steps = Mock()
    answerer = run_user_message("<@U0BOT>", steps)
    steps.set_title.assert_not_called()
    assert answerer.answer_later.call_args.args == ("",)  # the Answerer replies with help


def test_a_refused_status_or_title_never_stops_the_answer() -> None:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="",
        req_args={},
        data={"ok": False, "error": "not_allowed"},
        headers={},
        status_code=200,
    )
    refused = SlackApiError("refused", response)
    for failing in ("set_status", "set_title"):
        steps = Mock()
        getattr(steps, failing).side_effect = refused
        answerer = run_user_message(INADEQUATE_QUESTION, steps)
        answerer.answer_later.assert_called_once()


def test_the_context_store_keeps_nothing_and_reads_nothing() -> None:
    store = assistant.NoThreadContextStore()
    store.save(channel_id="D1", thread_ts="1.0", context={"channel_id": "C1"})
    assert store.find(channel_id="D1", thread_ts="1.0") is None


def test_register_adds_the_assistant_with_a_store_that_keeps_nothing() -> None:
    app = Mock()
    assistant.register(app)
    (middleware,) = app.assistant.call_args.args
    assert isinstance(middleware, assistant.Assistant)
    assert isinstance(middleware.thread_context_store, assistant.NoThreadContextStore)
    app.use.assert_called_once_with(assistant.acknowledge_unmatched)


def test_unmatched_assistant_events_are_acknowledged_and_others_passed_on() -> None:
    for event_type in assistant.THREAD_EVENT_TYPES:
        following = Mock()
        body = {"type": "event_callback", "event": {"type": event_type}}
        response = assistant.acknowledge_unmatched(body, following)
        assert response is not None and response.status == 200
        following.assert_not_called()
    following = Mock()
    body = {"type": "event_callback", "event": {"type": "message"}}
    assert assistant.acknowledge_unmatched(body, following) is None
    following.assert_called_once_with()
