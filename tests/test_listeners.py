"""Each listener callback on its own, with mocked ``ack``/``respond``/``say`` (the way the
bolt-python starter template tests its listeners): it acknowledges first and hands the question
to the one question path with the right kind, privacy and thread. The real path, over signed
HTTP requests, is tested in test_slack_requests.py and the surface tests."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock, call

from support.slack_payloads import load_payload

from bot.slack.admin import Admin
from bot.slack.answering import Answerer, Reply
from bot.slack.listeners import actions, commands, events
from bot.slack.threads import ThreadKey


def services(**extra: Any) -> dict[str, Any]:
    return {"answerer": Mock(spec=Answerer), "admin": Mock(spec=Admin), "request_id": "req-1", **extra}


def test_slash_command_acks_then_answers_ephemerally() -> None:
    ack, respond, context = Mock(), Mock(), services()
    steps = Mock()
    steps.attach_mock(ack, "ack")
    steps.attach_mock(context["answerer"].answer_later, "answer_later")
    command = {"text": "how many children are in care &amp; why?", "user_id": "U1"}
    commands.answer_command(ack=ack, command=command, respond=respond, context=context)
    assert [c[0] for c in steps.mock_calls] == ["ack", "answer_later"]
    (question,), kwargs = context["answerer"].answer_later.call_args
    assert question == "how many children are in care & why?"
    assert kwargs["kind"] == "command" and kwargs["ephemeral"] is True and kwargs["user_id"] == "U1"
    assert "thread" not in kwargs  # a slash command stands alone
    kwargs["send"](Reply([], "x"))
    respond.assert_called_once_with(blocks=[], text="x", response_type="ephemeral")


def test_slash_command_admin_subcommand_goes_to_the_admin_tools() -> None:
    ack, respond, context = Mock(), Mock(), services()
    context["admin"].run.return_value = ([{"type": "section"}], "Knowledge status")
    commands.answer_command(
        ack=ack, command={"text": " STATUS ", "user_id": "U2"}, respond=respond, context=context
    )
    ack.assert_called_once_with()
    context["admin"].run.assert_called_once_with("status", "U2")
    respond.assert_called_once_with(
        blocks=[{"type": "section"}], text="Knowledge status", response_type="ephemeral"
    )
    context["answerer"].answer_later.assert_not_called()


def test_slash_command_admin_failure_becomes_an_apology_not_an_exception() -> None:
    ack, respond, context = Mock(), Mock(), services()
    context["admin"].run.side_effect = RuntimeError("disk gone")
    commands.answer_command(
        ack=ack, command={"text": "reload", "user_id": "U2"}, respond=respond, context=context
    )
    assert respond.call_args.kwargs["response_type"] == "ephemeral"
    assert "went wrong" in respond.call_args.kwargs["text"]


def test_mention_is_answered_in_its_thread_with_the_thread_as_context() -> None:
    say, client, context = Mock(), Mock(), services()
    event = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@U0BOT> and RI?",
        "ts": "5.0",
        "thread_ts": "1.0",
        "channel": "C1",
    }
    events.answer_mention(event=event, say=say, client=client, context=context)
    (question,), kwargs = context["answerer"].answer_later.call_args
    assert question == "and RI?" and kwargs["kind"] == "mention" and kwargs["ephemeral"] is False
    assert kwargs["thread"] == ThreadKey("C1", "1.0")
    kwargs["send"](Reply([], "public"))
    kwargs["send"](Reply([], "private", asker_only=True))
    assert say.call_args == call(blocks=[], text="public", thread_ts="1.0")
    client.chat_postEphemeral.assert_called_once_with(
        channel="C1", user="U1", thread_ts="1.0", blocks=[], text="private"
    )


def test_a_new_mention_starts_its_own_thread() -> None:
    context = services()
    event = {"type": "app_mention", "user": "U1", "text": "<@U0BOT> hi", "ts": "7.0", "channel": "C1"}
    events.answer_mention(event=event, say=Mock(), client=Mock(), context=context)
    assert context["answerer"].answer_later.call_args.kwargs["thread"] == ThreadKey("C1", "7.0")


def test_direct_message_is_answered_with_the_dm_as_context_and_others_are_ignored() -> None:
    context = services()
    dm = {
        "type": "message",
        "channel_type": "im",
        "user": "U1",
        "text": "source?",
        "ts": "2.0",
        "channel": "D1",
    }
    events.answer_direct_message(event=dm, say=Mock(), client=Mock(), context=context)
    kwargs = context["answerer"].answer_later.call_args.kwargs
    assert kwargs["kind"] == "dm" and kwargs["thread"] == ThreadKey("D1", "", in_dm=True)
    for ignored in (
        {**dm, "channel_type": "channel"},
        {**dm, "subtype": "message_changed"},
        {**dm, "bot_id": "B1"},
        {**dm, "subtype": "bot_message"},
        {**dm, "user": "USLACKBOT"},  # Slackbot's notices: no bot_id
        {**dm, "user": "U0BOT"},  # the app's own user (Bolt's authorization puts it in the context)
        {key: value for key, value in dm.items() if key != "user"},
    ):
        context["answerer"].answer_later.reset_mock()
        events.answer_direct_message(
            event=ignored, say=Mock(), client=Mock(), context={**context, "bot_user_id": "U0BOT"}
        )
        context["answerer"].answer_later.assert_not_called()


def test_real_payloads_a_file_share_is_a_question_and_slackbot_or_a_bot_never_is() -> None:
    """The real events (tests/data/slack_payloads/): a DM with a file attached is a person's
    question; Slackbot's notice and bots' messages are not, wherever they are."""
    file_share = load_payload("dm_file_share")["event"]
    assert file_share["subtype"] == "file_share"
    assert events.is_question_for_bot(file_share, {"bot_user_id": "U0442US8QGH"})
    # A thread reply also sent to the channel is a person's new message too (as Bolt reads it).
    assert events.is_question_for_bot({**file_share, "subtype": "thread_broadcast"})
    context = services()
    events.answer_direct_message(event=file_share, say=Mock(), client=Mock(), context=context)
    (question,), kwargs = context["answerer"].answer_later.call_args
    assert question == "message message message" and kwargs["kind"] == "dm"
    for name in ("slackbot_removed_notice", "bot_message_subtype", "bot_message_bot_profile"):
        event = load_payload(name)["event"]
        assert not events.is_from_a_person(event), name
        assert not events.is_question_for_bot(event), name
        context = services()
        events.answer_mention(event=event, say=Mock(), client=Mock(), context=context)
        events.answer_direct_message(
            event={**event, "channel_type": "im"}, say=Mock(), client=Mock(), context=context
        )
        context["answerer"].answer_later.assert_not_called()


def test_button_callbacks_ack_first_and_never_raise() -> None:
    for callback in (actions.on_did_you_mean, actions.on_share, actions.on_feedback):
        ack, respond, context = Mock(), Mock(), services()
        context["answerer"].holder = Mock(index=None)
        context["answerer"].store = None
        body: dict[str, Any] = {"user": {"id": "U1"}, "container": {}}
        kwargs: dict[str, Any] = {
            "ack": ack,
            "action": {"value": "not json"},
            "body": body,
            "respond": respond,
        }
        if callback is actions.on_did_you_mean:
            kwargs["client"] = Mock()
        callback(**kwargs, context=context)  # a forged value: handled, not raised
        ack.assert_called_once_with()
        assert respond.called, callback.__name__
        assert respond.call_args.kwargs["response_type"] == "ephemeral"


def test_unknown_buttons_are_acknowledged_and_change_nothing() -> None:
    ack = Mock()
    actions.ignore_unknown_action(ack=ack, context={"request_id": "req-2"})
    ack.assert_called_once_with()
