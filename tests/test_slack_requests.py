"""Signed HTTP requests against the real server (``ofsted-bot serve``, real model, HTTP mode), as
Slack sends them: ``/ofsted``, events, buttons, request verification, ``/healthz`` and the log. The
Slack stand-in records what the user would see."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from support.answers import INADEQUATE_QUESTION, assert_inadequate_answer
from support.bot_process import TEST_BOT_TOKEN, TEST_SIGNING_SECRET, RunningServer
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
from support.slack_standin import ASKER_ID, BOT_ID, BOT_USER_ID, SignedSlackClient, SlackStandin, http_request

from bot.slack.blocks import FEEDBACK_THANKS_TEXT
from retrieval.knowledge.schema import Knowledge
from retrieval.matching.answer import DECLINE_TEXT

OUT_OF_SCOPE_QUESTION = "what's the best pizza near the office"


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
