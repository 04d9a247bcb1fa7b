"""Summaries of timing samples and facts about the machine they were taken on."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def summarise_ms(samples_seconds: Sequence[float], what: str) -> dict[str, Any]:
    """What was measured, how many runs, and median / p95 / p99 / max in milliseconds.

    Percentiles are numpy's linear interpolation between the closest samples, so with 200 runs
    p99 lies between the second-largest and the largest sample.
    """
    ms = np.asarray(samples_seconds, dtype=np.float64) * 1000.0
    if ms.size == 0:
        return {"what": what, "runs": 0}
    return {
        "what": what,
        "runs": int(ms.size),
        "median_ms": round(float(np.median(ms)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "min_ms": round(float(ms.min()), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator > 0 else None


def timed(call: Callable[[], T]) -> tuple[T, float]:
    """The call's result and its wall time in seconds."""
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: above the core count means other work competed."""
    return [round(x, 2) for x in os.getloadavg()]


def proc_status_kib(pid: int | str, field: str) -> int | None:
    """A ``/proc/<pid>/status`` memory field (VmRSS, VmHWM…) in KiB, or None where unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def rss_mib(pid: int | str = "self") -> float | None:
    kib = proc_status_kib(pid, "VmRSS")
    return round(kib / 1024, 1) if kib is not None else None


def peak_rss_mib(pid: int | str = "self") -> float | None:
    kib = proc_status_kib(pid, "VmHWM")
    return round(kib / 1024, 1) if kib is not None else None


def machine_description() -> dict[str, Any]:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    import torch

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }


class TimeBudget:
    """A deadline for a measurement loop: loops stop early (and say so) rather than run on."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.perf_counter() + seconds
        self.exhausted = False

    def spent(self) -> bool:
        if time.perf_counter() >= self.deadline:
            self.exhausted = True
        return self.exhausted


def paired_ratio_median(numerators: Sequence[float], denominators: Sequence[float]) -> float | None:
    """Median of per-pair ratios: each pair was measured back to back, so a burst of other work
    on the machine inflates both sides of a pair alike and cancels out."""
    pairs = [n / d for n, d in zip(numerators, denominators, strict=True) if d > 0]
    return round(float(np.median(pairs)), 3) if pairs else None


def time_interleaved(
    calls: Mapping[str, Callable[[str], object]], questions: Sequence[str], budget: TimeBudget
) -> dict[str, list[float]]:
    """One pass over the questions, timing each call on each question back to back (so a burst
    of other work on the machine hits every call alike); stops early when the budget is spent."""
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    for q in questions:
        if budget.spent():
            break
        for name, call in calls.items():
            started = time.perf_counter()
            call(q)
            seconds[name].append(time.perf_counter() - started)
    return seconds
