"""Ack latency of ``/ofsted``: time from a signed request to the bot's HTTP response.

Sends 100 signed slash commands, 10 at a time, and prints the median and maximum. Slack needs
the response within 3 s; the answer itself follows through ``response_url``.

    .venv/bin/python bench/ack_latency.py            # starts a stand-in and `ofsted-bot serve`
    .venv/bin/python bench/ack_latency.py --url http://127.0.0.1:3000/slack/events \\
        --signing-secret "$SLACK_SIGNING_SECRET"     # against a server already running

Answers go to a local Slack stand-in (its response_url), never to Slack.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from conftest import (  # noqa: E402 - the tests' helpers, found through sys.path
    TEST_BOT_TOKEN,
    TEST_SIGNING_SECRET,
    bot_env,
    free_port,
    start_server,
    stop_server,
    wait_until_healthy,
)
from slack_standin import SignedSlackClient, SlackStandin  # noqa: E402

QUESTIONS = [
    "what percentage of councils are rated inadequate",
    "how many children are in care",
    "how many monitoring visits were carried out",
    "is deprivation linked to ofsted judgements",
    "what's the best pizza near the office",
]


def measure(slack: SignedSlackClient, standin: SlackStandin, requests: int, concurrency: int) -> list[float]:
    def one(i: int) -> float:
        started = time.perf_counter()
        result = slack.slash_command(QUESTIONS[i % len(QUESTIONS)], standin.response_url(f"bench-{i}"))
        elapsed = time.perf_counter() - started
        if result.status != 200:
            raise RuntimeError(f"request {i}: HTTP {result.status} {result.body}")
        return elapsed

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        timings = list(pool.map(one, range(requests)))
    # Every answer must also arrive, or a fast ack would mean nothing.
    standin.wait_for(lambda c: c.path.startswith("/respond/bench-"), timeout=300, count=requests)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="events URL of a running server (default: start one)")
    parser.add_argument("--signing-secret", default=TEST_SIGNING_SECRET)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args(argv)

    with SlackStandin() as standin:
        server = None
        url = args.url
        if url is None:
            port = free_port()
            env = bot_env(
                SLACK_BOT_TOKEN=TEST_BOT_TOKEN,
                SLACK_SIGNING_SECRET=args.signing_secret,
                SLACK_API_URL=standin.api_url,
                PORT=str(port),
                LOG_LEVEL="WARNING",
            )
            log_path = Path(".cache") / "ack-latency-server.log"
            log_path.parent.mkdir(exist_ok=True)
            server = start_server(env, log_path, port)
            print(f"starting ofsted-bot serve on port {port} (log: {log_path}) …", file=sys.stderr)
            wait_until_healthy(server)
            url = server.events_url
        try:
            slack = SignedSlackClient(url, args.signing_secret)
            measure(slack, standin, 5, 1)  # warm up: first requests pay for lazy imports
            standin.calls.clear()
            timings = measure(slack, standin, args.requests, args.concurrency)
        finally:
            if server is not None:
                stop_server(server)

    ms = sorted(t * 1000 for t in timings)
    print(
        f"{len(ms)} signed /ofsted requests, {args.concurrency} at a time: "
        f"median {statistics.median(ms):.1f} ms, p90 {ms[int(len(ms) * 0.9) - 1]:.1f} ms, max {ms[-1]:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
