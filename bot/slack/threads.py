"""What a Slack thread remembers between questions: its last turn, for follow-ups.

Kept in memory only, for a bounded time (at most RETENTION_DAYS, and a day at most: a thread
picked up again next week starts afresh), and never for a question that held personal data —
the Answerer stores a turn only after a question passed screening. The key is the conversation
and the thread: a channel thread is shared by everyone in it ("and the year before?" from a
colleague follows up), a DM without threads is one conversation.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from retrieval.matching.followup import PreviousTurn

MAX_CONTEXT_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class ThreadKey:
    """A conversation (channel or DM id) and a thread in it ("" for the DM's top level)."""

    channel: str
    thread_ts: str = ""
    # In a DM, a new thread (a reply to one of the bot's answers) follows the DM's last turn.
    in_dm: bool = False

    @property
    def conversation(self) -> ThreadKey:
        return ThreadKey(self.channel, "", self.in_dm)


class ThreadTurns:
    """A bounded, thread-safe map of thread → last turn, each forgotten after ``ttl_seconds``."""

    def __init__(self, retention_days: int, max_threads: int = 10_000) -> None:
        self.ttl_seconds = min(retention_days * 24 * 60 * 60, MAX_CONTEXT_SECONDS)
        self.max_threads = max_threads
        self._turns: dict[ThreadKey, tuple[float, PreviousTurn]] = {}
        self._lock = threading.Lock()

    def last(self, key: ThreadKey) -> PreviousTurn | None:
        """The thread's last turn; for a DM thread without one, the DM's own last turn."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            stored = self._turns.get(key)
            if stored is None and key.in_dm and key.thread_ts:
                stored = self._turns.get(key.conversation)
            return stored[1] if stored else None

    def remember(self, key: ThreadKey, turn: PreviousTurn) -> None:
        now = time.monotonic()
        with self._lock:
            self._turns.pop(key, None)  # re-inserted last: insertion order stays time order
            self._turns[key] = (now, turn)
            self._expire(now)
            while len(self._turns) > self.max_threads:
                self._turns.pop(next(iter(self._turns)))

    def __len__(self) -> int:
        with self._lock:
            return len(self._turns)

    def _expire(self, now: float) -> None:
        for key, (stored_at, _) in list(self._turns.items()):
            if now - stored_at < self.ttl_seconds:
                break
            del self._turns[key]
