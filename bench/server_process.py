"""The real ``ofsted-bot serve`` as a subprocess, talking only to a local Slack stand-in.

Built on the tests' server kit and Slack stand-in (``tests/support/bot_process.py`` and
``tests/support/slack_standin.py``, imported through the ``tests`` namespace package, so run the
benchmarks from the repository root: ``python -m bench.run``). The stand-in answers the bot's Web
API calls and records every ``response_url`` post, here with the time it arrived. Everything
listens on 127.0.0.1.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.bot_process import (
    TEST_SIGNING_SECRET,
    RunningServer,
    free_port,
    standin_server_env,
    stop_server,
    wait_until_healthy,
)
from tests.support.bot_process import start_server as launch_server
from tests.support.slack_standin import RecordedCall, SignedSlackClient, SlackStandin, http_request

REPO_ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "TEST_SIGNING_SECRET",
    "RunningServer",
    "SignedSlackClient",
    "TimedSlackStandin",
    "http_request",
    "start_server",
    "stop_server",
    "wait_until_healthy",
]


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


def server_env(
    standin: SlackStandin, port: int, cache_dir: Path, work_dir: Path, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    """The tests' stand-in environment, with the bench's cache, database and limits."""
    return standin_server_env(
        standin,
        port,
        CACHE_DIR=str(cache_dir),
        DATABASE_URL=f"sqlite:///{work_dir / 'bench.sqlite3'}",
        # One asker sends every request: lift the per-user limit so all of them are answered.
        RATE_LIMIT_PER_MINUTE="1000000",
        LOG_LEVEL="WARNING",
        **(extra_env or {}),
    )


def start_server(
    standin: SlackStandin, cache_dir: Path, work_dir: Path, extra_env: dict[str, str] | None = None
) -> RunningServer:
    port = free_port()
    env = server_env(standin, port, cache_dir, work_dir, extra_env)
    return launch_server(env, work_dir / f"serve-{port}.log", port)
