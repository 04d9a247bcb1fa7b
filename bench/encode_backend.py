"""Encode backend: sentence-transformers' OpenVINO backend against the PyTorch one the product uses.

Keeps OpenVINO only if it gives identical answers on the question sets and encodes faster. The
project does not install OpenVINO (``optimum-intel[openvino]``); in an interpreter without it this
section reports "not installed". To measure it, install it in a throwaway venv next to the
project's own dependencies and point the bench at that interpreter:

    .venv/bin/python -m bench.run --only encode_backend --openvino-python /tmp/ov-venv/bin/python

which runs ``python -m bench.encode_backend --json`` there (the project's code found through
PYTHONPATH), so nothing in .venv changes.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEV = REPO_ROOT.parent / "shared" / "eval" / "dev.yaml"
DEFAULT_TEAM = REPO_ROOT / "tests" / "data" / "team_questions.yaml"
SUBPROCESS_TIMEOUT_SECONDS = 600


def version_of(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def openvino_available() -> bool:
    return (
        importlib.util.find_spec("openvino") is not None
        and importlib.util.find_spec("optimum.intel") is not None
    )


def compare_backends(dev_path: Path, team_path: Path, rounds: int) -> dict[str, Any]:
    """Both backends: index build, answers on both question sets, single-question encode latency."""
    from bench.stats import ratio, summarise_ms
    from retrieval.evaluation.evaluate import QuestionSet, evaluate
    from retrieval.knowledge.schema import require_knowledge
    from retrieval.matching.answer import Answer, answer_question
    from retrieval.matching.index import BUNDLED_MODEL, FactIndex, SentenceEncoder

    knowledge = require_knowledge(REPO_ROOT / "knowledge")
    sets = {"dev": QuestionSet.from_file(dev_path), "team": QuestionSet.from_file(team_path)}
    encoders: dict[str, SentenceEncoder] = {}
    load_s: dict[str, float] = {}
    for backend in ("torch", "openvino"):
        started = time.perf_counter()
        encoders[backend] = SentenceEncoder(BUNDLED_MODEL, backend=backend)
        load_s[backend] = time.perf_counter() - started
    indexes = {
        b: FactIndex.build(knowledge, e, cache_dir=None, show_progress=False) for b, e in encoders.items()
    }

    def decision(answer: Answer) -> tuple[bool, tuple[str, ...]]:
        return answer.answered, tuple(a.fact.id for a in answer.answers)

    def suggestions(answer: Answer) -> tuple[str, ...]:
        return tuple(s.fact_id for s in answer.suggestions)

    quality: dict[str, Any] = {}
    different_decision: list[str] = []
    different_suggestions: list[str] = []
    for set_name, questions in sets.items():
        quality[set_name] = {}
        for backend, index in indexes.items():
            report = evaluate(questions, lambda q, index=index: answer_question(index, q))
            quality[set_name][backend] = {
                "in_scope_top1": round(report.top1, 4),
                "out_of_scope_declined_share": round(report.declined_share, 4),
            }
        for q in questions.questions:
            on_torch, on_openvino = (answer_question(indexes[b], q) for b in ("torch", "openvino"))
            if decision(on_torch) != decision(on_openvino):
                different_decision.append(q)
            elif suggestions(on_torch) != suggestions(on_openvino):
                different_suggestions.append(q)

    questions_text = sets["dev"].questions
    timings: dict[str, list[float]] = {"torch": [], "openvino": []}
    for encoder in encoders.values():
        for q in questions_text:
            encoder.model.encode([q])
    for _ in range(rounds):
        for q in questions_text:
            for backend, encoder in encoders.items():
                started = time.perf_counter()
                encoder.model.encode([q])
                timings[backend].append(time.perf_counter() - started)
    torch_summary = summarise_ms(timings["torch"], "model.encode([q]) on the PyTorch backend")
    openvino_summary = summarise_ms(timings["openvino"], "model.encode([q]) on the OpenVINO backend")
    vector_diff = float(np.abs(indexes["torch"].vectors - indexes["openvino"].vectors).max())
    identical = not different_decision and not different_suggestions
    faster = openvino_summary["median_ms"] < torch_summary["median_ms"]
    return {
        "status": "measured",
        "interpreter": sys.executable,
        "versions": {
            p: version_of(p)
            for p in (
                "torch",
                "transformers",
                "sentence-transformers",
                "openvino",
                "optimum-intel",
                "torchvision",
            )
        },
        "model_load_s": {b: round(s, 2) for b, s in load_s.items()},
        "max_abs_vector_difference": round(vector_diff, 6),
        "quality": quality,
        "questions_compared": sum(len(q.in_scope) + len(q.out_of_scope) for q in sets.values()),
        "questions_with_different_decision": different_decision,
        "questions_with_different_suggestions_only": different_suggestions,
        "answers_identical": identical,
        "encode_torch": torch_summary,
        "encode_openvino": openvino_summary,
        "speedup_median": ratio(torch_summary["median_ms"], openvino_summary["median_ms"]),
        "keeps_answers_and_faster": identical and faster,
    }


def run_encode_backend(python: str | None, dev_path: Path, team_path: Path, rounds: int) -> dict[str, Any]:
    what = "sentence-transformers OpenVINO backend against PyTorch: identical answers? faster encode?"
    if python is None:
        if not openvino_available():
            return {
                "what": what,
                "status": "not installed",
                "reason": "optimum-intel[openvino] is not a project dependency; see BENCHMARKS.md for the "
                "install check, or pass --openvino-python with an interpreter that has it",
            }
        return {"what": what, **compare_backends(dev_path, team_path, rounds)}
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "src")]),
    }
    command = [
        python,
        "-m",
        "bench.encode_backend",
        "--json",
        "--dev",
        str(dev_path),
        "--team",
        str(team_path),
    ]
    command += ["--rounds", str(rounds)]
    try:
        done = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"what": what, "status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
    if done.returncode != 0:
        return {"what": what, "status": "failed", "reason": done.stderr.strip().splitlines()[-5:]}
    return {"what": what, **json.loads(done.stdout.strip().splitlines()[-1])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--team", type=Path, default=DEFAULT_TEAM)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON line (for bench.run)")
    args = parser.parse_args(argv)
    if not openvino_available():
        print("the OpenVINO backend (optimum-intel[openvino]) is not installed here", file=sys.stderr)
        return 1
    result = compare_backends(args.dev, args.team, args.rounds)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
