"""The message shortcut "Ask the Ofsted bot": the message's text asked as a question (of a
forwarded message, whose own text is empty, the text of the message it shares).

Acknowledged at once and answered only to the person who used it, through the shortcut's
``response_url`` — as ``/ofsted`` is, with its "Share in channel" button.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.slack import blocks
from bot.slack.answering import Answerer, Reply, apology_on_error, respond_privately
from bot.slack.slack_text import message_text, question_from_slack

CALLBACK_ID = "ask_ofsted_bot"  # manifest.yml
NO_TEXT_TEXT = (
    "There's no text in that message to ask about (an image or a file on its own, say). "
    "Use the shortcut on a message with a question in it, or ask with /ofsted."
)


def answer_message_shortcut(
    ack: Ack, body: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    ack()
    request_id: str = context["request_id"]
    send = respond_privately(respond)
    with apology_on_error(request_id, respond):
        message = body.get("message") or {}
        question = question_from_slack(message_text(message))
        if not question:
            # Not the help an empty /ofsted gets: the user did ask, of a message without words.
            send(Reply(blocks.plain_blocks(NO_TEXT_TEXT), NO_TEXT_TEXT))
            return
        answerer: Answerer = context["answerer"]
        answerer.answer_later(
            question,
            kind="shortcut",
            request_id=request_id,
            ephemeral=True,
            user_id=(body.get("user") or {}).get("id", ""),
            send=send,
        )


def register(app: App) -> None:
    app.shortcut(CALLBACK_ID)(answer_message_shortcut)
