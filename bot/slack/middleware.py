"""Bolt middleware, attached with ``app.use`` in ``bot.slack.app``: what runs before every listener.

A request id for the logs; the services the listeners use (``context["answerer"]``,
``context["admin"]``); a 200 and nothing else for event types the app does not answer; and each
event answered once although Slack re-sends one it thinks failed. (Bolt itself already drops the
app's own messages.)
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

log = logging.getLogger(__name__)

Middleware = Callable[..., BoltResponse | None]

# The event types the app subscribes to and answers (manifest.yml).
HANDLED_EVENT_TYPES = (
    "app_mention",
    "message",
    "app_home_opened",
    "assistant_thread_started",
    "assistant_thread_context_changed",
)


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


def assign_request_id(context: dict[str, Any], next: Callable[[], Any]) -> None:
    context["request_id"] = new_request_id()
    next()


def provide_services(**services: object) -> Middleware:
    """Put the app's services into every request's context, where the listeners find them."""

    def provide(context: dict[str, Any], next: Callable[[], Any]) -> None:
        context.update(services)
        next()

    return provide


def skip_other_events(body: dict[str, Any], next: Callable[[], Any]) -> BoltResponse | None:
    """A 200 and nothing else for an event of another type (reaction_added…): Bolt would answer
    404, and Slack retries what is not acknowledged."""
    if body.get("type") == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or event.get("type") not in HANDLED_EVENT_TYPES:
            return BoltResponse(status=200, body="")
    next()
    return None


class RecentIds:
    """A bounded, thread-safe set of ids seen in the last ``ttl_seconds`` (events Slack re-sends)."""

    def __init__(self, ttl_seconds: float = 15 * 60, max_size: int = 10_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_size = max_size
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, *ids: str) -> bool:
        """Record the ids; True unless one of them was already seen (and has not expired)."""
        now = time.monotonic()
        wanted = [i for i in ids if i]
        with self._lock:
            self._expire(now)
            repeated = any(i in self._seen for i in wanted)
            for i in wanted:
                self._seen[i] = now
            while len(self._seen) > self.max_size:
                self._seen.pop(next(iter(self._seen)))
            return not repeated

    def _expire(self, now: float) -> None:
        # Insertion order is time order, so expired ids are at the front.
        for key, seen_at in list(self._seen.items()):
            if now - seen_at < self.ttl_seconds:
                break
            del self._seen[key]


def skip_repeated_events(recent_events: RecentIds) -> Middleware:
    """Acknowledge, and do nothing else for, an event already seen (by event_id or message id)."""

    def skip_repeated(body: dict[str, Any], next: Callable[[], Any]) -> BoltResponse | None:
        if body.get("type") == "event_callback":
            event = body.get("event") or {}
            ids = [f"event:{body.get('event_id', '')}"]
            if event.get("client_msg_id"):
                ids.append(f"message:{event['client_msg_id']}")
            if not recent_events.first_time(*ids):
                log.info("skipped repeated event event_id=%s", body.get("event_id"))
                return BoltResponse(status=200, body="")
        next()
        return None

    return skip_repeated
