"""Fixtures for the Slack edge: a Slack stand-in, and the real server (``ofsted-bot serve``).

The server is started once per session, in HTTP mode, as a subprocess with the real model; it
talks only to the stand-in (SLACK_API_URL), and the tests post it signed requests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_standin import SignedSlackClient, SlackStandin, http_request

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_BOT_TOKEN = "xoxb-0000000000-0000000000000-standinbottokenvalue0"
TEST_SIGNING_SECRET = "8f742231b10e8888abcd9911122285a5"
TEST_APP_TOKEN = "xapp-1-A0APP-0000000000000-standinapptokenvalue00"
ADMIN_ID = "U0ADMIN"
SERVER_START_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command() -> list[str]:
    """``ofsted-bot serve`` through the CLI (``python -m bot`` is the same entry point)."""
    return [sys.executable, "-m", "bot", "serve"]


def bot_env(**overrides: str | None) -> dict[str, str]:
    """The environment for a bot subprocess: no Slack variables from the outside, offline model."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    # An in-memory feedback database unless a test names a file: nothing lands in the repo's var/.
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": "sqlite://",
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def standin_server_env(standin: SlackStandin, port: int, **overrides: str | None) -> dict[str, str]:
    """A server in HTTP mode on ``port`` with the tests' token and secret, talking to the stand-in."""
    return bot_env(
        SLACK_BOT_TOKEN=TEST_BOT_TOKEN,
        SLACK_SIGNING_SECRET=TEST_SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        PORT=str(port),
        LOG_LEVEL="INFO",
        **overrides,
    )


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    knowledge_dir: Path | None = None  # the server's own copy, which tests may change
    database_path: Path | None = None

    @property
    def events_url(self) -> str:
        return f"{self.base_url}/slack/events"

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_server(env: dict[str, str], log_path: Path, port: int) -> RunningServer:
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        serve_command(), cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
    )
    log_file.close()
    return RunningServer(process, f"http://127.0.0.1:{port}", log_path)


def wait_until_healthy(server: RunningServer, timeout: float = SERVER_START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited ({server.process.returncode}):\n{server.log_text()}")
        try:
            if http_request(f"{server.base_url}/healthz", timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"the server was not healthy within {timeout}s:\n{server.log_text()}")


def stop_server(server: RunningServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        yield running


@pytest.fixture(scope="session")
def bot_server(standin: SlackStandin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """``ofsted-bot serve`` in HTTP mode on a free port, talking to the stand-in; healthy.

    It answers from its own copy of the knowledge folder (the reload tests change it) and keeps
    feedback in its own database file; ADMIN_ID is its one admin.
    """
    port = free_port()
    workdir = tmp_path_factory.mktemp("server")
    knowledge_dir = workdir / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge_dir)
    database_path = workdir / "feedback.sqlite3"
    env = standin_server_env(
        standin,
        port,
        KNOWLEDGE_DIR=str(knowledge_dir),
        DATABASE_URL=f"sqlite:///{database_path}",
        ADMIN_USER_IDS=f"{ADMIN_ID}, U0OTHERADMIN",
        # The suite asks hundreds of questions as one user; the limit has a test of its own.
        RATE_LIMIT_PER_MINUTE="100000",
    )
    server = start_server(env, workdir / "serve.log", port)
    server.knowledge_dir = knowledge_dir
    server.database_path = database_path
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def slack(bot_server: RunningServer) -> SignedSlackClient:
    """Slack's side: signed requests to the running bot."""
    return SignedSlackClient(bot_server.events_url, TEST_SIGNING_SECRET)
