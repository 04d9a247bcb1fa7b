"""The Slack app: ``build_app(settings, index_holder)`` returns a Bolt ``App``.

Listeners live in ``bot/slack/listeners/`` (one module per kind) and are registered in one place; the
services they share reach them through the request context (``bot.slack.middleware``). This module
only assembles: the Web API client, Bolt with its listener threads, the middleware and the
global error handler.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.runtime.reload import IndexHolder, KnowledgeReloader
from bot.runtime.settings import Settings
from bot.slack import middleware
from bot.slack.admin import Admin
from bot.slack.answering import (
    LISTENER_THREADS,
    SLACK_API_URL,
    Answerer,
    QuestionRateLimiter,
    respond_privately,
    send_apology,
)
from bot.slack.listeners import register
from bot.slack.threads import ThreadTurns
from bot.storage.store import FeedbackStore

log = logging.getLogger(__name__)


def slack_retry_handlers() -> list[RetryHandler]:
    """Bounded retries for a Slack blip, so an answer is not lost to one.

    A dropped connection and an HTTP 500/503 are retried three times with exponential backoff
    and jitter (about 0.5, 1 and 2 s); a 429 waits as long as Slack's Retry-After says, twice.
    """
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [
        ConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
        ServerErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
        RateLimitErrorRetryHandler(max_retry_count=2),
    ]


def build_client(settings: Settings) -> WebClient:
    """The Web API client: Slack's own API unless SLACK_API_URL names another (GovSlack, tests)."""
    base_url = settings.slack_api_url or SLACK_API_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(token=settings.slack_bot_token, base_url=base_url, retry_handlers=slack_retry_handlers())


class RetryingRespond(Respond):
    """Bolt's ``respond`` (a post to the request's ``response_url``) with the same retries as the
    Web API client; Bolt's own retries only a dropped connection, once."""

    def __call__(self, text: str | dict[str, Any] = "", **kwargs: Any) -> WebhookResponse:  # type: ignore[override]
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        client = WebhookClient(
            url=self.response_url, proxy=self.proxy, ssl=self.ssl, retry_handlers=slack_retry_handlers()
        )
        message = _build_message(**text) if isinstance(text, dict) else _build_message(text=text, **kwargs)
        return client.send_dict(message)


def retrying_respond(context: dict[str, Any], next: Any) -> None:
    """Middleware: listeners get a ``respond`` that retries, in place of Bolt's (which Bolt has
    made already: building a middleware's arguments creates it)."""
    response_url = context.get("response_url")
    if response_url and not isinstance(context.get("respond"), RetryingRespond):
        client = context.get("client")
        context["respond"] = RetryingRespond(
            response_url=response_url,
            proxy=getattr(client, "proxy", None),
            ssl=getattr(client, "ssl", None),
        )
    next()


def build_app(
    settings: Settings,
    index_holder: IndexHolder,
    *,
    reloader: KnowledgeReloader | None = None,
    store: FeedbackStore | None = None,
    client: WebClient | None = None,
) -> App:
    """The Bolt app, with every listener registered. Checks the bot token with ``auth.test``."""
    app = App(
        client=client or build_client(settings),
        # Socket Mode requests are not signed; Bolt skips verification for them.
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not settings.socket_mode,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener"),
        name="ofsted-bot",
    )
    answerer = Answerer(
        index_holder,
        store,
        # Shared through the database when other replicas can share it; GAPS_LOG=off writes no
        # user hash at all, so the window then stays in each replica's memory.
        QuestionRateLimiter(
            settings.rate_limit_per_minute,
            store if store and store.shared_between_processes and store.keep_question_text else None,
        ),
        threads=ThreadTurns(settings.retention_days),
    )
    app.use(middleware.assign_request_id)
    app.use(retrying_respond)
    app.use(middleware.skip_other_events)
    app.use(middleware.skip_repeated_events(middleware.RecentIds()))
    app.use(
        middleware.provide_services(answerer=answerer, admin=Admin(settings, index_holder, reloader, store))
    )
    app.error(apologise_for_error)
    register(app)
    return app


def apologise_for_error(
    error: Exception, body: dict[str, Any], context: dict[str, Any], logger: logging.Logger
) -> BoltResponse | None:
    """Bolt's global error handler: log with the request id, and tell the user briefly."""
    request_id = context.get("request_id") or middleware.new_request_id()
    respond = context.get("respond")
    say = context.get("say")
    if respond is not None and body.get("response_url"):
        send_apology(request_id, error, respond_privately(respond))
    elif say is not None and context.get("channel_id"):
        event = body.get("event") or {}
        in_thread = event.get("thread_ts")
        if event.get("type") == "app_mention":
            in_thread = in_thread or event.get("ts")
        send_apology(request_id, error, lambda reply: say(**reply.as_kwargs(), thread_ts=in_thread))
    else:
        send_apology(request_id, error, lambda reply: None)
    return None
