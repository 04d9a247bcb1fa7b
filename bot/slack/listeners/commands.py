"""``/ofsted <question>``: acknowledged at once, answered ephemerally through ``respond()``.

``/ofsted reload``, ``/ofsted status`` and ``/ofsted gaps`` are for admins (ADMIN_USER_IDS).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.slack.admin import ADMIN_SUBCOMMANDS, Admin
from bot.slack.answering import Answerer, apology_on_error
from bot.slack.slack_text import question_from_slack

COMMAND = "/ofsted"


def answer_command(ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
    ack()
    answerer: Answerer = context["answerer"]
    admin: Admin = context["admin"]
    question = question_from_slack(command.get("text") or "")
    user_id = command.get("user_id", "")
    if question.lower() in ADMIN_SUBCOMMANDS:
        with apology_on_error(context["request_id"], respond):
            reply_blocks, text = admin.run(question.lower(), user_id)
            respond(blocks=reply_blocks, text=text, response_type="ephemeral")
        return
    answerer.answer_later(
        question,
        kind="command",
        request_id=context["request_id"],
        ephemeral=True,
        send=lambda reply: respond(**reply.as_kwargs(), response_type="ephemeral"),
        user_id=user_id,
    )


def register(app: App) -> None:
    app.command(COMMAND)(answer_command)
