"""``/ofsted <question>``: acknowledged at once, answered ephemerally through ``respond()``.

``/ofsted reload``, ``/ofsted status`` and ``/ofsted gaps`` are for admins (ADMIN_USER_IDS).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot import blocks
from bot.answering import Admin, Answerer, apology_on_error, question_from_slack

COMMAND = "/ofsted"
ADMIN_SUBCOMMANDS = ("reload", "status", "gaps")


def run_admin_subcommand(admin: Admin, subcommand: str, user_id: str) -> tuple[list[blocks.Block], str]:
    """The ephemeral reply to an admin subcommand; a refusal (changing nothing) for anyone else."""
    if not admin.is_admin(user_id):
        return blocks.admin_refusal_blocks(bool(admin.settings.admin_user_ids)), blocks.ADMIN_REFUSAL_TEXT
    if subcommand == "reload":
        if admin.reloader is None:
            return blocks.plain_blocks("Reloading is not available in this process."), "Reload unavailable"
        result = admin.reloader.reload("command")
        return blocks.reload_result_blocks(result), result.summary()
    if subcommand == "status":
        return blocks.status_blocks(admin.holder.index, admin.reloader, admin.settings), "Knowledge status"
    return blocks.gaps_blocks(admin.gaps_report()), "Knowledge gaps"


def register(app: App, answerer: Answerer, admin: Admin) -> None:
    @app.command(COMMAND)
    def answer_command(ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
        ack()
        question = question_from_slack(command.get("text") or "")
        user_id = command.get("user_id", "")
        if question.lower() in ADMIN_SUBCOMMANDS:
            with apology_on_error(context["request_id"], respond):
                reply_blocks, text = run_admin_subcommand(admin, question.lower(), user_id)
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
