"""Keeping the tuned encoder up to date with the knowledge, in the background.

With ``EMBEDDING_MODEL=tuned`` the encoder is fine-tuned on the knowledge's own texts. When an
admin adds or changes facts, the reload answers at once with the encoder it has (the new facts
are already findable by their generated questions), and ``EncoderTuner`` tunes a new encoder
beside the serving one — minutes of work that must not hold a question up. When it is built,
the knowledge is reloaded with it (``shared_encoder`` sees the new name in the folder). The
build holds a file lock in the models folder, so replicas that share the folder build it once:
the others wait on the lock, find it built, and reload.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.runtime.settings import TUNED_MODEL, Settings
from retrieval.evaluation.tuning import tuned_on
from retrieval.knowledge.schema import Knowledge
from retrieval.matching.index import FactIndex

log = logging.getLogger(__name__)


@dataclass
class EncoderTuner:
    """Tunes the encoder for the knowledge a reload loaded, when it was tuned on other knowledge;
    ``reload`` is called when the new encoder is ready."""

    settings: Settings
    reload: Callable[[str], object]
    current_index: Callable[[], FactIndex | None]
    running_since: dt.datetime | None = None
    running_facts: int = 0
    finished_at: dt.datetime | None = None
    seconds: float = 0.0
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.embedding_model == TUNED_MODEL and self.settings.auto_tune

    def after_load(self, index: FactIndex) -> bool:
        """Start tuning for this index's knowledge if its encoder was tuned on other knowledge
        (and no tuning is under way: when it ends, its reload calls this again). Whether it started."""
        if not self.enabled or tuned_on(index.encoder.name, index.knowledge):
            return False
        with self._lock:
            if self.running_since is not None:
                return False
            self.running_since = dt.datetime.now(dt.UTC)
            self.running_facts = len(index.knowledge.facts)
            self._thread = threading.Thread(
                target=self._tune, args=(index.knowledge,), name="encoder-tuning", daemon=True
            )
            self._thread.start()
        log.info("tuning the encoder for %d facts in the background", self.running_facts)
        return True

    def _tune(self, knowledge: Knowledge) -> None:
        from bot.runtime.loading import build_tuned_encoder  # imports torch

        started = time.perf_counter()
        try:
            build_tuned_encoder(self.settings.tuned_model_dir, knowledge, rebuild_when_stale=True)
        except Exception as exc:  # tuning must never take the bot down: it keeps answering
            log.exception("encoder tuning failed")
            error: str | None = f"{type(exc).__name__}: {exc}"
        else:
            error = None
        seconds = time.perf_counter() - started
        if error is None:
            # "under way" until the new encoder serves: the reload embeds every text with it
            log.info("encoder tuned in %.0f s: reloading with it", seconds)
            self.reload("tuned")
        with self._lock:
            self.running_since = None
            self.finished_at = dt.datetime.now(dt.UTC)
            self.seconds = seconds
            self.error = error
        index = self.current_index()
        if error is None and index is not None:
            self.after_load(index)  # the knowledge may have changed again while it was tuned

    def status_line(self) -> str:
        """One line for ``/ofsted status`` and the Home tab."""
        if not self.enabled:
            return "Encoder tuning: off" if self.settings.embedding_model == TUNED_MODEL else ""
        if self.running_since is not None:
            return (
                f"Encoder tuning: under way since {self.running_since:%H:%M:%S} UTC for {self.running_facts} "
                "facts (answering meanwhile with the encoder tuned before)"
            )
        if self.error is not None:
            return f"Encoder tuning: failed ({self.error}); answering with the encoder tuned before"
        if self.finished_at is not None:
            return f"Encoder tuning: done at {self.finished_at:%H:%M:%S} UTC in {self.seconds:.0f} s"
        return "Encoder tuning: up to date"

    def wait(self, timeout: float | None = None) -> None:
        """Until the tuning under way (if any) has ended (for tests and shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
