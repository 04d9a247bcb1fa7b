"""App mentions (answered in a thread) and direct messages (answered in the DM).

Slack re-sends an event it thinks failed; ``skip_repeated_events`` answers each question once.
Every ``message`` event is handled (most by doing nothing) so Slack always gets a 200.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse, Say
from slack_sdk import WebClient

from bot.answering import Answerer, RecentIds, Reply, question_from_slack

log = logging.getLogger(__name__)


def is_question_for_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A person's own new message: not a bot, not the app itself, not an edit, join or other subtype."""
    return (
        not event.get("subtype")
        and not event.get("bot_id")
        and not event.get("bot_profile")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
    )


def send_reply(
    reply: Reply, say: Say, client: WebClient, event: dict[str, Any], thread_ts: str | None
) -> None:
    """In the thread or DM; a private reply (personal data found) only to the asker."""
    if reply.private:
        client.chat_postEphemeral(
            channel=event["channel"], user=event["user"], thread_ts=thread_ts, **reply.as_kwargs()
        )
    else:
        say(**reply.as_kwargs(), thread_ts=thread_ts)


# The event types the app subscribes to and answers (manifest.yml: app_mention, message.im).
HANDLED_EVENT_TYPES = ("app_mention", "message")


def register(app: App, answerer: Answerer, recent_events: RecentIds) -> None:
    @app.middleware
    def skip_other_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        """A 200 and nothing else for an event of another type (reaction_added…): Bolt would
        answer 404, and Slack retries what is not acknowledged."""
        if body.get("type") == "event_callback":
            event = body.get("event")
            if not isinstance(event, dict) or event.get("type") not in HANDLED_EVENT_TYPES:
                return BoltResponse(status=200, body="")
        next()
        return None

    @app.middleware
    def skip_repeated_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        """Acknowledge, and do nothing else for, an event already seen (by event_id or message id)."""
        if body.get("type") == "event_callback":
            event = body.get("event") or {}
            ids = [f"event:{body.get('event_id', '')}"]
            if event.get("client_msg_id"):
                ids.append(f"message:{event['client_msg_id']}")
            if not recent_events.first_time(*ids):
                log.info("skipped repeated event event_id=%s", body.get("event_id"))
                return BoltResponse(status=200, body="")
        next()
        return None

    @app.event("app_mention")
    def answer_mention(event: dict[str, Any], say: Say, client: WebClient, context: dict[str, Any]) -> None:
        if not is_question_for_bot(event, context.get("bot_user_id")):
            return
        in_thread = event.get("thread_ts") or event["ts"]
        answerer.answer_later(
            question_from_slack(event.get("text") or ""),
            kind="mention",
            request_id=context["request_id"],
            ephemeral=False,
            user_id=event.get("user", ""),
            send=lambda reply: send_reply(reply, say, client, event, thread_ts=in_thread),
        )

    @app.event("message")
    def answer_direct_message(
        event: dict[str, Any], say: Say, client: WebClient, context: dict[str, Any]
    ) -> None:
        """Every message event lands here (so Slack gets a 200); only a person's DM is answered."""
        if event.get("channel_type") != "im" or not is_question_for_bot(event, context.get("bot_user_id")):
            return
        answerer.answer_later(
            question_from_slack(event.get("text") or ""),
            kind="dm",
            request_id=context["request_id"],
            ephemeral=False,
            user_id=event.get("user", ""),
            send=lambda reply: send_reply(reply, say, client, event, thread_ts=event.get("thread_ts")),
        )
