"""Ack latency of ``/ofsted`` under load: signed slash commands to the real HTTP server.

``ofsted-bot serve`` runs as a subprocess in HTTP mode with SLACK_API_URL pointing at a local
Slack stand-in; requests are signed with the tests' signing secret and sent at a fixed number in
flight (1, 10, 20), a bounded count at each. The ack is the HTTP response (Slack needs it within
3 s); the answer follows as a post to ``response_url``, which the stand-in records with its
arrival time, so the bench also knows when every answer had arrived.

    .venv/bin/python -m bench.ack_latency                     # starts a stand-in and the server
    .venv/bin/python -m bench.ack_latency --requests 50 --concurrency 1 20
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.server_process import (
    REPO_ROOT,
    TEST_SIGNING_SECRET,
    SignedSlackClient,
    TimedSlackStandin,
    start_server,
    stop_server,
    wait_until_healthy,
)
from bench.stats import peak_rss_mib, summarise_ms
from bot.slack.blocks import APOLOGY_TEXT

DEFAULT_QUESTIONS = (
    "what percentage of councils are rated inadequate",
    "how many children are in care",
    "how many monitoring visits were carried out",
    "is deprivation linked to ofsted judgements",
    "what's the best pizza near the office",
)
SLACK_ACK_LIMIT_MS = 3000.0
GOAL_P99_AT_20_MS = 100.0
ANSWER_WAIT_SECONDS = 180.0
WARM_UP_REQUESTS = 5


def measure_level(
    slack: SignedSlackClient,
    standin: TimedSlackStandin,
    questions: Sequence[str],
    concurrency: int,
    requests: int,
) -> dict[str, Any]:
    """``requests`` signed commands, ``concurrency`` in flight; then wait (bounded) for every answer."""
    standin.clear()
    prefix = f"/respond/bench-c{concurrency}-"
    sent_at = [0.0] * requests

    def one(i: int) -> tuple[float, str | None]:
        sent_at[i] = time.perf_counter()
        try:
            result = slack.slash_command(
                questions[i % len(questions)], standin.response_url(f"bench-c{concurrency}-{i}")
            )
        except OSError as exc:
            return time.perf_counter() - sent_at[i], f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - sent_at[i]
        return elapsed, None if result.status == 200 else f"HTTP {result.status}"

    level_started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"slack-c{concurrency}") as pool:
        outcomes = list(pool.map(one, range(requests)))
    acked = [i for i, (_, error) in enumerate(outcomes) if error is None]
    errors = [error for _, error in outcomes if error is not None]

    answers_timed_out = False
    try:
        standin.wait_for(lambda c: c.path.startswith(prefix), timeout=ANSWER_WAIT_SECONDS, count=len(acked))
    except AssertionError:
        answers_timed_out = True
    arrived = {path: t for path, t in dict(standin.arrived_at).items() if path.startswith(prefix)}
    answer_s = [arrived[f"{prefix}{i}"] - sent_at[i] for i in acked if f"{prefix}{i}" in arrived]
    apologies = len(
        standin.matching(lambda c: c.path.startswith(prefix) and c.body.get("text") == APOLOGY_TEXT)
    )
    ack = summarise_ms(
        [outcomes[i][0] for i in acked], f"HTTP ack of a signed /ofsted, {concurrency} in flight"
    )
    return {
        "concurrency": concurrency,
        "requests": requests,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        **{k: v for k, v in ack.items() if k != "what"},
        "what": ack["what"],
        "answers_arrived": len(arrived),
        "answers_missing": len(acked) - len(arrived),
        "answers_timed_out": answers_timed_out,
        "apologies": apologies,
        "seconds_until_all_answers": round(max(arrived.values()) - level_started, 3) if arrived else None,
        "answer_delivery": summarise_ms(answer_s, "request sent -> its answer posted to response_url"),
    }


# torch (OpenMP) and numpy (OpenBLAS) each start a thread per core in every process; with two
# answer workers that is up to 8 busy threads on 2 cores. The variant runs one thread per library.
ONE_THREAD_PER_LIBRARY = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_levels(
    standin: TimedSlackStandin,
    questions: Sequence[str],
    levels: Sequence[int],
    requests: int,
    work_dir: Path,
    cache_dir: Path,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One server start, a warm-up, then each level in turn; the server's peak RSS at the end."""
    server = start_server(standin, cache_dir, work_dir, extra_env)
    try:
        seconds_to_healthy = wait_until_healthy(server)
        slack = SignedSlackClient(server.events_url, TEST_SIGNING_SECRET)
        measure_level(slack, standin, questions, 1, WARM_UP_REQUESTS)  # lazy imports, first answers
        results = [measure_level(slack, standin, questions, c, requests) for c in levels]
        server_peak_rss = peak_rss_mib(server.pid)
    finally:
        stop_server(server)
    return {
        "server_env_overrides": extra_env or {},
        "server_seconds_to_healthy": round(seconds_to_healthy, 3),
        "server_peak_rss_mib_after_load": server_peak_rss,
        "levels": results,
    }


def run_ack_latency(
    questions: Sequence[str],
    levels: Sequence[int],
    requests: int,
    work_dir: Path,
    cache_dir: Path,
    thread_variant: bool = True,
) -> dict[str, Any]:
    """Every level on the server as configured; then, on a second server with one thread per
    library, the highest level again (to see what the thread settings do to answer delivery)."""
    with TimedSlackStandin() as standin:
        as_configured = run_levels(standin, questions, levels, requests, work_dir, cache_dir)
        variant = (
            run_levels(
                standin, questions, [max(levels)], requests, work_dir, cache_dir, ONE_THREAD_PER_LIBRARY
            )
            if thread_variant
            else None
        )
    results = as_configured["levels"]
    at_most = max(levels)
    p99_at_most = next(r["p99_ms"] for r in results if r["concurrency"] == at_most)
    return {
        "what": "ack latency of signed /ofsted requests to `ofsted-bot serve` (HTTP mode, waitress) on "
        "loopback, the Web API and response_url played by the Slack stand-in; client threads keep "
        "`concurrency` requests in flight",
        "questions_cycled": len(questions),
        **as_configured,
        "one_thread_per_library": variant,
        "goal": f"p99 well under Slack's {SLACK_ACK_LIMIT_MS:.0f} ms; aim < {GOAL_P99_AT_20_MS:.0f} ms at "
        f"{at_most} in flight",
        "goal_met": all(r["errors"] == 0 and r["p99_ms"] < SLACK_ACK_LIMIT_MS for r in results)
        and p99_at_most < GOAL_P99_AT_20_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="requests at each concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--no-thread-variant", action="store_true", help="skip the one-thread server")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ofsted-bench-ack-") as tmp:
        result = run_ack_latency(
            DEFAULT_QUESTIONS,
            args.concurrency,
            args.requests,
            Path(tmp),
            REPO_ROOT / ".cache" / "embeddings",
            thread_variant=not args.no_thread_variant,
        )
    for level in result["levels"]:
        print(
            f"{level['requests']} signed /ofsted, {level['concurrency']} in flight:"
            f" median {level['median_ms']:.1f} ms,"
            f" p99 {level['p99_ms']:.1f} ms, errors {level['errors']},"
            f" all answers after {level['seconds_until_all_answers']} s"
        )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
