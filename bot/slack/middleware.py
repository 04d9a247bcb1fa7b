"""Bolt middleware, attached with ``app.use`` in ``bot.slack.app``: what runs before every listener.

A request id for the logs; the services the listeners use (``context["answerer"]``,
``context["admin"]``); a 200 and nothing else for event types the app does not answer (and for
``app_rate_limited``, logged); and each event answered once although Slack re-sends one it
thinks failed. (Bolt itself already drops the app's own messages.)
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
    """A 200 and nothing else for an event of another type (reaction_added…) and for
    ``app_rate_limited`` (an envelope of its own, with no inner event; logged): Bolt would answer
    404, and Slack retries what is not acknowledged — and disables an app's event subscriptions
    when too many deliveries go unacknowledged."""
    if body.get("type") == "app_rate_limited":
        log.warning(
            "Slack is rate limiting this app's events: app_rate_limited team_id=%s minute_rate_limited=%s",
            body.get("team_id"),
            body.get("minute_rate_limited"),
        )
        return BoltResponse(status=200, body="")
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


def event_keys(body: dict[str, Any]) -> list[str]:
    """What identifies an ``event_callback`` when Slack sends it again: its ``event_id``, else the
    event's type, channel and timestamp (``event_ts``, else ``ts``); and the message's
    ``client_msg_id`` (the same message under a new event id). Empty when there is nothing to
    key on: such an event is never taken for a repeat."""
    event = body.get("event")
    event = event if isinstance(event, dict) else {}
    keys: list[str] = []
    if body.get("event_id"):
        keys.append(f"event:{body['event_id']}")
    elif event.get("event_ts") or event.get("ts"):
        stamp = event.get("event_ts") or event.get("ts")
        keys.append(f"event:{event.get('type', '')}:{event.get('channel', '')}:{stamp}")
    if event.get("client_msg_id"):
        keys.append(f"message:{event['client_msg_id']}")
    return keys


def skip_repeated_events(recent_events: RecentIds) -> Middleware:
    """Acknowledge, and do nothing else for, an event already seen (see ``event_keys``)."""

    def skip_repeated(body: dict[str, Any], next: Callable[[], Any]) -> BoltResponse | None:
        if body.get("type") == "event_callback":
            keys = event_keys(body)
            if keys and not recent_events.first_time(*keys):
                log.info("skipped repeated event event_id=%s", body.get("event_id"))
                return BoltResponse(status=200, body="")
        next()
        return None

    return skip_repeated
