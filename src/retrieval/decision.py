"""The answer/decline decision as one calibrated confidence.

The evidence about a question's best fact — dense similarity, lexical coverage, the margin to
the runner-up, how much of the question is in words the knowledge never uses — is combined by
a logistic regression into the probability that the fact answers the question. The weights and
the threshold live in ``decision_model.json`` beside this file, written by
``ofsted-bot calibrate`` from tuning question sets (the threshold chosen on cross-validated
probabilities, so it is not fitted to the very questions that set it). Nothing here imports
scikit-learn except ``fit_decision_model``.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from retrieval.index import FactIndex, QueryTerms

FEATURE_NAMES: tuple[str, ...] = (
    "dense",  # best cosine similarity of the question (or its rewrite) with the fact's texts
    "coverage",  # idf-weighted share of the question's knowledge words that the fact contains
    "lexical",  # the fact's BM25 score over the best BM25 score for the question
    "margin",  # fused score of the best fact minus the best rival's (one not quoting the same words)
    "dense_margin",  # dense similarity of the best fact minus the best of any rival
    "uncovered",  # English-rarity-weighted share of the question's words the fact does not contain
    "foreign",  # the same share, of words the knowledge never uses at all
    "foreign_max",  # rarity of the rarest word the knowledge never uses (0 when none)
    "tokens",  # log(1 + number of content tokens)
)

DEFAULT_MODEL_PATH = Path(__file__).with_name("decision_model.json")


def rarity(zipf: float) -> float:
    """How much a word says, from its English frequency: "took" (5.5) 1.5, "nurseries" (3.0) 4."""
    return min(max(7.0 - zipf, 0.5), 7.0)


def decision_features(
    index: FactIndex,
    terms: QueryTerms,
    dense: np.ndarray,
    fused: np.ndarray,
    lexical: np.ndarray,
    order: np.ndarray,
) -> dict[str, float]:
    """The evidence for the best fact (``order[0]``), by the names in FEATURE_NAMES.

    ``dense``, ``fused`` and ``lexical`` are per-fact score arrays of shape (facts,).
    """
    best = int(order[0])
    # the clearest rival: the best other fact that does not quote the same evidence
    rivals = [int(i) for i in order[1:] if int(i) not in index.same_evidence[best]]
    runner_up = rivals[0] if rivals else None
    doc = index.doc_tokens[best]
    known_weight = known_covered = 0.0
    total_rarity = uncovered_rarity = foreign_rarity = foreign_max = 0.0
    for alts, zipf in zip(terms.alternatives, terms.zipf, strict=True):
        weight = rarity(zipf)
        total_rarity += weight
        covered = bool(alts & doc)
        if not covered:
            uncovered_rarity += weight
        if alts & index.vocabulary:
            idf = max((index.idf[t] for t in alts if t in index.idf), default=0.0)
            known_weight += idf
            known_covered += idf if covered else 0.0
        else:
            foreign_rarity += weight
            foreign_max = max(foreign_max, weight)
    others = np.delete(dense, [best, *index.same_evidence[best]])
    return {
        "dense": float(dense[best]),
        "coverage": known_covered / known_weight if known_weight else 0.0,
        "lexical": float(lexical[best]),
        "margin": float(fused[best] - fused[runner_up]) if runner_up is not None else 1.0,
        "dense_margin": float(dense[best] - others.max()) if others.size else 1.0,
        "uncovered": uncovered_rarity / total_rarity if total_rarity else 1.0,
        "foreign": foreign_rarity / total_rarity if total_rarity else 0.0,
        "foreign_max": foreign_max,
        "tokens": math.log1p(len(terms.tokens)),
    }


@dataclass(frozen=True)
class DecisionModel:
    """A fitted logistic regression over standardised features, and the threshold to answer."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    threshold: float
    fitted_on: tuple[str, ...] = ()  # the question sets (and splits) it was fitted and tuned on
    note: str = ""

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept
        for name, mean, scale, weight in zip(self.features, self.mean, self.scale, self.weights, strict=True):
            z += weight * (features[name] - mean) / scale
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DecisionModel:
        data = json.loads(text)
        for key in ("features", "mean", "scale", "weights", "fitted_on"):
            data[key] = tuple(data.get(key, ()))
        model = cls(**data)
        if not (len(model.features) == len(model.mean) == len(model.scale) == len(model.weights)):
            raise ValueError("decision model: features, mean, scale and weights differ in length")
        return model


def load_decision_model(path: Path = DEFAULT_MODEL_PATH) -> DecisionModel:
    return DecisionModel.from_json(path.read_text(encoding="utf-8"))


def fit_decision_model(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[bool],
    threshold: float,
    fitted_on: Sequence[str] = (),
    regularisation: float = 1.0,
    sample_weights: Sequence[float] | None = None,
) -> DecisionModel:
    """Fit the logistic regression on feature rows labelled True where answering is right."""
    from sklearn.linear_model import LogisticRegression  # only when fitting

    x = np.array([[row[name] for name in FEATURE_NAMES] for row in rows], dtype=np.float64)
    y = np.array(labels, dtype=bool)
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    model = LogisticRegression(C=regularisation, max_iter=1000).fit(
        (x - mean) / scale, y, sample_weight=None if sample_weights is None else np.asarray(sample_weights)
    )
    return DecisionModel(
        features=FEATURE_NAMES,
        mean=tuple(round(float(v), 6) for v in mean),
        scale=tuple(round(float(v), 6) for v in scale),
        weights=tuple(round(float(v), 6) for v in model.coef_[0]),
        intercept=round(float(model.intercept_[0]), 6),
        threshold=round(float(threshold), 4),
        fitted_on=tuple(fitted_on),
    )


def cross_validated_probabilities(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[bool],
    groups: Sequence[int],
    folds: int = 5,
    seed: int = 0,
    sample_weights: Sequence[float] | None = None,
    regularisation: float = 1.0,
) -> np.ndarray:
    """Each row's probability from a model fitted without its fold (folds keep groups whole;
    ``seed`` deals the groups into folds differently)."""
    out = np.zeros(len(rows), dtype=np.float64)
    group_ids = np.array([zlib.crc32(f"{g}:{seed}".encode()) for g in groups], dtype=np.int64)
    for fold in range(folds):
        held = group_ids % folds == fold
        if not held.any() or held.all():
            continue
        train = [r for r, h in zip(rows, held, strict=True) if not h]
        train_labels = [y for y, h in zip(labels, held, strict=True) if not h]
        weights = (
            None
            if sample_weights is None
            else [w for w, h in zip(sample_weights, held, strict=True) if not h]
        )
        if len(set(train_labels)) < 2:
            continue
        model = fit_decision_model(
            train, train_labels, 0.5, regularisation=regularisation, sample_weights=weights
        )
        out[held] = [model.probability(r) for r, h in zip(rows, held, strict=True) if h]
    return out
