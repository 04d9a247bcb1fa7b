"""The real ``ofsted-bot serve`` as a subprocess, talking only to a local Slack stand-in.

The stand-in (``tests/slack_standin.py``) answers the bot's Web API calls and records every
``response_url`` post, here with the time it arrived. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests"))

from slack_standin import (  # noqa: E402 - the tests' Slack stand-in, found through sys.path
    RecordedCall,
    SignedSlackClient,
    SlackStandin,
    http_request,
)

# The tests' fake credentials (tests/conftest.py): they only ever reach the stand-in.
TEST_BOT_TOKEN = "xoxb-0000000000-0000000000000-standinbottokenvalue0"
TEST_SIGNING_SECRET = "8f742231b10e8888abcd9911122285a5"
HEALTH_POLL_SECONDS = 0.02
START_TIMEOUT_SECONDS = 180.0

__all__ = ["SignedSlackClient", "TimedSlackStandin", "http_request"]


class TimedSlackStandin(SlackStandin):
    """The Slack stand-in, also noting when each call arrived (``time.perf_counter``)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived_at: dict[str, float] = {}

    def _record(self, call: RecordedCall) -> None:
        self.arrived_at.setdefault(call.path, time.perf_counter())
        super()._record(call)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self.arrived_at.clear()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command() -> list[str]:
    """``ofsted-bot serve``: the console script beside this interpreter (else ``python -m bot``)."""
    script = Path(sys.executable).parent / "ofsted-bot"
    return [str(script), "serve"] if script.exists() else [sys.executable, "-m", "bot", "serve"]


def server_env(
    standin: SlackStandin, port: int, cache_dir: Path, work_dir: Path, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    """No Slack variables from outside; the stand-in's URL, the tests' fake token and secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            "SLACK_BOT_TOKEN": TEST_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": TEST_SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "PORT": str(port),
            "CACHE_DIR": str(cache_dir),
            "DATABASE_URL": f"sqlite:///{work_dir / 'bench.sqlite3'}",
            # One asker sends every request: lift the per-user limit so all of them are answered.
            "RATE_LIMIT_PER_MINUTE": "1000000",
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
    )
    return env


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    started_at: float = field(default_factory=time.perf_counter)

    @property
    def events_url(self) -> str:
        return f"{self.base_url}/slack/events"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def start_server(
    standin: SlackStandin, cache_dir: Path, work_dir: Path, extra_env: dict[str, str] | None = None
) -> ServerProcess:
    port = free_port()
    log_path = work_dir / f"serve-{port}.log"
    with log_path.open("wb") as log_file:
        started_at = time.perf_counter()
        process = subprocess.Popen(
            serve_command(),
            cwd=REPO_ROOT,
            env=server_env(standin, port, cache_dir, work_dir, extra_env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    return ServerProcess(process, f"http://127.0.0.1:{port}", log_path, started_at)


def wait_until_healthy(server: ServerProcess, timeout: float = START_TIMEOUT_SECONDS) -> float:
    """Seconds from process start until ``GET /healthz`` answered 200 (polled every 20 ms)."""
    deadline = server.started_at + timeout
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited ({server.process.returncode}):\n{server.log_tail()}")
        try:
            if http_request(f"{server.base_url}/healthz", timeout=2).status == 200:
                return time.perf_counter() - server.started_at
        except OSError:
            pass
        time.sleep(HEALTH_POLL_SECONDS)
    stop_server(server)
    raise RuntimeError(f"the server was not healthy within {timeout:.0f}s:\n{server.log_tail()}")


def stop_server(server: ServerProcess) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
