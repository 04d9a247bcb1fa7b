"""A local stand-in for Slack, both ways, so nothing in the tests reaches the real Slack.

``SlackStandin`` plays the Web API (point ``SLACK_API_URL`` at ``standin.api_url``) and the
``response_url`` endpoint (``standin.response_url("name")``): it answers ``auth.test`` with a bot
identity, records every call, and answers ``{"ok": true}`` — or, after ``fail_next``, an HTTP error
(a 429 with Retry-After, say) for the next calls of one method. ``SignedSlackClient`` plays Slack
sending requests to the bot: slash commands, events and button clicks, signed exactly as Slack
signs them (v0 HMAC-SHA256 of ``v0:{timestamp}:{body}``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
TEAM_ID = "T0TEAM"
ASKER_ID = "U0ASKER"


@dataclass(frozen=True)
class RecordedCall:
    """One request the bot made: the Web API method (or ``respond/<name>``) and its parameters."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int = 200  # the HTTP status the stand-in answered with (see ``fail_next``)
    at: float = 0.0  # time.monotonic() when it arrived

    @property
    def method(self) -> str:
        return self.path.removeprefix("/api/").removeprefix("/")

    @property
    def blocks_json(self) -> str:
        return json.dumps(self.body.get("blocks", []), ensure_ascii=False)


@dataclass
class _Failure:
    method: str
    times: int
    status: int
    headers: dict[str, str]
    when: Callable[[RecordedCall], bool] | None


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(raw)
    parsed = urllib.parse.parse_qs(raw.decode("utf-8"), keep_blank_values=True)
    body: dict[str, Any] = {k: v[0] for k, v in parsed.items()}
    for key in ("blocks", "attachments"):
        if isinstance(body.get(key), str):
            body[key] = json.loads(body[key])
    return body


class SlackStandin:
    """A threaded HTTP server on 127.0.0.1 recording the bot's Web API and response_url calls."""

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self._lock = threading.Condition()
        self.socket_mode_url: str | None = None
        self._ts = 0
        self._failures: list[_Failure] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = _parse_body(raw, self.headers.get("Content-Type", ""))
                call = RecordedCall(
                    self.path.split("?")[0], body, dict(self.headers.items()), at=time.monotonic()
                )
                failure = standin._failure_for(call)
                if failure is not None and failure.status == 0:
                    # A dropped connection: no status line at all (the client sees it reset).
                    standin._record(replace(call, status=0))
                    self.close_connection = True
                    return
                if failure is None:
                    status, extra_headers, reply = 200, {}, standin._reply_to(call)
                else:
                    status, extra_headers = failure.status, failure.headers
                    reply = {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
                    call = replace(call, status=status)
                standin._record(call)
                data = json.dumps(reply).encode()
                self.send_response(status)
                for name, value in extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.api_url = f"{self.url}/api/"
        self._thread = threading.Thread(target=self.server.serve_forever, name="slack-standin", daemon=True)

    def __enter__(self) -> SlackStandin:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def response_url(self, name: str) -> str:
        return f"{self.url}/respond/{name}"

    def _next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"1700000000.{self._ts:06d}"

    def _reply_to(self, call: RecordedCall) -> dict[str, Any]:
        if call.method == "auth.test":
            return {
                "ok": True,
                "url": "https://standin.slack.test/",
                "team": "Stand-in",
                "user": "ofsted-bot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if call.method == "apps.connections.open":
            if self.socket_mode_url is None:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": self.socket_mode_url}
        if call.method == "chat.postMessage":
            ts = self._next_ts()
            return {
                "ok": True,
                "channel": call.body.get("channel"),
                "ts": ts,
                "message": {**call.body, "ts": ts},
            }
        if call.method == "conversations.open":
            # The DM with a user: "D" + the user's id, so tests know where to look.
            users = str(call.body.get("users", ""))
            return {"ok": True, "channel": {"id": f"D{users.split(',')[0]}"}}
        if call.method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        return {"ok": True}

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        headers: dict[str, str] | None = None,
        when: Callable[[RecordedCall], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (that also match ``when``) with HTTP
        ``status`` and ``headers`` instead of ``{"ok": true}``; they are recorded with that status.
        ``status=0`` drops the connection without answering (recorded with status 0)."""
        with self._lock:
            self._failures.append(_Failure(method, times, status, dict(headers or {}), when))

    def _failure_for(self, call: RecordedCall) -> _Failure | None:
        with self._lock:
            for failure in self._failures:
                if failure.method == call.method and (failure.when is None or failure.when(call)):
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                    return failure
        return None

    def _record(self, call: RecordedCall) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    def matching(self, predicate: Callable[[RecordedCall], bool]) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self.calls if predicate(c)]

    def wait_for(
        self, predicate: Callable[[RecordedCall], bool], timeout: float = 30.0, count: int = 1
    ) -> RecordedCall:
        """The first recorded call matching ``predicate``, waiting until ``count`` have arrived."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if predicate(c)]
                if len(found) >= count:
                    return found[0]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(c.path for c in self.calls[-10:])
                    raise AssertionError(
                        f"no matching call to the Slack stand-in in {timeout}s (last: {seen})"
                    )
                self._lock.wait(remaining)

    def wait_for_response(self, name: str, timeout: float = 30.0) -> RecordedCall:
        return self.wait_for(lambda c: c.path == f"/respond/{name}", timeout)

    def wait_for_post(self, channel: str, timeout: float = 30.0) -> RecordedCall:
        return self.wait_for(
            lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel, timeout
        )


# --- Slack's side: signed requests to the bot ---------------------------------------------------


def slack_signature(signing_secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


def http_request(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 30.0
) -> HttpResult:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpResult(response.status, response.read().decode(), dict(response.headers.items()))
    except urllib.error.HTTPError as err:
        return HttpResult(err.code, err.read().decode(), dict(err.headers.items()))


class SignedSlackClient:
    """Sends the bot what Slack sends: signed, form-encoded commands and clicks, JSON events."""

    def __init__(self, events_url: str, signing_secret: str) -> None:
        self.events_url = events_url
        self.signing_secret = signing_secret
        self._counter = 0
        self._lock = threading.Lock()

    def unique(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}{self._counter:04d}{int(time.time() * 1000) % 100000:05d}"

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> HttpResult:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or slack_signature(self.signing_secret, ts, body),
            **(extra_headers or {}),
        }
        return http_request(self.events_url, body.encode(), headers)

    def slash_command_body(self, text: str, response_url: str, user_id: str = ASKER_ID) -> str:
        return urllib.parse.urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "team_domain": "standin",
                "channel_id": "C0GENERAL",
                "channel_name": "general",
                "user_id": user_id,
                "user_name": "asker",
                "command": "/ofsted",
                "text": text,
                "api_app_id": "A0APP",
                "response_url": response_url,
                "trigger_id": self.unique("trigger."),
            }
        )

    def slash_command(self, text: str, response_url: str, user_id: str = ASKER_ID) -> HttpResult:
        return self.post(
            self.slash_command_body(text, response_url, user_id), "application/x-www-form-urlencoded"
        )

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> str:
        return json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "api_app_id": "A0APP",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or self.unique("Ev"),
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
            }
        )

    def event(
        self, event: dict[str, Any], event_id: str | None = None, retry_num: int | None = None
    ) -> HttpResult:
        headers = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        )
        return self.post(self.event_body(event, event_id), "application/json", extra_headers=headers)

    def block_action(
        self,
        action_id: str,
        value: str,
        response_url: str,
        *,
        ephemeral: bool = True,
        channel: str = "C0GENERAL",
        message_ts: str = "1700000000.000001",
        thread_ts: str | None = None,
        user_id: str = ASKER_ID,
    ) -> HttpResult:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": "asker", "team_id": TEAM_ID},
            "api_app_id": "A0APP",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": self.unique("trigger."),
            "team": {"id": TEAM_ID, "domain": "standin"},
            "channel": {"id": channel, "name": "general"},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "answer_actions",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if not ephemeral:
            message: dict[str, Any] = {"type": "message", "user": BOT_USER_ID, "ts": message_ts, "text": "…"}
            if thread_ts:
                message["thread_ts"] = thread_ts
            payload["message"] = message
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")
