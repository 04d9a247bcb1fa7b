"""Real Slack payloads replayed against the real server (issue 26, item 6): each one, copied from
where ``tests/data/slack_payloads/README.md`` says, sent signed over HTTP. What the Slack stand-in
then received (a reply, or nothing) and what the feedback database holds are what is checked, and
every event gets HTTP 200."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from support.answers import INADEQUATE_QUESTION, assert_inadequate_answer
from support.bot_process import RunningServer
from support.server_checks import log_lines, wait_for_log_count
from support.slack_payloads import (
    calls_naming,
    fresh_event,
    load_payload,
    payload_source,
    replace_words,
    send_event,
    send_interaction,
    stored_gap_questions,
)
from support.slack_standin import BOT_ID, BOT_USER_ID, SignedSlackClient, SlackStandin

from bot.slack.listeners import shortcuts
from bot.slack.slack_text import message_text, question_from_slack
from retrieval.knowledge.schema import Knowledge

# The filler words of the samples, replaced by a question the knowledge answers.
FILE_SHARE_WORDS = "message message message"
PLAIN_DM_WORDS = "test"
FORWARDED_WORDS = "blahblahblahblahblah"


def test_every_payload_names_where_it_came_from() -> None:
    for name in (
        "dm_plain",
        "dm_file_share",
        "slackbot_removed_notice",
        "bot_message_subtype",
        "bot_message_bot_profile",
        "app_rate_limited",
        "message_shortcut",
        "forwarded_message",
    ):
        source = payload_source(name)
        assert source.split()[0] in ("MercuryTechnologies/slack-web", "slackapi/bolt-python", "Slack"), name
        assert "_source" not in load_payload(name)


def question_dm(slack: SignedSlackClient, channel: str) -> dict[str, Any]:
    """The real plain DM, in ``channel``, asking the inadequate question."""
    payload = fresh_event(slack, load_payload("dm_plain"), channel)
    payload["event"]["text"] = INADEQUATE_QUESTION
    return payload


def assert_nothing_sent_or_stored(
    slack: SignedSlackClient, standin: SlackStandin, server: RunningServer, channel: str, words: str
) -> None:
    """No call to Slack about ``channel`` and no gap holding ``words``, once a later question (in
    a DM of its own) has been answered and a little more time has passed."""
    sentinel = slack.unique("DSENTINEL")
    assert send_event(slack, question_dm(slack, sentinel)).status == 200
    standin.wait_for_post(sentinel)
    time.sleep(1.0)
    assert not calls_naming(standin, channel), calls_naming(standin, channel)
    assert not [q for q in stored_gap_questions(server) if words in q]


# --- 1. a DM with a file attached -------------------------------------------------------------------


def test_a_dm_with_a_file_attached_is_answered_from_its_text(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    channel = slack.unique("DFILE")
    payload = fresh_event(slack, load_payload("dm_file_share"), channel)
    payload = replace_words(payload, FILE_SHARE_WORDS, INADEQUATE_QUESTION)
    assert payload["event"]["subtype"] == "file_share" and payload["event"]["files"]
    assert send_event(slack, payload).status == 200
    post = standin.wait_for_post(channel)
    assert post.body.get("thread_ts") is None  # in the DM, like any DM
    assert_inadequate_answer(post.body["blocks"], knowledge)


# --- 2. Slackbot, other bots and the app itself ------------------------------------------------------


def slackbot_notice(slack: SignedSlackClient, channel: str) -> dict[str, Any]:
    return fresh_event(slack, load_payload("slackbot_removed_notice"), channel)


def slackbot_notice_in_a_thread(slack: SignedSlackClient, channel: str) -> dict[str, Any]:
    # The same notice under one of the bot's answers: Bolt's assistant middleware sees DM threads.
    payload = slackbot_notice(slack, channel)
    payload["event"]["thread_ts"] = "1664826400.000100"
    return payload


def in_a_dm(payload: dict[str, Any]) -> dict[str, Any]:
    """A sample from a channel, sent in the app's DM, where a person's message would be answered."""
    payload["event"]["channel_type"] = "im"
    return payload


def classic_bot(slack: SignedSlackClient, channel: str) -> dict[str, Any]:
    return in_a_dm(fresh_event(slack, load_payload("bot_message_subtype"), channel))


def app_bot(slack: SignedSlackClient, channel: str) -> dict[str, Any]:
    return in_a_dm(fresh_event(slack, load_payload("bot_message_bot_profile"), channel))


def own_message(slack: SignedSlackClient, channel: str) -> dict[str, Any]:
    """An app's message, as this app's own: the stand-in's bot user and bot ids."""
    payload = app_bot(slack, channel)
    payload["event"].update(user=BOT_USER_ID, bot_id=BOT_ID)
    payload["event"]["bot_profile"]["id"] = BOT_ID
    return payload


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (slackbot_notice, "removed from #testing-slack-app"),
        (slackbot_notice_in_a_thread, "removed from #testing-slack-app"),
        (classic_bot, "p1724954997876929"),
        (app_bot, "Thanks for sharing the info"),
        (own_message, "Thanks for sharing the info"),
    ],
    ids=["slackbot", "slackbot-in-a-thread", "bot_message", "app-with-bot_profile", "own-message"],
)
def test_slackbot_bots_and_the_apps_own_messages_are_neither_answered_nor_stored(
    make: Any,
    words: str,
    slack: SignedSlackClient,
    standin: SlackStandin,
    bot_server: RunningServer,
) -> None:
    channel = slack.unique("DNOTICE")
    payload = make(slack, channel)
    assert words in payload["event"]["text"]
    assert send_event(slack, payload).status == 200
    assert_nothing_sent_or_stored(slack, standin, bot_server, channel, words)


# --- 3. app_rate_limited ---------------------------------------------------------------------------


def test_app_rate_limited_is_acknowledged_with_200_and_logged(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    payload = load_payload("app_rate_limited")
    assert "event" not in payload
    logged_before = len(log_lines(bot_server, "app_rate_limited"))
    sent_before = len(standin.calls)
    result = send_event(slack, payload)
    assert result.status == 200 and result.body == ""
    line = wait_for_log_count(bot_server, "app_rate_limited", logged_before + 1)[-1]
    assert "team_id=T123456" in line and "minute_rate_limited=1518467820" in line
    assert "WARNING" in line
    assert not [c for c in standin.calls[sent_before:] if "T123456" in str(c.body)]


# --- 4. events without an event_id ------------------------------------------------------------------


def without_ids(payload: dict[str, Any]) -> dict[str, Any]:
    """The event with neither an ``event_id`` nor a ``client_msg_id``: only itself to go by."""
    payload.pop("event_id")
    payload["event"].pop("client_msg_id")
    return payload


def test_events_without_an_event_id_are_each_answered_once(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    first, second = slack.unique("DNOID"), slack.unique("DNOID")
    first_dm = without_ids(question_dm(slack, first))
    second_dm = without_ids(question_dm(slack, second))
    assert send_event(slack, first_dm).status == 200
    assert send_event(slack, second_dm).status == 200
    assert send_event(slack, copy.deepcopy(first_dm)).status == 200  # Slack sending it again
    for channel in (first, second):
        assert_inadequate_answer(standin.wait_for_post(channel).body["blocks"], knowledge)
    time.sleep(1.0)  # a repeat would have been answered by now
    for channel in (first, second):
        assert len(standin.matching(lambda c, ch=channel: c.body.get("channel") == ch)) == 1


# --- 5. the message shortcut on a forwarded message --------------------------------------------------


def forwarded_message(where: str) -> dict[str, Any]:
    """The forwarded message (the words asked in place of the sample's), as a shortcut's
    ``message``; its content left only in ``where``: the attachment's text (as Slack sends it),
    its ``message_blocks``, or its ``fallback``."""
    event = replace_words(load_payload("forwarded_message")["event"], FORWARDED_WORDS, INADEQUATE_QUESTION)
    message = {k: v for k, v in event.items() if k not in ("channel", "event_ts", "channel_type")}
    attachment = message["attachments"][0]
    if where in ("message_blocks", "fallback"):
        del attachment["text"]
    if where == "fallback":
        del attachment["message_blocks"]
    assert message["text"] == ""
    return message


@pytest.mark.parametrize("where", ["text", "message_blocks", "fallback"])
def test_the_forwarded_messages_words_are_read_from_its_attachment(where: str) -> None:
    assert question_from_slack(message_text(forwarded_message(where))) == INADEQUATE_QUESTION


@pytest.mark.parametrize("where", ["text", "message_blocks", "fallback"])
def test_the_shortcut_on_a_forwarded_message_asks_what_it_forwards(
    where: str, slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    name = slack.unique("forwarded-")
    payload = load_payload("message_shortcut")
    message = forwarded_message(where)
    payload.update(
        callback_id=shortcuts.CALLBACK_ID,
        response_url=standin.response_url(name),
        trigger_id=slack.unique("trigger."),
        message_ts=message["ts"],
        message=message,
    )
    result = send_interaction(slack, payload)
    assert result.status == 200 and result.body == ""
    response = standin.wait_for_response(name).body
    assert response["response_type"] == "ephemeral"
    assert response["text"] != shortcuts.NO_TEXT_TEXT
    assert_inadequate_answer(response["blocks"], knowledge)


def test_a_message_forwarded_to_the_dm_is_answered_from_what_it_forwards(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    channel = slack.unique("DFORWARD")
    payload = in_a_dm(fresh_event(slack, load_payload("forwarded_message"), channel))
    payload = replace_words(payload, FORWARDED_WORDS, INADEQUATE_QUESTION)
    assert payload["event"]["text"] == ""
    assert send_event(slack, payload).status == 200
    assert_inadequate_answer(standin.wait_for_post(channel).body["blocks"], knowledge)
