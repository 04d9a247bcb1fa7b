"""``ofsted-bot serve``: the Slack app in Socket Mode (SLACK_APP_TOKEN set) or over HTTP.

HTTP mode serves Bolt through its WSGI adapter on waitress: ``POST /slack/events`` for Slack and
``GET /healthz`` (200 once the knowledge index is loaded, 503 before). Socket Mode needs no
public URL; ``/healthz`` is still served on PORT so a container health check works in both.
The knowledge index and the model are loaded once, before any request is accepted.

Several replicas may share one ``DATABASE_URL`` (see "Running several replicas" in the README):
the retention purge runs in one of them at a time, ``/ofsted reload`` reaches them all through
``ReplicaSync``, and an unreachable database at start is one warning, not a failed start.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import payload_utils
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.runtime.reload import IndexHolder, KnowledgeReloader, ReloadResult, ReplicaSync, default_replica_id
from bot.runtime.settings import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Settings, SettingsError, configuration_error
from bot.runtime.tuner import EncoderTuner
from bot.slack.app import build_app, build_client
from bot.storage.store import FeedbackStore, StoreUnavailable

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16
# Slack's own requests are a few kilobytes (a message is at most 40,000 characters); anything
# far larger is refused by waitress with 413 before it reaches Bolt.
MAX_REQUEST_BODY_BYTES = 512 * 1024
# The purge at start runs once however many replicas start together (and again on a restart
# after this long); the daily one once a day across all replicas, whichever wakes first.
START_PURGE_EVERY = timedelta(minutes=10)
DAILY_PURGE_EVERY = timedelta(hours=23)
PURGE_CHECK_SECONDS = 3600

_TOKEN_PATTERNS = (re.compile(r"xox[a-z]-[A-Za-z0-9-]+"), re.compile(r"xapp-[A-Za-z0-9-]+"))


# --- logging ------------------------------------------------------------------------------------


class RedactingFormatter(logging.Formatter):
    """Wraps a handler's formatter so tokens and the signing secret never reach a log line."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(lambda m: m.group(0)[:5] + "[redacted]", text)
    return text


def configure_logging(settings: Settings) -> None:
    """Log lines to stderr at LOG_LEVEL (unless logging is set up already), with secrets redacted."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(settings.log_level)
    secrets = [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token]
    for handler in root.handlers:
        inner = handler.formatter or logging.Formatter()
        if not isinstance(inner, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(inner, [s for s in secrets if s]))


# --- WSGI ---------------------------------------------------------------------------------------


def health_response(holder: IndexHolder) -> tuple[str, bytes]:
    index = holder.index
    if index is None:
        return "503 Service Unavailable", b'{"status": "loading"}'
    body = {"status": "ok", "facts": len(index.knowledge.facts), "reports": index.knowledge.reports}
    return "200 OK", json.dumps(body).encode()


# What Bolt reads from every request before a listener runs (and raises on, when it is misshapen).
_PAYLOAD_VIEWS = (
    payload_utils.to_event,
    payload_utils.to_message,
    payload_utils.to_command,
    payload_utils.to_action,
    payload_utils.to_options,
    payload_utils.to_shortcut,
    payload_utils.to_view,
    payload_utils.to_step,
)


class StrictSlackRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, except that a body Bolt cannot parse is answered 400.

    Bolt parses the body before it checks the signature, and raises on one that is not UTF-8,
    not a JSON object, or a form ``payload`` that is not one; its middleware then assumes an
    event callback's ``event`` is an object and a block action's ``actions`` a list of them.
    Either way waitress would answer 500.
    """

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            bolt_request = BoltRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
            body = bolt_request.body
            if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
                raise ValueError("an event callback without an event object")
            if not all(isinstance(view(body), dict | None) for view in _PAYLOAD_VIEWS):
                raise ValueError("an action, event or view that is not an object")
        except Exception as exc:
            # Never the body itself: it may hold a question with personal data.
            log.info("refused a request body Bolt cannot parse (%s): 400", type(exc).__name__)
            return BoltResponse(status=400, body="Bad Request")
        return self.app.dispatch(bolt_request)


def build_wsgi_app(holder: IndexHolder, app: App | None = None) -> WSGIApplication:
    """``GET /healthz`` here; everything else to Bolt's WSGI adapter (404 when there is no app)."""
    slack_handler = StrictSlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, body = health_response(holder)
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if slack_handler is not None:
            return slack_handler(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]

    return wsgi


# --- background duties --------------------------------------------------------------------------


class AdminNotifier:
    """DMs each admin about a failed reload, at most once per distinct set of errors."""

    def __init__(self, client: WebClient, admin_user_ids: Iterable[str]) -> None:
        self.client = client
        self.admins = sorted(admin_user_ids)
        self._told: set[str] = set()

    def __call__(self, result: ReloadResult) -> None:
        key = "\n".join(str(e) for e in result.errors) or result.message
        if not self.admins or key in self._told:
            return
        self._told.add(key)
        text = f":warning: Knowledge {result.summary()}.\n```{key[:2500]}```"
        for admin in self.admins:
            try:
                self.client.chat_postMessage(channel=admin, text=text)
            except Exception as exc:
                log.warning("could not tell admin %s about the failed reload (%s)", admin, type(exc).__name__)


def _purge(store: FeedbackStore, retention_days: int, every: timedelta, replica_id: str) -> None:
    try:
        removed = store.purge_if_due(retention_days, every, by=replica_id)
    except StoreUnavailable as exc:
        log.warning("retention purge skipped: %s", exc)
    except Exception:
        log.exception("retention purge failed")
    else:
        if removed is None:
            log.info("retention purge: already done by a replica (or running in one)")
        else:
            log.info("retention purge: %d rows older than %d days removed", removed, retention_days)


def _purge_daily(store: FeedbackStore, retention_days: int, replica_id: str) -> None:
    def loop() -> None:
        while not stop.wait(PURGE_CHECK_SECONDS):
            _purge(store, retention_days, DAILY_PURGE_EVERY, replica_id)

    stop = threading.Event()
    threading.Thread(target=loop, name="retention-purge", daemon=True).start()


# --- serve --------------------------------------------------------------------------------------


def _stop_on_sigterm(stop: Callable[[], None]) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        log.info("received signal %d: stopping", signum)
        stop()

    signal.signal(signal.SIGTERM, handle)


def _raise_keyboard_interrupt() -> None:
    raise KeyboardInterrupt


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"ofsted-bot serve: {message}", file=sys.stderr)
    return code


def serve(settings: Settings) -> int:
    """Start the Slack app; returns the process exit code."""
    from bot.runtime.loading import embedding_model_path

    try:
        settings.check_slack()
        # the tuned encoder, built now if need be
        embedding_model_path(settings.embedding_model, settings.tuned_model_dir)
    except SettingsError as exc:
        print(configuration_error(exc), file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings)

    # One Web API client for everything this process sends to Slack.
    client = build_client(settings)
    api_url = client.base_url
    try:
        identity = client.auth_test()
    except SlackApiError as exc:
        return _fail(f"Slack rejected SLACK_BOT_TOKEN ({exc.response.get('error', 'unknown error')})")
    except (SlackClientError, OSError) as exc:
        return _fail(f"cannot reach the Slack Web API at {api_url} ({type(exc).__name__}: {exc})")
    log.info("bot user %s in team %s (Web API %s)", identity.get("user_id"), identity.get("team_id"), api_url)

    replica_id = default_replica_id()
    try:
        # An unreachable database is one warning (logged by the store) and retried on use.
        store = FeedbackStore.from_settings(settings, require_database=False)
    except Exception as exc:  # a malformed DATABASE_URL, an unknown driver
        return _fail(f"cannot use DATABASE_URL ({type(exc).__name__}: {exc})")
    health = store.health()
    state = "ready" if health.available else "unavailable"
    log.info("replica %s; feedback store: %s, %s", replica_id, health.backend, state)
    _purge(store, settings.retention_days, START_PURGE_EVERY, replica_id)
    _purge_daily(store, settings.retention_days, replica_id)

    from bot.runtime.loading import load_fact_index  # imports torch

    holder = IndexHolder()
    reloader = KnowledgeReloader(
        settings,
        holder,
        load=lambda s: load_fact_index(s, show_progress=False),
        on_failure=AdminNotifier(client, settings.admin_user_ids),
    )
    reloader.tuner = EncoderTuner(settings, reloader.reload, lambda: holder.index)
    sync = ReplicaSync(store, reloader, replica_id=replica_id)
    app = build_app(settings, holder, reloader=reloader, store=store, client=client)

    log.info("loading knowledge from %s and the embedding model", settings.knowledge_dir)
    sync.start()  # before the first load: only requests made after it need another reload
    first = reloader.reload("start")
    if not first.ok:
        sync.stop()
        print("the knowledge folder has errors:", file=sys.stderr)
        for issue in first.errors:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_ERROR
    index = holder.index
    assert index is not None
    knowledge = index.knowledge
    log.info("knowledge loaded: %d facts from %s", len(knowledge.facts), "; ".join(knowledge.reports))
    reloader.watch()

    try:
        if settings.socket_mode:
            return serve_socket_mode(app, holder, settings)
        return serve_http(app, holder, settings)
    finally:
        sync.stop()


def serve_http(app: App, holder: IndexHolder, settings: Settings) -> int:
    from waitress import create_server

    wsgi = build_wsgi_app(holder, app)
    server = create_server(
        wsgi,
        host="0.0.0.0",
        port=settings.port,
        threads=HTTP_THREADS,
        ident="ofsted-bot",
        max_request_body_size=MAX_REQUEST_BODY_BYTES,
    )
    _stop_on_sigterm(_raise_keyboard_interrupt)
    log.info("HTTP mode: POST %s and GET %s on port %d", EVENTS_PATH, HEALTH_PATH, settings.port)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return EXIT_OK


def serve_socket_mode(app: App, holder: IndexHolder, settings: Settings) -> int:
    from waitress import create_server

    try:
        health = create_server(build_wsgi_app(holder), host="0.0.0.0", port=settings.port, threads=1)
    except OSError as exc:
        log.warning("no %s endpoint: port %d unavailable (%s)", HEALTH_PATH, settings.port, exc)
    else:
        threading.Thread(target=health.run, name="healthz", daemon=True).start()

    handler = SocketModeHandler(app, app_token=settings.slack_app_token)
    try:
        handler.connect()
    except SlackApiError as exc:
        return _fail(f"Slack rejected SLACK_APP_TOKEN ({exc.response.get('error', 'unknown error')})")
    except (SlackClientError, OSError) as exc:
        return _fail(f"cannot open a Socket Mode connection ({type(exc).__name__}: {exc})")
    log.info("Socket Mode: connected")
    stopped = threading.Event()
    _stop_on_sigterm(stopped.set)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
    return EXIT_OK
