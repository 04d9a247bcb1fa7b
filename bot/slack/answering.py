"""The one question path of the Slack edge, shared by every listener.

Every question — slash command, mention, DM, assistant panel, shortcut — goes through
``Answerer.answer_later``: limits, the core's ``answer_in_thread`` (a follow-up is read with its
thread's last turn, kept in ``bot.slack.threads``), Block Kit, the one log line, sending, and the
apology when anything fails. Answers are CPU-bound, so they run on a small pool of their own: Bolt's threads
stay free to acknowledge every request within Slack's 3 seconds, however busy it gets. Also here:
the per-user rate limit and the one apology for a listener's failure. The listeners import this
module; ``bot.slack.app`` assembles the Bolt app from both.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import limits
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from slack_bolt import Respond

from bot.runtime.reload import IndexHolder
from bot.slack import blocks
from bot.slack.blocks import Block
from bot.slack.slack_text import without_surrogates
from bot.slack.threads import ThreadKey, ThreadTurns
from bot.storage.store import FeedbackStore
from retrieval.matching.answer import Answer
from retrieval.matching.followup import PreviousTurn, answer_in_thread
from retrieval.safety.screening import clean_question, screen_question

log = logging.getLogger(__name__)
# One line per question: request id, kind, answered or declined, fact id, score, milliseconds.
question_log = logging.getLogger("bot.questions")

QuestionKind = Literal["command", "mention", "dm", "did_you_mean", "home", "assistant", "shortcut"]

SLACK_API_URL = "https://slack.com/api/"
# Bolt's threads: they acknowledge, hand the question to the answer workers, and return.
LISTENER_THREADS = 8
# Answer workers: more than the cores would only make every answer slower.
ANSWER_WORKERS = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Reply:
    """A message to send: Block Kit plus the plain-text fallback."""

    blocks: list[Block]
    text: str
    answer: Answer | None = None
    # Whatever the surface, only the asker may see it (the reply to a question with personal
    # data): an ephemeral message even for a mention in a channel. (``ephemeral`` elsewhere says
    # the surface itself shows the reply only to the asker: /ofsted, the shortcut.)
    asker_only: bool = False

    def as_kwargs(self) -> dict[str, Any]:
        return {"blocks": self.blocks, "text": self.text}


class Answerer:
    """The one "answer a question" path shared by the command, mention and DM listeners."""

    def __init__(
        self,
        holder: IndexHolder,
        store: FeedbackStore | None = None,
        limiter: QuestionRateLimiter | None = None,
        workers: int = ANSWER_WORKERS,
        threads: ThreadTurns | None = None,
    ) -> None:
        self.holder = holder
        self.store = store
        self.limiter = limiter
        self.threads = threads
        self.logger = question_log
        self._workers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")

    def answer_later(
        self,
        question: str,
        *,
        kind: QuestionKind,
        request_id: str,
        ephemeral: bool,
        send: Callable[[Reply], object],
        user_id: str = "",
        thread: ThreadKey | None = None,
    ) -> None:
        """Queue the question; on an answer worker, ``send`` delivers its reply (or an apology).

        With a ``thread``, the question is read as a follow-up of that thread's last turn."""

        def answer_and_send() -> None:
            try:
                reply = self.reply(
                    question,
                    kind=kind,
                    request_id=request_id,
                    ephemeral=ephemeral,
                    user_id=user_id,
                    thread=thread,
                )
                send(reply)
                if reply.answer is not None:
                    self.record_gap(reply.answer, user_id)
            except Exception as error:
                send_apology(request_id, error, send)

        self._workers.submit(answer_and_send)

    def reply(
        self,
        question: str,
        *,
        kind: QuestionKind,
        request_id: str,
        ephemeral: bool,
        user_id: str = "",
        thread: ThreadKey | None = None,
    ) -> Reply:
        """The reply to one question (help, too long, slow down, screened, answer or decline).

        A failure while answering becomes a short apology here; any other failure raises, and
        ``answer_later`` sends the same apology for it."""
        text = clean_question(without_surrogates(question))
        index = self.holder.index
        knowledge = index.knowledge if index is not None else None
        if not text or text.lower() in ("help", "?"):
            return Reply(blocks.help_blocks(knowledge), blocks.HELP_TEXT)
        if len(text) > blocks.MAX_QUESTION_CHARS:
            self.logger.info("question request_id=%s kind=%s too_long chars=%d", request_id, kind, len(text))
            return Reply(blocks.too_long_blocks(len(text)), blocks.TOO_LONG_TEXT)
        if self.limiter is not None and user_id:
            wait_seconds = self.limiter.seconds_to_wait(user_id)
            if wait_seconds:
                self.logger.info("question request_id=%s kind=%s rate_limited", request_id, kind)
                return Reply(blocks.slow_down_blocks(wait_seconds), blocks.SLOW_DOWN_TEXT)
        screening = screen_question(text)
        if screening.verdict != "ok":
            # Never the text: a screened question may name a child or a family.
            self.logger.info(
                "question request_id=%s kind=%s screened=%s%s",
                request_id,
                kind,
                screening.verdict,
                f" kinds={','.join(screening.kinds)}" if screening.kinds else "",
            )
            reply_blocks = blocks.screened_blocks(screening.reply, knowledge, screening.verdict)
            return Reply(reply_blocks, screening.reply, asker_only=screening.verdict == "personal_data")
        if index is None:
            self.logger.warning("question request_id=%s kind=%s index_not_loaded", request_id, kind)
            return Reply(blocks.not_ready_blocks(), blocks.NOT_READY_TEXT)
        started = time.perf_counter()
        previous = self.previous_turn(thread)
        try:
            answer = answer_in_thread(index, text, previous)
            rendered = blocks.answer_blocks(answer, knowledge=knowledge, ephemeral=ephemeral)
        except Exception:
            self.logger.exception("question request_id=%s kind=%s failed", request_id, kind)
            return Reply(blocks.apology_blocks(request_id), blocks.APOLOGY_TEXT)
        self.log_answer(answer, kind=kind, request_id=request_id, started=started)
        if thread is not None and self.threads is not None:
            # Only here, after screening passed: a question with personal data is never kept.
            self.threads.remember(thread, PreviousTurn.of(answer))
        return Reply(rendered, blocks.answer_text(answer), answer)

    def previous_turn(self, thread: ThreadKey | None) -> PreviousTurn | None:
        if thread is None or self.threads is None:
            return None
        return self.threads.last(thread)

    def record_gap(self, answer: Answer, user_id: str) -> None:
        """A declined question, or one answered with close runners-up, goes to the gaps log."""
        if self.store is None or (answer.answered and not answer.suggestions):
            return
        kind: Literal["declined", "low_confidence"] = "declined" if not answer.answered else "low_confidence"
        nearest = [(a.fact.id, a.score) for a in answer.answers] + [
            (s.fact_id, s.score) for s in answer.suggestions
        ]
        try:
            self.store.record_gap(user_id, answer.question, nearest, kind)
        except Exception:
            log.exception("could not record a gap")

    def log_answer(self, answer: Answer, *, kind: QuestionKind, request_id: str, started: float) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        best = answer.best
        fact_id = best.fact.id if best else (answer.suggestions[0].fact_id if answer.suggestions else "-")
        self.logger.info(
            "question request_id=%s kind=%s %s fact_id=%s score=%.3f ms=%.0f%s",
            request_id,
            kind,
            "answered" if answer.answered else "declined",
            fact_id,
            answer.top_score,
            elapsed_ms,
            (f" reason={answer.reason}" if answer.reason else "") + (" follow_up" if answer.follows else ""),
        )
        self.logger.debug("question request_id=%s text=%r", request_id, answer.question)


class QuestionRateLimiter:
    """At most ``per_minute`` questions per user in any minute (a moving window).

    With a ``store`` the window is kept in the shared database, so the limit holds for the bot as
    a whole however the load balancer spreads a user's questions over replicas; while the
    database cannot be reached, each replica counts in memory (the limit is then per replica).
    Without one, it is counted in this process's memory.
    """

    def __init__(self, per_minute: int, store: FeedbackStore | None = None) -> None:
        self.per_minute = per_minute
        self._item = limits.RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._store = store
        self._shared_failing = False

    @property
    def shared(self) -> bool:
        return self._store is not None

    def seconds_to_wait(self, user_id: str) -> int:
        """0 and count the question when the user may ask now; else seconds until they may."""
        if self._store is not None:
            try:
                wait = self._store.take_question_slot(user_id, self.per_minute)
            except Exception as exc:
                if not self._shared_failing:
                    reason = type(exc).__name__
                    log.warning("shared question limit unavailable (%s): counting per replica", reason)
                    self._shared_failing = True
            else:
                if self._shared_failing:
                    log.warning("shared question limit available again")
                    self._shared_failing = False
                return max(1, math.ceil(wait)) if wait > 0 else 0
        if self._limiter.hit(self._item, user_id):
            return 0
        reset_at = self._limiter.get_window_stats(self._item, user_id).reset_time
        return max(1, math.ceil(reset_at - time.time()))


def send_apology(request_id: str, error: Exception, send: Callable[[Reply], object]) -> None:
    """The one apology: log the failure with the request id, tell the user briefly, never raise."""
    log.error("listener error request_id=%s: %s", request_id, type(error).__name__, exc_info=error)
    try:
        send(Reply(blocks.apology_blocks(request_id), blocks.APOLOGY_TEXT))
    except Exception:
        log.exception("could not send the apology request_id=%s", request_id)


def respond_privately(respond: Respond) -> Callable[[Reply], object]:
    """Send a reply through ``respond`` as a new ephemeral message (never replacing the original)."""
    return lambda reply: respond(**reply.as_kwargs(), response_type="ephemeral", replace_original=False)


@contextmanager
def apology_on_error(request_id: str, respond: Respond) -> Iterator[None]:
    """Run a listener's work after ``ack()``: any exception is logged and the user gets an apology.

    (Bolt's own error path clears an ack that was already sent when a listener fails quickly, so
    work after ``ack()`` must not raise.)
    """
    try:
        yield
    except Exception as error:
        send_apology(request_id, error, respond_privately(respond))
