"""The assistant panel (Slack's AI app view), through Bolt's ``Assistant`` middleware.

A new thread gets three example questions from the knowledge as suggested prompts and a short
greeting. A question in the thread shows "Looking in the Ofsted report…", titles the thread, and
is answered in it through the one question path (``Answerer.answer_later``).

Bolt's ``Assistant`` takes every person's message in a DM *thread* (its matcher cannot tell an
assistant thread from a threaded reply in the Messages tab) and does not pass it on, so the DM
listener in ``events`` only ever sees top-level DMs. Status and title are therefore best-effort:
outside an assistant thread Slack refuses them, and the question is still answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import (
    App,
    Assistant,
    AssistantThreadContext,
    AssistantThreadContextStore,
    BoltResponse,
    Say,
    SetStatus,
    SetSuggestedPrompts,
    SetTitle,
)
from slack_sdk.errors import SlackApiError

from bot.slack import blocks
from bot.slack.answering import Answerer, Reply
from bot.slack.listeners.events import is_from_a_person
from bot.slack.slack_text import question_from_slack
from bot.slack.threads import ThreadKey
from retrieval.safety.screening import clean_question, screen_question

log = logging.getLogger(__name__)

STATUS_TEXT = "Looking in the Ofsted report…"
GREETING_TEXT = (
    "Hello! Ask me about Ofsted's annual report on children's social care: I answer with the "
    "exact figure, a verbatim quote and its source. Try one of the suggestions, or type a question."
)
PROMPTS_TITLE = "Try asking:"
# The thread's title in the panel's history: a glance, not the whole question.
MAX_TITLE_CHARS = 60
# A suggested prompt's label; the prompt sends the whole question.
MAX_PROMPT_TITLE_CHARS = 75
# For a question with personal data in it: the bot never repeats that, not even as a title.
NEUTRAL_TITLE = "A question about Ofsted's annual report"
THREAD_EVENT_TYPES = ("assistant_thread_started", "assistant_thread_context_changed")


class NoThreadContextStore(AssistantThreadContextStore):
    """Keeps no channel context: an answer depends on the question and the thread's last turn
    (which ``Answerer`` keeps, for follow-ups), never on the channel the user is looking at.
    (Bolt's default store would cost a ``conversations.replies`` on every reply and a
    ``chat.update`` on every context change, for nothing.)"""

    def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        return None

    def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        return None


def suggested_prompts(answerer: Answerer) -> list[dict[str, str]]:
    """Three example questions from the loaded knowledge (none while it is still loading)."""
    index = answerer.holder.index
    if index is None:
        return []
    return [
        {"title": blocks.truncate(question, MAX_PROMPT_TITLE_CHARS), "message": question}
        for question in blocks.example_questions(index.knowledge, 3)
    ]


def start_thread(set_suggested_prompts: SetSuggestedPrompts, say: Say, context: dict[str, Any]) -> None:
    """``assistant_thread_started``: example questions as suggested prompts, and a greeting."""
    prompts = suggested_prompts(context["answerer"])
    if prompts:
        set_suggested_prompts(prompts=prompts, title=PROMPTS_TITLE)
    say(text=GREETING_TEXT)


def acknowledge_context_change() -> None:
    """``assistant_thread_context_changed``: nothing to keep (see ``NoThreadContextStore``)."""


def thread_title(question: str) -> str:
    """The question, cut short; a neutral title when it holds personal data."""
    if screen_question(question).kinds:
        return NEUTRAL_TITLE
    return blocks.truncate(clean_question(question), MAX_TITLE_CHARS)


def show_progress(set_status: SetStatus, set_title: SetTitle, question: str, request_id: str) -> None:
    """The status line and the thread's title; neither may stop the answer."""
    try:
        set_status(status=STATUS_TEXT)
        if clean_question(question):
            set_title(thread_title(question))
    except Exception as error:  # best-effort: the answer matters more than the decoration
        reason = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
        log.warning("assistant status or title failed request_id=%s error=%s", request_id, reason)


def send_in_thread(reply: Reply, say: Say) -> None:
    """In the assistant thread. A private reply (personal data found) may go there too: the thread
    is in the user's DM with the bot, where nobody else can see it."""
    say(**reply.as_kwargs())


def answer_in_assistant_thread(
    question: str, *, answerer: Answerer, request_id: str, user_id: str, say: Say, thread: ThreadKey | None
) -> None:
    """Every question asked in an assistant thread: the one question path, answered in the thread
    and read as a follow-up of the thread's last question."""
    answerer.answer_later(
        question,
        kind="assistant",
        request_id=request_id,
        ephemeral=False,
        user_id=user_id,
        send=lambda reply: send_in_thread(reply, say),
        thread=thread,
    )


def answer_user_message(
    payload: dict[str, Any],
    say: Say,
    set_status: SetStatus,
    set_title: SetTitle,
    context: dict[str, Any],
) -> None:
    """A person's message in an assistant thread (Bolt has acknowledged it already)."""
    question = question_from_slack(payload.get("text") or "")
    request_id = context["request_id"]
    show_progress(set_status, set_title, question, request_id)
    answer_in_assistant_thread(
        question,
        answerer=context["answerer"],
        request_id=request_id,
        user_id=payload.get("user", ""),
        say=say,
        thread=ThreadKey(payload["channel"], payload["thread_ts"], in_dm=True)
        if payload.get("channel") and payload.get("thread_ts")
        else None,
    )


def has_thread(payload: dict[str, Any]) -> bool:
    """An assistant event that names its DM and thread: Bolt's helpers fail without both."""
    thread = payload.get("assistant_thread")
    return isinstance(thread, dict) and bool(thread.get("channel_id")) and bool(thread.get("thread_ts"))


def has_channel(payload: dict[str, Any], context: dict[str, Any]) -> bool:
    """A person's message that names its DM (Bolt's matcher already checked the thread). Another
    one (Slackbot's, say) goes on to the DM listener, which leaves it unanswered."""
    return bool(payload.get("channel")) and is_from_a_person(payload, context)


def acknowledge_unmatched(body: dict[str, Any], next: Callable[[], Any]) -> BoltResponse | None:
    """Middleware after the ``Assistant``: an assistant event its matchers left (one without its
    thread) gets a 200 and nothing else. (A listener would not do: Bolt gives every listener the
    conversation helpers, which raise on such an event.)"""
    event = body.get("event") if body.get("type") == "event_callback" else None
    if isinstance(event, dict) and event.get("type") in THREAD_EVENT_TYPES:
        return BoltResponse(status=200, body="")
    next()
    return None


def build_assistant() -> Assistant:
    assistant = Assistant(thread_context_store=NoThreadContextStore())
    # Bolt adds these to its own matcher as a list, though its hint says one matcher.
    assistant.thread_started(start_thread, matchers=[has_thread])  # type: ignore[arg-type]
    assistant.thread_context_changed(acknowledge_context_change, matchers=[has_thread])  # type: ignore[arg-type]
    assistant.user_message(answer_user_message, matchers=[has_channel])  # type: ignore[arg-type]
    return assistant


def register(app: App) -> None:
    app.assistant(build_assistant())
    app.use(acknowledge_unmatched)
