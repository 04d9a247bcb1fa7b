"""Hot reload of the knowledge: build a new index aside, validate, swap one reference.

A reload is all-or-nothing. If the folder does not validate, the running bot keeps answering
from the last good index and the errors are kept for ``/ofsted status`` and reported to the
admins. Questions in flight hold their own reference to the old index, so none fails during a
swap. Only new or changed texts are embedded (the embedding cache does the rest).

With several replicas, ``ReplicaSync`` carries an admin's ``/ofsted reload`` to all of them: the
replica asked writes a reload request row to the shared database and reloads at once; every
other replica polls for new requests every ``REPLICA_POLL_SECONDS`` and reloads in turn. Each
replica also writes what it last loaded there, for ``/ofsted status``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.runtime.settings import Settings
from retrieval.knowledge.schema import KnowledgeError, KnowledgeIssue
from retrieval.matching.index import FactIndex

if TYPE_CHECKING:
    from bot.runtime.tuner import EncoderTuner
    from bot.storage.store import FeedbackStore

log = logging.getLogger(__name__)

# How often each replica looks for a reload request from another (one tiny query each time).
REPLICA_POLL_SECONDS = 1.0
# How often it says it is alive, when nothing else made it write.
REPLICA_HEARTBEAT_SECONDS = 10.0

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


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    at: dt.datetime
    trigger: str  # "start", "watch", "command", "request" (asked of another replica)
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
    # Called after every reload, good or not (ReplicaSync reports it to the other replicas).
    after_reload: Callable[[ReloadResult], None] | None = None
    replicas: ReplicaSync | None = None
    # Tunes the encoder again, in the background, when a reload loads knowledge it was not tuned on.
    tuner: EncoderTuner | None = None
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
            if result.ok and self.tuner is not None:
                self.tuner.after_load(index)
        log.info("knowledge %s: %s", trigger, result.summary())
        if self.after_reload is not None:
            try:
                self.after_reload(result)
            except Exception:
                log.exception("could not report the reload to the other replicas")
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


def default_replica_id() -> str:
    """Host name and process id: unique per container (or per process on one host)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class ReplicaSync:
    """This replica's part in reloads across replicas, through the shared database.

    A request row (not PostgreSQL ``NOTIFY``): it works on SQLite too, a replica that was
    restarting or cut off finds the newest request when it is back, and the same table tells
    ``/ofsted status`` who reloaded what. The cost is one small query per poll.
    """

    store: FeedbackStore
    reloader: KnowledgeReloader
    replica_id: str = field(default_factory=default_replica_id)
    poll_seconds: float = REPLICA_POLL_SECONDS
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    _seen_request: int | None = None  # None until the database has been reached once
    _last_report: float = 0.0
    _lost: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.reloader.replicas = self
        self.reloader.after_reload = self.report

    def start(self) -> None:
        """Note the newest request (the first load is newer than it) and start polling."""
        self._catch_up()
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="replica-sync", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop polling and take this replica off the list (a killed one ages out instead)."""
        self._stop.set()
        try:
            self.store.forget_replica(self.replica_id)
        except Exception as exc:
            log.info("could not remove replica %s from the list (%s)", self.replica_id, type(exc).__name__)

    def reload_everywhere(self) -> tuple[ReloadResult, str | None]:
        """Reload here now and ask every other replica to; the result here, and why the others
        could not be asked (None when they were)."""
        problem: str | None = None
        try:
            request = self.store.request_reload(self.replica_id)
        except Exception as exc:
            problem = f"the other replicas could not be asked (database unavailable: {type(exc).__name__})"
            log.warning("reload request not shared: %s", problem)
        else:
            with self._lock:  # our own request: handled by this reload, not by our poller
                self._seen_request = max(self._seen_request or 0, request)
        return self.reloader.reload("command"), problem

    def report(self, result: ReloadResult | None = None) -> None:
        """Write that this replica is alive and, after a reload, what it now has loaded."""
        load: dict[str, object] = {}
        last = result or self.reloader.last
        if last is not None:
            load = {
                "loaded_at": self.reloader.loaded_at,
                "reload_trigger": last.trigger,
                "reload_ok": last.ok,
                "reload_summary": last.summary(),
                "reload_request_id": self._seen_request,
            }
            index = self.reloader.holder.index
            if index is not None:
                load |= {"facts": len(index.knowledge.facts), "sources": len(index.knowledge.sources)}
        try:
            self.store.report_replica(self.replica_id, started_at=self.started_at, load=load)
        except Exception as exc:
            self._lost_contact(exc)
            return
        self._last_report = time.monotonic()

    def _catch_up(self) -> int | None:
        try:
            latest = self.store.latest_reload_request()
        except Exception as exc:
            self._lost_contact(exc)
            return None
        if self._lost:
            log.warning("replica %s: the shared database is reachable again", self.replica_id)
            self._lost = False
        with self._lock:
            if self._seen_request is None:
                self._seen_request = latest  # what we loaded at start is newer than any request
                return None
            if latest <= self._seen_request:
                return None
            self._seen_request = latest
        return latest

    def _lost_contact(self, exc: Exception) -> None:
        if not self._lost:  # one line when contact is lost, not one per poll
            log.warning(
                "replica %s: cannot reach the shared database (%s); reloads asked of other replicas"
                " wait until it is back",
                self.replica_id,
                type(exc).__name__,
            )
            self._lost = True

    def poll_once(self) -> bool:
        """Reload if another replica asked since we last looked; whether we did."""
        request = self._catch_up()
        if request is not None:
            log.info("replica %s: reload request %d from another replica", self.replica_id, request)
            self.reloader.reload("request")  # reports itself through after_reload
            return True
        if time.monotonic() - self._last_report >= REPLICA_HEARTBEAT_SECONDS:
            self.report()
        return False

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.poll_once()
            except Exception:
                log.exception("replica sync failed; trying again")
