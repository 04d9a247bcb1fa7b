"""App mentions (answered in a thread) and direct messages (answered in the DM).

Every ``message`` event is handled (most by doing nothing) so Slack always gets a 200.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Say
from slack_sdk import WebClient

from bot.slack.answering import Answerer, Reply
from bot.slack.slack_text import question_from_slack
from bot.slack.threads import ThreadKey

log = logging.getLogger(__name__)


def is_question_for_bot(event: dict[str, Any]) -> bool:
    """A person's own new message: not a bot, not an edit, join or other subtype.

    (Bolt already drops the app's own messages.)"""
    return (
        not event.get("subtype")
        and not event.get("bot_id")
        and not event.get("bot_profile")
        and bool(event.get("user"))
    )


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
    if not is_question_for_bot(event):
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
    if event.get("channel_type") != "im" or not is_question_for_bot(event):
        return
    answerer: Answerer = context["answerer"]
    answerer.answer_later(
        question_from_slack(event.get("text") or ""),
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
