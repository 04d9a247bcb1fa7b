"""Start-up: process start to ``GET /healthz`` 200 for ``ofsted-bot serve``, warm and cold.

Warm: CACHE_DIR holds every fact text's vector already (filled by the first cold start).
Cold: CACHE_DIR is a new empty folder, so every fact text is encoded at start. Both are put
against the bare ``python -c "import sentence_transformers"`` on the same machine, which any
process using the model pays. Peak RSS is the server's VmHWM, read just before stopping it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.server_process import TimedSlackStandin, start_server, stop_server, wait_until_healthy
from bench.stats import load_average, peak_rss_mib, ratio, summarise_ms

BARE_IMPORT = [sys.executable, "-c", "import sentence_transformers"]


def bare_import_seconds() -> float:
    started = time.perf_counter()
    subprocess.run(
        BARE_IMPORT,
        check=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )
    return time.perf_counter() - started


def one_start(standin: TimedSlackStandin, cache_dir: Path, work_dir: Path) -> tuple[float, float | None]:
    """(seconds to healthy, peak RSS MiB) of one server start."""
    server = start_server(standin, cache_dir, work_dir)
    try:
        seconds = wait_until_healthy(server)
        peak = peak_rss_mib(server.pid)
    finally:
        stop_server(server)
    return seconds, peak


def run_startup(runs: int, work_dir: Path) -> dict[str, Any]:
    bare: list[float] = []
    cold: list[float] = []
    warm: list[float] = []
    cold_rss: list[float] = []
    warm_rss: list[float] = []
    warm_cache = work_dir / "warm-cache"
    with TimedSlackStandin() as standin:
        for run in range(runs):
            # Interleaved, so a burst of other work on the machine hits all three alike.
            bare.append(bare_import_seconds())
            cold_cache = warm_cache if run == 0 else work_dir / f"cold-cache-{run}"
            seconds, peak = one_start(standin, cold_cache, work_dir)  # the first one fills warm_cache
            cold.append(seconds)
            if peak is not None:
                cold_rss.append(peak)
            seconds, peak = one_start(standin, warm_cache, work_dir)
            warm.append(seconds)
            if peak is not None:
                warm_rss.append(peak)
    bare_summary = summarise_ms(bare, 'python -c "import sentence_transformers" (a new process, to exit)')
    warm_summary = summarise_ms(warm, "ofsted-bot serve: process start -> /healthz 200, embedding cache warm")
    cold_summary = summarise_ms(cold, "ofsted-bot serve: process start -> /healthz 200, CACHE_DIR empty")
    return {
        "what": "server start-up to healthy against the bare sentence-transformers import, and peak RSS",
        "runs": runs,
        "bare_import": bare_summary,
        "serve_warm_cache": warm_summary,
        "serve_cold_cache": cold_summary,
        "ratio_warm_to_bare_import": ratio(warm_summary["median_ms"], bare_summary["median_ms"]),
        "ratio_cold_to_bare_import": ratio(cold_summary["median_ms"], bare_summary["median_ms"]),
        "peak_rss_mib_warm": max(warm_rss, default=None),
        "peak_rss_mib_cold": max(cold_rss, default=None),
        "load_average_after": load_average(),
    }
