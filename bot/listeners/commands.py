"""``/ofsted <question>``: acknowledged at once, answered ephemerally through ``respond()``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.app import Answerer, question_from_slack

COMMAND = "/ofsted"


def register(app: App, answerer: Answerer) -> None:
    @app.command(COMMAND)
    def answer_command(ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
        ack()
        answerer.answer_later(
            question_from_slack(command.get("text") or ""),
            kind="command",
            request_id=context["request_id"],
            ephemeral=True,
            send=lambda reply: respond(**reply.as_kwargs(), response_type="ephemeral"),
        )
