"""In-process answer latency: ``answer_question`` against the bare model encode of the same question.

Warm (one untimed pass first), several rounds over the dev questions, the two calls interleaved
question by question so both see the same machine load. A third timing runs ``answer_question``
with an encoder that returns the question vectors precomputed by the real model: what the core
adds on top of encoding.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import numpy as np

from bench.stats import TimeBudget, paired_ratio_median, ratio, summarise_ms, time_interleaved
from retrieval.matching.answer import answer_question
from retrieval.matching.index import FactIndex, SentenceEncoder
from retrieval.matching.scoring import prepare_question

GOAL_RATIO = 1.3
MAIN_LOOP_BUDGET_SECONDS = 60.0
THREADS_LOOP_BUDGET_SECONDS = 60.0


class PrecomputedEncoder:
    """Returns vectors the real encoder made earlier for exactly these texts (a dictionary look-up)."""

    def __init__(self, name: str, vectors: dict[str, np.ndarray]) -> None:
        self.name = name
        self._vectors = vectors

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return np.stack([self._vectors[t] for t in texts])


def questions_with_rewrites(index: FactIndex, questions: Sequence[str]) -> list[str]:
    """The texts answer_question encodes: each question as prepared (framing, units, spelling),
    plus its synonym rewrite when there is one."""
    texts: list[str] = []
    for q in questions:
        text = prepare_question(index, q).text
        texts.append(text)
        rewritten = index.rewrite_with_synonyms(text)
        if rewritten is not None:
            texts.append(rewritten)
    return texts


def answer_and_encode(index: FactIndex) -> dict[str, Callable[[str], object]]:
    """The two calls compared: the product's answer, and the bare model encode of the question."""
    model = index.encoder.model  # type: ignore[attr-defined]
    return {"answer": lambda q: answer_question(index, q), "encode": lambda q: model.encode([q])}


@contextmanager
def thread_limits(torch_threads: int | None, blas_threads: int | None) -> Iterator[bool]:
    """Run with torch's intra-op threads and numpy's BLAS threads limited (None: as they are).

    Yields False when a BLAS limit was asked for but threadpoolctl (a dependency of
    sentence-transformers' scikit-learn) is not importable.
    """
    import torch

    default_torch = torch.get_num_threads()
    with ExitStack() as stack:
        applied = True
        if blas_threads is not None:
            try:
                from threadpoolctl import threadpool_limits
            except ImportError:
                applied = False
            else:
                stack.enter_context(threadpool_limits(blas_threads, user_api="blas"))
        if torch_threads is not None:
            torch.set_num_threads(torch_threads)
        try:
            yield applied
        finally:
            torch.set_num_threads(default_torch)


def thread_configurations(index: FactIndex, questions: Sequence[str], rounds: int) -> dict[str, Any]:
    """answer_question and the bare encode with each library's threads at default or 1, by round.

    numpy's OpenBLAS (the fact-vector product in ``dense_scores``) and torch (the encoder) each
    start one thread per core; their threads spin for a while after each call, so on 2 cores the
    next call of the other library waits for cores that are busy doing nothing.
    """
    import torch

    encoder = index.encoder
    assert isinstance(encoder, SentenceEncoder)
    configurations: dict[str, tuple[int | None, int | None]] = {
        f"default (torch {torch.get_num_threads()}, BLAS per core)": (None, None),
        "BLAS 1 thread": (None, 1),
        "torch 1 thread": (1, None),
        "torch 1 + BLAS 1": (1, 1),
    }
    answer_s: dict[str, list[float]] = {name: [] for name in configurations}
    encode_s: dict[str, list[float]] = {name: [] for name in configurations}
    skipped: set[str] = set()
    budget = TimeBudget(THREADS_LOOP_BUDGET_SECONDS)
    for _ in range(rounds):
        for name, (torch_threads, blas_threads) in configurations.items():
            with thread_limits(torch_threads, blas_threads) as applied:
                if not applied:
                    skipped.add(name)
                    continue
                timed = time_interleaved(answer_and_encode(index), questions, budget)
                answer_s[name] += timed["answer"]
                encode_s[name] += timed["encode"]
    figures: dict[str, Any] = {}
    for name in configurations:
        if name in skipped:
            continue
        answer = summarise_ms(answer_s[name], f"answer_question, {name}")
        encode = summarise_ms(encode_s[name], f"model.encode([q]), {name}")
        figures[name] = {
            "answer_question": answer,
            "bare_encode": encode,
            "ratio_median": ratio(answer.get("median_ms", 0.0), encode.get("median_ms", 0.0)),
            "paired_ratio_median": paired_ratio_median(answer_s[name], encode_s[name]),
        }
    return {
        "what": "answer_question and model.encode([q]) interleaved per question, under each thread "
        "configuration in turn, round by round",
        "rounds": rounds,
        "stopped_by_time_budget": budget.exhausted,
        "configurations": figures,
        "skipped_without_threadpoolctl": sorted(skipped),
    }


def run_answer_latency(index: FactIndex, questions: Sequence[str], rounds: int) -> dict[str, Any]:
    encoder = index.encoder
    if not isinstance(encoder, SentenceEncoder):
        raise TypeError("the answer latency needs the real SentenceEncoder")
    model = encoder.model
    for q in questions[:10]:  # warm: lazy initialisation, allocator, caches
        answer_question(index, q)
        model.encode([q])

    answer_s: list[float] = []
    encode_s: list[float] = []
    budget = TimeBudget(MAIN_LOOP_BUDGET_SECONDS)
    for _ in range(rounds):
        timed = time_interleaved(answer_and_encode(index), questions, budget)
        answer_s += timed["answer"]
        encode_s += timed["encode"]

    texts = questions_with_rewrites(index, questions)
    stored = dict(zip(texts, encoder.encode(texts), strict=True))
    core_only = dataclasses.replace(index, encoder=PrecomputedEncoder(encoder.name, stored))
    core_s: list[float] = []
    for _ in range(rounds):  # sub-millisecond calls: bounded by count alone
        for q in questions:
            started = time.perf_counter()
            answer_question(core_only, q)
            core_s.append(time.perf_counter() - started)

    answer = summarise_ms(answer_s, "answer_question(index, q), warm, in process")
    encode = summarise_ms(encode_s, "index.encoder.model.encode([q]) (the SentenceTransformer alone)")
    core = summarise_ms(
        core_s, "answer_question with question vectors precomputed (the core without the model)"
    )
    rewritten = sum(1 for q in questions if index.rewrite_with_synonyms(prepare_question(index, q).text))
    median_ratio = ratio(answer["median_ms"], encode["median_ms"])
    return {
        "what": "answer latency in process against the bare sentence-transformers encode of the question",
        "questions": len(questions),
        "rounds": rounds,
        "questions_with_synonym_rewrite": rewritten,
        "answer_question": answer,
        "bare_encode": encode,
        "core_without_encode": core,
        "stopped_by_time_budget": budget.exhausted,
        "ratio_median": median_ratio,
        "ratio_p95": ratio(answer["p95_ms"], encode["p95_ms"]),
        "paired_ratio_median": paired_ratio_median(answer_s, encode_s),
        "thread_configurations": thread_configurations(index, questions, max(1, rounds // 2)),
        "goal": f"answer_question median <= {GOAL_RATIO}x bare encode median",
        "goal_met": median_ratio is not None and median_ratio <= GOAL_RATIO,
    }
