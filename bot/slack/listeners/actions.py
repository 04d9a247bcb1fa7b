"""Button clicks: "Did you mean…", "Share in channel", and 👍 / 👎."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack import blocks
from bot.slack.answering import Answerer, apology_on_error
from retrieval.matching.answer import Answer, answer_fact

log = logging.getLogger(__name__)

GONE_TEXT = "That fact is no longer in the knowledge base. Please ask again."


def _clicked_in_ephemeral(body: dict[str, Any]) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def rebuild_shared_answer(answerer: Answerer, shared: blocks.SharedAnswer) -> Answer | None:
    """The answer a "Share in channel" button was attached to, from its fact ids (None if gone)."""
    index = answerer.holder.index
    if index is None:
        return None
    items = []
    for fact_id, role in shared.facts:
        single = answer_fact(index, fact_id, shared.question)
        if single is None or single.best is None:
            continue
        items.append(replace(single.best, role="other_edition" if role == "other_edition" else "best"))
    if not items:
        return None
    return Answer(question=shared.question, answered=True, answers=tuple(items))


def answer_chosen_fact(
    answerer: Answerer, value: str, body: dict[str, Any], respond: Respond, client: WebClient, request_id: str
) -> None:
    """Answer the chosen fact where the question was asked: privately, or in the thread or DM."""
    started = time.perf_counter()
    chosen = blocks.parse_did_you_mean_value(value)
    index = answerer.holder.index
    answer = answer_fact(index, chosen.fact_id, chosen.question) if index is not None else None
    if index is None or answer is None:
        respond(text=GONE_TEXT, response_type="ephemeral", replace_original=False)
        return
    answerer.log_answer(answer, kind="did_you_mean", request_id=request_id, started=started)
    ephemeral = _clicked_in_ephemeral(body)
    reply_blocks = blocks.answer_blocks(answer, knowledge=index.knowledge, ephemeral=ephemeral)
    reply_text = blocks.answer_text(answer)
    if ephemeral:
        respond(blocks=reply_blocks, text=reply_text, response_type="ephemeral", replace_original=False)
        return
    container = body.get("container") or {}
    client.chat_postMessage(
        blocks=reply_blocks,
        text=reply_text,
        channel=(body.get("channel") or {}).get("id") or container.get("channel_id") or "",
        thread_ts=(body.get("message") or {}).get("thread_ts"),
    )


def share_in_channel(
    answerer: Answerer, value: str, body: dict[str, Any], respond: Respond, request_id: str
) -> None:
    """Post the same answer visibly in the channel, saying who shared it."""
    answer = rebuild_shared_answer(answerer, blocks.parse_share_value(value))
    if answer is None:
        respond(text=GONE_TEXT, response_type="ephemeral", replace_original=False)
        return
    respond(
        blocks=blocks.answer_blocks(answer, shared_by=(body.get("user") or {}).get("id")),
        text=blocks.answer_text(answer),
        response_type="in_channel",
        replace_original=False,
    )
    log.info("shared answer request_id=%s fact_id=%s", request_id, answer.answers[0].fact.id)


def record_feedback(
    answerer: Answerer, value: str, body: dict[str, Any], respond: Respond, request_id: str
) -> None:
    """Record a 👍 / 👎 (one vote per user per answer: a second click replaces the first), say thanks."""
    vote = blocks.parse_feedback_value(value)
    container = body.get("container") or {}
    answer_key = f"{container.get('channel_id', '')}:{container.get('message_ts', '')}"
    user_id = (body.get("user") or {}).get("id", "")
    if answerer.store is not None and vote.fact_ids:
        try:
            answerer.store.record_vote(
                user_id, vote.fact_ids[0], vote.question, "up" if vote.helpful else "down", answer_key
            )
        except Exception:
            log.exception("could not record feedback request_id=%s", request_id)
    log.info(
        "feedback request_id=%s helpful=%s answered=%s fact_id=%s",
        request_id,
        vote.helpful,
        vote.answered,
        vote.fact_ids[0] if vote.fact_ids else "-",
    )
    respond(text=blocks.FEEDBACK_THANKS_TEXT, response_type="ephemeral", replace_original=False)


def on_did_you_mean(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: dict[str, Any],
) -> None:
    ack()
    with apology_on_error(context["request_id"], respond):
        answer_chosen_fact(context["answerer"], action["value"], body, respond, client, context["request_id"])


def on_share(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    ack()
    with apology_on_error(context["request_id"], respond):
        share_in_channel(context["answerer"], action["value"], body, respond, context["request_id"])


def on_feedback(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    ack()
    with apology_on_error(context["request_id"], respond):
        record_feedback(context["answerer"], action["value"], body, respond, context["request_id"])


def ignore_unknown_action(ack: Ack, context: dict[str, Any]) -> None:
    """A click on a button this version did not make (an old message, a forged payload) is
    acknowledged, so Slack shows no error, and changes nothing."""
    ack()
    log.info("ignored unknown action request_id=%s", context["request_id"])


def register(app: App) -> None:
    app.action(blocks.DID_YOU_MEAN_ACTION_PATTERN)(on_did_you_mean)
    app.action(blocks.SHARE_ACTION)(on_share)
    app.action(blocks.FEEDBACK_ACTION_PATTERN)(on_feedback)
    # Registered last: Bolt runs the first listener that matches.
    app.action(re.compile(r".*"))(ignore_unknown_action)
