"""The real ``ofsted-bot serve`` as a subprocess, talking only to the Slack stand-in.

Shared by the tests (``conftest.py`` and the tests that start servers of their own) and the
benchmarks (``bench/server_process.py``): the environment it gets, starting it, waiting for
``/healthz`` and stopping it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .slack_standin import SlackStandin, http_request

REPO_ROOT = Path(__file__).resolve().parents[2]
# Fake credentials: they only ever reach the stand-in.
TEST_BOT_TOKEN = "xoxb-0000000000-0000000000000-standinbottokenvalue0"
TEST_SIGNING_SECRET = "8f742231b10e8888abcd9911122285a5"
TEST_APP_TOKEN = "xapp-1-A0APP-0000000000000-standinapptokenvalue00"
SERVER_START_TIMEOUT = 180.0
HEALTH_POLL_SECONDS = 0.02


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command() -> list[str]:
    """``ofsted-bot serve`` through the CLI (``python -m bot`` is the same entry point)."""
    return [sys.executable, "-m", "bot", "serve"]


def bot_env(**overrides: str | None) -> dict[str, str]:
    """The environment for a bot subprocess: no Slack variables from the outside, offline model.

    An override of None removes the variable.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    # An in-memory feedback database unless a caller names a file: nothing lands in the repo's var/.
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": "sqlite://",
            # The servers under test answer from copies of the knowledge that tests change: they
            # never tune the repo's shared encoder again (test_knowledge_growth's own server tunes
            # its own copy).
            "AUTO_TUNE": "off",
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def standin_server_env(standin: SlackStandin, port: int, **overrides: str | None) -> dict[str, str]:
    """A server in HTTP mode on ``port`` with the fake token and secret, talking to the stand-in."""
    settings: dict[str, str | None] = {
        "SLACK_BOT_TOKEN": TEST_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": TEST_SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
    }
    return bot_env(**(settings | overrides))


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    started_at: float = field(default_factory=time.perf_counter)
    knowledge_dir: Path | None = None  # the server's own copy, which tests may change
    database_path: Path | None = None

    @property
    def events_url(self) -> str:
        return f"{self.base_url}/slack/events"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def start_server(env: dict[str, str], log_path: Path, port: int) -> RunningServer:
    started_at = time.perf_counter()
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            serve_command(), cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    return RunningServer(process, f"http://127.0.0.1:{port}", log_path, started_at)


def wait_until_healthy(server: RunningServer, timeout: float = SERVER_START_TIMEOUT) -> float:
    """Seconds from process start until ``GET /healthz`` answered 200; stops it on failure."""
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


def stop_server(server: RunningServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def start_standin_server(standin: SlackStandin, workdir: Path, **env: str | None) -> RunningServer:
    """``ofsted-bot serve`` in HTTP mode on a free port, talking to ``standin``, logging to
    ``workdir/serve.log``; started, not yet healthy (``env``: settings on top of the stand-in's)."""
    port = free_port()
    return start_server(standin_server_env(standin, port, **env), workdir / "serve.log", port)


@contextmanager
def healthy_standin_server(
    standin: SlackStandin, workdir: Path, **env: str | None
) -> Iterator[RunningServer]:
    """``start_standin_server``, healthy; stopped on leaving."""
    server = start_standin_server(standin, workdir, **env)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop_server(server)
