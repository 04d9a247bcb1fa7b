"""Answer quality: the product's retrieval against two baselines over the same facts.

* product — ``answer_question`` (dense over statement, quote and example questions, fused with
  BM25, synonyms, coverage-based decline).
* bm25 — BM25 (bm25s, the project's tokenizer) over ``retrieval.matching.index.fact_document``, the same
  per-fact document the product's lexical side uses; top-1 by score, declines below a threshold.
* dense — all-MiniLM-L6-v2 as bundled (not the product's encoder, which is tuned on the example
  questions) over each fact's statement and quote only, best cosine per fact; top-1, declines
  below a cosine threshold.

Each baseline's threshold is the one that scores best (mean of in-scope top-1 and out-of-scope
declined share) on the tuning sets — the same questions the product's decision was fitted on
(``ofsted-bot calibrate``); the held-back sets (the bench names them) are scored untouched by either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrieval.evaluation.evaluate import EvalReport, QuestionSet, answer_matches, evaluate
from retrieval.knowledge.schema import Fact
from retrieval.matching.answer import Answer, AnsweredFact, Suggestion, answer_question
from retrieval.matching.index import FactIndex, LexicalIndex, fact_document, tokenize

ScoreQuestion = Callable[[str], tuple[int, float]]  # question -> (best fact position, its score)


@dataclass(frozen=True)
class ThresholdBaseline:
    """Top-1 fact by some score; answers when the score reaches ``threshold``, else declines."""

    name: str
    index: FactIndex
    best_fact: ScoreQuestion
    threshold: float = 0.0

    def ask(self, question: str) -> Answer:
        position, score = self.best_fact(question)
        fact: Fact = self.index.facts[position]
        if score >= self.threshold:
            answered = AnsweredFact(fact, self.index.knowledge.source_of(fact), score)
            return Answer(question=question, answered=True, answers=(answered,))
        nearest = Suggestion(fact.id, fact.statement, score)
        return Answer(question=question, answered=False, suggestions=(nearest,), reason="below_threshold")


def bm25_scorer(index: FactIndex) -> ScoreQuestion:
    lexical = LexicalIndex([tokenize(fact_document(f)) for f in index.facts])

    def best(question: str) -> tuple[int, float]:
        scores = lexical.scores(tokenize(question))
        position = int(np.argmax(scores))
        return position, float(scores[position])

    return best


def dense_statement_quote_scorer(index: FactIndex) -> ScoreQuestion:
    """Best cosine over each fact's statement and quote vectors (of ``index``'s encoder)."""
    keep = np.isin(np.asarray(index.row_kind), ["statement", "quote"])
    vectors = index.vectors[keep]
    row_fact = index.row_fact[keep]
    starts = np.searchsorted(row_fact, np.arange(len(index.facts)))

    def best(question: str) -> tuple[int, float]:
        query = index.encoder.encode([question])[0]
        per_fact = np.maximum.reduceat(vectors @ query, starts)
        position = int(np.argmax(per_fact))
        return position, float(per_fact[position])

    return best


def pick_threshold(index: FactIndex, questions: QuestionSet, best_fact: ScoreQuestion) -> dict[str, Any]:
    """The threshold with the best mean of in-scope top-1 and out-of-scope declined share.

    Candidates lie halfway between neighbouring observed scores (and below/above all of them);
    ties go to the lower threshold (more answers).
    """
    in_scope: list[tuple[float, bool]] = []
    for item in questions.in_scope:
        position, score = best_fact(item.q)
        fact = index.facts[position]
        probe = Answer(item.q, True, (AnsweredFact(fact, index.knowledge.source_of(fact), score),))
        in_scope.append((score, answer_matches(probe, item.any)))
    out_scores = np.array([best_fact(q.q)[1] for q in questions.out_of_scope])
    in_scores = np.array([s for s, _ in in_scope])
    in_right = np.array([ok for _, ok in in_scope])
    observed = np.unique(np.concatenate([in_scores, out_scores]))
    candidates = np.concatenate(
        [[observed[0] - 1e-6], (observed[:-1] + observed[1:]) / 2, [observed[-1] + 1e-6]]
    )
    best_value, best_t = -1.0, float(candidates[0])
    for t in candidates:
        top1 = float(np.mean(in_right & (in_scores >= t))) if in_scores.size else 0.0
        declined = float(np.mean(out_scores < t)) if out_scores.size else 0.0
        value = (top1 + declined) / 2
        if value > best_value + 1e-12:
            best_value, best_t = value, float(t)
    return {"threshold": round(best_t, 6), "dev_objective": round(best_value, 4)}


def report_row(report: EvalReport, system: str, **extra: Any) -> dict[str, Any]:
    return {
        "system": system,
        "in_scope_top1": round(report.top1, 4),
        "in_scope_correct": report.in_scope_correct,
        "in_scope_total": report.in_scope_total,
        "out_of_scope_declined_share": round(report.declined_share, 4),
        "out_of_scope_declined": report.out_of_scope_declined,
        "out_of_scope_total": report.out_of_scope_total,
        **extra,
        "misses": [
            {"kind": m["kind"], "question": m["question"], "answered": m["answered"], "got": m["got"]}
            for m in report.misses
        ],
    }


def run_quality(
    index: FactIndex,
    question_sets: dict[str, QuestionSet],
    tuning_sets: tuple[str, ...],
    untuned: FactIndex | None = None,
) -> dict[str, Any]:
    """Every system on every question set, via ``retrieval.evaluation.evaluate.evaluate``; baselines'
    thresholds chosen on the pooled ``tuning_sets``. ``untuned``: the same knowledge embedded by
    the bundled model, for the dense baseline (default: ``index``)."""
    tuning = QuestionSet(
        in_scope=[q for name in tuning_sets for q in question_sets[name].in_scope],
        out_of_scope=[q for name in tuning_sets for q in question_sets[name].out_of_scope],
    )
    baselines: list[ThresholdBaseline] = []
    thresholds: dict[str, dict[str, Any]] = {}
    for name, scorer in (
        ("bm25", bm25_scorer(index)),
        ("dense_statement_quote", dense_statement_quote_scorer(untuned or index)),
    ):
        chosen = pick_threshold(index, tuning, scorer)
        thresholds[name] = chosen
        baselines.append(ThresholdBaseline(name, index, scorer, chosen["threshold"]))

    sets: dict[str, Any] = {}
    for set_name, questions in question_sets.items():
        rows = [report_row(evaluate(questions, lambda q: answer_question(index, q)), "product")]
        for baseline in baselines:
            rows.append(
                report_row(
                    evaluate(questions, baseline.ask),
                    baseline.name,
                    threshold=thresholds[baseline.name]["threshold"],
                )
            )
        sets[set_name] = {
            "in_scope_questions": len(questions.in_scope),
            "out_of_scope_questions": len(questions.out_of_scope),
            "systems": rows,
        }
    return {
        "what": "in-scope top-1 (top answer's quote or statement holds an expected span) and share of "
        "out-of-scope questions declined, via retrieval.evaluation.evaluate.evaluate; "
        "one deterministic run each",
        "facts": len(index.facts),
        "threshold_tuned_on": list(tuning_sets),
        "held_back": [name for name in question_sets if name not in tuning_sets],
        "baseline_thresholds": thresholds,
        "systems": {
            "product": "answer_question: framing, units and spelling normalised; dense (statement, quote, "
            "example questions) + BM25 fusion, synonyms; rules on names, jargon, measure, answer kind and "
            "period; calibrated logistic confidence (decision_model.json)",
            "bm25": "bm25s over retrieval.matching.index.fact_document (statement, quote, example questions, "
            "tags, "
            "measures), top-1, declines below the tuning-best BM25 score threshold",
            "dense_statement_quote": "all-MiniLM-L6-v2 as bundled (untuned), statement + quote vectors "
            "only (no example questions), max cosine per fact, top-1, declines below the tuning-best "
            "cosine threshold",
        },
        "sets": sets,
    }
