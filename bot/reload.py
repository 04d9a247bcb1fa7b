"""Hot reload of the knowledge: build a new index aside, validate, swap one reference.

A reload is all-or-nothing. If the folder does not validate, the running bot keeps answering
from the last good index and the errors are kept for ``/ofsted status`` and reported to the
admins. Questions in flight hold their own reference to the old index, so none fails during a
swap. Only new or changed texts are embedded (the embedding cache does the rest).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.settings import Settings
from retrieval.index import FactIndex
from retrieval.knowledge import KnowledgeError, KnowledgeIssue

log = logging.getLogger(__name__)

# How long the folder must be quiet before a reload starts (editors save in several steps).
DEBOUNCE_MS = 400


class IndexHolder:
    """The current FactIndex: one reference, swapped whole. Readers read it; they never lock."""

    def __init__(self, index: FactIndex | None = None) -> None:
        self._index = index

    @property
    def index(self) -> FactIndex | None:
        return self._index

    def replace(self, index: FactIndex) -> None:
        self._index = index

    @property
    def ready(self) -> bool:
        return self._index is not None


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    at: dt.datetime
    trigger: str  # "start", "watch", "command"
    seconds: float
    facts: int = 0
    sources: int = 0
    encoded: int = 0  # texts that were embedded (not found in the cache)
    errors: tuple[KnowledgeIssue, ...] = ()
    message: str = ""

    def summary(self) -> str:
        if self.ok:
            return (
                f"reloaded {self.facts} facts from {self.sources} sources in {self.seconds:.1f} s"
                f" ({self.encoded} new texts embedded)"
            )
        return f"reload failed with {len(self.errors)} error(s); still answering from the last good knowledge"


@dataclass
class KnowledgeReloader:
    """Reloads the knowledge into ``holder``; ``watch()`` does it whenever the folder changes."""

    settings: Settings
    holder: IndexHolder
    load: Callable[[Settings], FactIndex]
    on_failure: Callable[[ReloadResult], None] | None = None
    last: ReloadResult | None = None
    loaded_at: dt.datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def reload(self, trigger: str = "command") -> ReloadResult:
        """Build and validate a new index aside; swap it in only if it is good."""
        with self._lock:  # one reload at a time; questions never wait for this lock
            started = time.perf_counter()
            now = dt.datetime.now(dt.UTC)
            try:
                index = self.load(self.settings)
            except KnowledgeError as exc:
                result = ReloadResult(
                    False, now, trigger, time.perf_counter() - started, errors=tuple(exc.issues)
                )
                for issue in exc.issues:
                    log.error("knowledge error: %s", issue)
            except Exception as exc:  # a reload must never take the bot down
                log.exception("knowledge reload failed")
                result = ReloadResult(
                    False, now, trigger, time.perf_counter() - started, message=type(exc).__name__
                )
            else:
                self.holder.replace(index)
                self.loaded_at = now
                result = ReloadResult(
                    True,
                    now,
                    trigger,
                    time.perf_counter() - started,
                    facts=len(index.knowledge.facts),
                    sources=len(index.knowledge.sources),
                    encoded=index.encoded_count,
                )
            self.last = result
        log.info("knowledge %s: %s", trigger, result.summary())
        if not result.ok and self.on_failure is not None:
            try:
                self.on_failure(result)
            except Exception:
                log.exception("could not report the failed reload")
        return result

    def watch(self) -> None:
        """Start a background thread that reloads whenever a file under the folder changes."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._watch_loop, name="knowledge-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch_loop(self) -> None:
        from watchfiles import watch

        folder = self.settings.knowledge_dir
        log.info("watching %s for changes", folder)
        while not self._stop.is_set():
            try:
                for _changes in watch(
                    folder,
                    stop_event=self._stop,
                    debounce=DEBOUNCE_MS,
                    step=100,
                    rust_timeout=1000,
                    yield_on_timeout=False,
                    raise_interrupt=False,
                ):
                    self.reload("watch")
            except Exception:
                # The folder may be briefly missing (a deploy swapping it): wait and watch again.
                log.warning("knowledge watch interrupted; retrying", exc_info=True)
                self._stop.wait(2.0)
