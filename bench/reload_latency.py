"""Hot reload: from saving a new knowledge file to the running bot answering with its fact.

The real ``ofsted-bot serve`` runs on a copy of the knowledge folder; each round writes a new
YAML file (a source and a fact) and asks a signed ``/ofsted`` question every 100 ms until the
answer carries the new fact, then deletes the file and waits until the fact is gone again.

    .venv/bin/python -m bench.reload_latency --rounds 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
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
from bench.stats import summarise_ms

POLL_SECONDS = 0.1
ROUND_TIMEOUT_SECONDS = 60.0
SOURCE_TEXT = "Team briefing\n\nThe briefing records that {n} family hubs opened across the district.\n"
FACT_FILE = """\
sources:
  - id: bench-briefing-{n}
    publisher: Team briefing
    title: Team briefing {n}
    published: null
    url: null
    report: Team briefing
    text_file: sources/bench-briefing-{n}.txt
facts:
  - id: bench-family-hubs-{n}
    source: bench-briefing-{n}
    statement: {n} family hubs opened across the district.
    quote: "The briefing records that {n} family hubs opened across the district."
    questions: ["how many family hubs opened across the district"]
"""
QUESTION = "how many family hubs opened across the district"


def answered_with(slack: SignedSlackClient, standin: TimedSlackStandin, marker: str) -> bool:
    name = slack.unique("reload-bench-")
    slack.slash_command(QUESTION, standin.response_url(name))
    reply = standin.wait_for_response(name, timeout=30)
    return marker in json.dumps(reply.body.get("blocks", []))


def wait_for(condition: Callable[[], bool]) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > ROUND_TIMEOUT_SECONDS:
            raise TimeoutError(f"not within {ROUND_TIMEOUT_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def run_reload_latency(rounds: int, work_dir: Path, cache_dir: Path) -> dict[str, Any]:
    knowledge = work_dir / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge)
    added: list[float] = []
    removed: list[float] = []
    with TimedSlackStandin() as standin:
        server = start_server(standin, cache_dir, work_dir, {"KNOWLEDGE_DIR": str(knowledge)})
        try:
            wait_until_healthy(server)
            slack = SignedSlackClient(server.events_url, TEST_SIGNING_SECRET)
            for n in range(101, 101 + rounds):
                marker = f"{n} family hubs opened"
                (knowledge / "sources" / f"bench-briefing-{n}.txt").write_text(
                    SOURCE_TEXT.format(n=n), encoding="utf-8"
                )
                new_file = knowledge / f"bench-{n}.yaml"
                new_file.write_text(FACT_FILE.format(n=n), encoding="utf-8")
                added.append(wait_for(lambda marker=marker: answered_with(slack, standin, marker)))
                new_file.unlink()
                removed.append(wait_for(lambda marker=marker: not answered_with(slack, standin, marker)))
        finally:
            stop_server(server)
    return {
        "what": "saving a new knowledge file (or deleting it) until a signed /ofsted question"
        " gets (or no longer gets) its fact, with the watcher's debounce and the reload",
        "runs": rounds,
        "added": summarise_ms(added, "save a new YAML file -> its fact answered"),
        "removed": summarise_ms(removed, "delete the file -> its fact no longer answered"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ofsted-reload-") as tmp:
        result = run_reload_latency(args.rounds, Path(tmp), REPO_ROOT / ".cache" / "embeddings")
    for key in ("added", "removed"):
        s = result[key]
        median_s, max_s = s["median_ms"] / 1000, s["max_ms"] / 1000
        print(f"{s['what']}: median {median_s:.2f} s, max {max_s:.2f} s over {s['runs']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
