"""App mentions (answered in a thread) and direct messages (answered in the DM).

Every ``message`` event is handled (most by doing nothing) so Slack always gets a 200. Only a
person's own new message is a question: never a bot's, Slackbot's or the app's own (none of them
is answered, so none is ever stored as a gap either), nor an edit, join or other notice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import App, Say
from slack_sdk import WebClient

from bot.slack.answering import Answerer, Reply
from bot.slack.slack_text import message_text, question_from_slack
from bot.slack.threads import ThreadKey

log = logging.getLogger(__name__)

# Slackbot's own user id: its notices in the bot's DM ("You have been removed from #…") carry it
# and no bot_id.
SLACKBOT_USER_ID = "USLACKBOT"
# Subtypes of a person's new message, as Bolt's ``app.message`` reads them: a message with files
# attached ("file_share", the question is its text) and a thread reply also sent to the channel.
# Every other subtype is a notice (join, edit, deletion…) or a bot's ("bot_message").
PERSON_MESSAGE_SUBTYPES = ("file_share", "thread_broadcast")


def is_from_a_person(event: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> bool:
    """Sent by a person: not a bot (``bot_id``, ``bot_profile``, subtype ``bot_message``), not
    Slackbot, not the app itself (``context``'s ``bot_user_id``, as Bolt's authorization found
    it; Bolt drops the app's own messages already)."""
    user = event.get("user")
    return (
        bool(user)
        and user not in (SLACKBOT_USER_ID, (context or {}).get("bot_user_id"))
        and event.get("subtype") != "bot_message"
        and not event.get("bot_id")
        and not event.get("bot_profile")
    )


def is_question_for_bot(event: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> bool:
    """A person's own new message (with files attached or not): not a bot's, Slackbot's or the
    app's, not an edit, join or other notice."""
    subtype = event.get("subtype")
    return (not subtype or subtype in PERSON_MESSAGE_SUBTYPES) and is_from_a_person(event, context)


def send_reply(
    reply: Reply, say: Say, client: WebClient, event: dict[str, Any], thread_ts: str | None
) -> None:
    """In the thread or DM; a private reply (personal data found) only to the asker."""
    if reply.asker_only:
        client.chat_postEphemeral(
            channel=event["channel"], user=event["user"], thread_ts=thread_ts, **reply.as_kwargs()
        )
    else:
        say(**reply.as_kwargs(), thread_ts=thread_ts)


def answer_mention(event: dict[str, Any], say: Say, client: WebClient, context: dict[str, Any]) -> None:
    if not is_question_for_bot(event, context):
        return
    answerer: Answerer = context["answerer"]
    in_thread = event.get("thread_ts") or event["ts"]
    answerer.answer_later(
        question_from_slack(event.get("text") or ""),
        kind="mention",
        request_id=context["request_id"],
        ephemeral=False,
        user_id=event.get("user", ""),
        send=lambda reply: send_reply(reply, say, client, event, thread_ts=in_thread),
        thread=ThreadKey(event.get("channel", ""), in_thread),
    )


def answer_direct_message(
    event: dict[str, Any], say: Say, client: WebClient, context: dict[str, Any]
) -> None:
    """Every message event lands here (so Slack gets a 200); only a person's DM is answered."""
    if event.get("channel_type") != "im" or not is_question_for_bot(event, context):
        return
    answerer: Answerer = context["answerer"]
    answerer.answer_later(
        # a forwarded message's words are in its attachment, its own text empty
        question_from_slack(message_text(event)),
        kind="dm",
        request_id=context["request_id"],
        ephemeral=False,
        user_id=event.get("user", ""),
        send=lambda reply: send_reply(reply, say, client, event, thread_ts=event.get("thread_ts")),
        thread=ThreadKey(event.get("channel", ""), event.get("thread_ts") or "", in_dm=True),
    )


def register(app: App) -> None:
    app.event("app_mention")(answer_mention)
    app.event("message")(answer_direct_message)
