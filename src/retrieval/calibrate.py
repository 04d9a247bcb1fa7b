"""Fitting the answer/decline decision on tuning question sets (``ofsted-bot calibrate``).

Every tuning question is scored as ``answer_question`` would score it. Questions a rule declines
(``answer.rule_decline``) never reach the model; on the rest a logistic regression learns whether
the best fact is the right one. The threshold is then chosen on cross-validated probabilities —
each question's probability from a model fitted without it — as the lowest that still declines
``target_declined`` of the unanswerable questions, so the answer rate it promises is not the
rate on the questions it was fitted to.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from retrieval.answer import DEFAULT_MATCHING, Answer, AnsweredFact, MatchingConfig, rule_decline, score_facts
from retrieval.decision import (
    DecisionModel,
    cross_validated_probabilities,
    decision_features,
    fit_decision_model,
)
from retrieval.evaluate import QuestionSet, answer_matches
from retrieval.index import FactIndex

UNANSWERABLE_WEIGHT = 2.0


@dataclass(frozen=True)
class CalibrationRow:
    question: str
    in_scope: bool
    right_fact: bool  # in scope, and the best fact's quote or statement holds an expected span
    rule: str  # the reason a rule declines it, or ""
    features: dict[str, float]

    @property
    def group(self) -> int:
        return zlib.crc32(self.question.lower().encode("utf-8"))


def calibration_rows(
    index: FactIndex, questions: QuestionSet, config: MatchingConfig = DEFAULT_MATCHING
) -> list[CalibrationRow]:
    rows: list[CalibrationRow] = []
    items = [(q.q, q.any) for q in questions.in_scope] + [(q.q, None) for q in questions.out_of_scope]
    for text, spans in items:
        scored = score_facts(index, text, config)
        best = index.facts[scored.best]
        probe = Answer(text, True, (AnsweredFact(best, index.knowledge.source_of(best), 1.0),))
        rule, _ = rule_decline(index, scored, config)
        features = decision_features(
            index, scored.terms, scored.dense, scored.fused, scored.lexical, scored.order
        )
        right = spans is not None and answer_matches(probe, spans)
        rows.append(CalibrationRow(text, spans is not None, right, rule, features))
    return rows


def choose_threshold(
    rows: Sequence[CalibrationRow], probabilities: np.ndarray, target_declined: float
) -> float:
    """The lowest threshold at which at least ``target_declined`` of the out-of-scope rows decline."""
    out_total = sum(1 for r in rows if not r.in_scope)
    if out_total == 0:
        return 0.5
    reaching = sorted(
        (float(p) for r, p in zip(rows, probabilities, strict=True) if not r.in_scope and not r.rule),
        reverse=True,
    )
    # Up to ``allowed`` out-of-scope questions may be answered: the threshold sits just above the
    # next most confident one, so it and everything below decline.
    allowed = int(np.floor(out_total * (1 - target_declined) + 1e-9))
    return reaching[allowed] + 1e-6 if allowed < len(reaching) else 0.0


def calibrate(
    index: FactIndex,
    questions: QuestionSet,
    fitted_on: Sequence[str],
    target_declined: float = 0.97,
    config: MatchingConfig = DEFAULT_MATCHING,
    repeats: int = 9,
) -> tuple[DecisionModel, dict[str, float]]:
    """The fitted model, and the cross-validated figures its threshold was chosen on."""
    rows = calibration_rows(index, questions, config)
    reaching = [r for r in rows if not r.rule]
    labels = [r.right_fact for r in reaching]
    positions = [i for i, r in enumerate(rows) if not r.rule]
    # Answering an unanswerable question is the worse error: those rows weigh double.
    weights = [1.0 if r.in_scope else UNANSWERABLE_WEIGHT for r in reaching]
    # The threshold of one cross-validation hangs on the few most confident unanswerable
    # questions; the median over several deals of the folds is steadier.
    thresholds, runs = [], []
    for seed in range(repeats):
        probabilities = np.zeros(len(rows))
        probabilities[positions] = cross_validated_probabilities(
            [r.features for r in reaching],
            labels,
            [r.group for r in reaching],
            seed=seed,
            sample_weights=weights,
        )
        thresholds.append(choose_threshold(rows, probabilities, target_declined))
        runs.append(probabilities)
    threshold = float(np.median(thresholds))
    model = fit_decision_model(
        [r.features for r in reaching], labels, threshold, fitted_on, sample_weights=weights
    )
    probabilities = np.mean(runs, axis=0)
    answered = [not r.rule and p >= threshold for r, p in zip(rows, probabilities, strict=True)]
    in_rows = [(r, a) for r, a in zip(rows, answered, strict=True) if r.in_scope]
    out_rows = [(r, a) for r, a in zip(rows, answered, strict=True) if not r.in_scope]
    figures = {
        "in_scope": len(in_rows),
        "out_of_scope": len(out_rows),
        "cv_in_scope_right": sum(1 for r, a in in_rows if a and r.right_fact) / max(len(in_rows), 1),
        "cv_out_of_scope_declined": sum(1 for _, a in out_rows if not a) / max(len(out_rows), 1),
        "ranking_right": sum(1 for r, _ in in_rows if r.right_fact) / max(len(in_rows), 1),
        "in_scope_declined_by_rule": sum(1 for r, _ in in_rows if r.rule),
        "threshold": threshold,
    }
    return replace(model, note=f"threshold for >= {target_declined:.2f} of unanswerable declined"), figures
