"""The answer/decline decision as one calibrated confidence.

The evidence about a question's best fact — dense similarity, lexical coverage, the margin to
the runner-up, how much of the question is in words the knowledge never uses — is combined by
a logistic regression into the probability that the fact answers the question. With the model
it was fitted for, the regression also sees a few principal components of the elementwise
product of the question's vector and the best-matching text of the fact — where in meaning the
two agree — which tells "a question about this fact" from "a question that only sounds like it"
far better than any one similarity. The weights and the threshold live in
``decision_model.json`` beside this file, written by ``ofsted-bot calibrate`` from tuning
question sets (the threshold chosen on cross-validated probabilities, so it is not fitted to the
very questions that set it); a second model without the components serves any other embedding
model. Nothing here imports scikit-learn except ``fit_decision_model``.
"""

from __future__ import annotations

import functools
import json
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

import numpy as np

from retrieval.language.lexical import QueryTerms
from retrieval.matching.encoder import encoder_family
from retrieval.matching.index import FactIndex

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
    "row_vote",  # share of the best fact's texts among the knowledge's texts nearest the question
)
# How many of the texts nearest a question "row_vote" counts: about one fact's example questions.
VOTE_ROWS = 10

DEFAULT_MODEL_PATH = Path(__file__).with_name("decision_model.json")
PAIR_PREFIX = "pair_"


def pair_vector(index: FactIndex, query_vectors: np.ndarray, position: int) -> np.ndarray:
    """(dim,) the question's vector times, element by element, the fact's text closest to it."""
    query = np.atleast_2d(query_vectors)
    rows = index.vectors[index.fact_rows(np.array([position]))]
    sims = rows @ query.T  # (texts, variants)
    text, variant = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return (query[int(variant)] * rows[int(text)]).astype(np.float64)


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
    query_vectors: np.ndarray,
) -> dict[str, float]:
    """The evidence for the best fact (``order[0]``), by the names in FEATURE_NAMES.

    ``dense``, ``fused`` and ``lexical`` are per-fact score arrays of shape (facts,);
    ``query_vectors`` (variants, dim) the question as encoded.
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
        "row_vote": row_vote(index, query_vectors, dense, best),
    }


def row_vote(index: FactIndex, query_vectors: np.ndarray, dense: np.ndarray, best: int) -> float:
    """How many of the VOTE_ROWS texts nearest the question belong to the best fact or to facts
    quoting the same evidence, out of as many as those facts have (at most VOTE_ROWS): a question
    about the fact is near many of the ways it is asked, one that only sounds like it is near one
    or two texts of several facts.

    The nearest texts belong to the facts of the best dense scores (a fact's score is its nearest
    text's), so only those facts' rows are read, not every vector of a large knowledge base."""
    if len(dense) == 0:
        return 0.0
    top_facts = np.argpartition(-dense, min(VOTE_ROWS, len(dense)) - 1)[:VOTE_ROWS]
    rows = index.fact_rows(top_facts)
    count = min(VOTE_ROWS, len(rows))
    # as the ranking sees them: a generated question's similarity less its discount
    sims = (index.vectors[rows] @ np.atleast_2d(query_vectors).T).max(axis=1) + index.row_offset[rows]
    nearest = rows[np.argpartition(-sims, count - 1)[:count]]
    own = {best, *index.same_evidence[best]}
    # out of as many as the fact has: a fact with 4 texts, all 4 among the nearest, is as clearly
    # asked about as one with 30 that fills all 10 (the vote must not hang on how many it has)
    own_texts = int(sum(index.fact_ends[i] - index.fact_starts[i] for i in own))
    return sum(int(index.row_fact[r]) in own for r in nearest) / max(1, min(count, own_texts))


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
    # The principal components of question-times-fact vectors (features "pair_0", …), and the
    # encoder whose vectors they were fitted on; empty for a model without them.
    embedding_model: str = ""
    pair_mean: tuple[float, ...] = ()
    pair_components: tuple[tuple[float, ...], ...] = ()

    @property
    def uses_pairs(self) -> bool:
        return bool(self.pair_components)

    def fits(self, encoder_name: str, dim: int) -> bool:
        """Whether this model can judge questions embedded by that encoder (or by one the same
        recipe tuned on other knowledge: the components hold across a few facts more or less)."""
        same_family = encoder_family(self.embedding_model) == encoder_family(encoder_name)
        return not self.uses_pairs or (same_family and len(self.pair_mean) == dim)

    @functools.cached_property
    def _pair_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(dim,) mean and (dim, components) projection, built once, not on every question."""
        return np.asarray(self.pair_mean), np.ascontiguousarray(np.asarray(self.pair_components).T)

    def pair_features(self, pair: np.ndarray) -> dict[str, float]:
        mean, projection = self._pair_arrays
        projected = (np.asarray(pair) - mean) @ projection
        return {f"{PAIR_PREFIX}{i}": float(v) for i, v in enumerate(projected)}

    def probability(self, features: Mapping[str, float], pair: np.ndarray | None = None) -> float:
        if self.uses_pairs:
            if pair is None:
                raise ValueError("this decision model needs the question-times-fact vector")
            features = {**features, **self.pair_features(pair)}
        z = self.intercept
        for name, mean, scale, weight in zip(self.features, self.mean, self.scale, self.weights, strict=True):
            z += weight * (features[name] - mean) / scale
        return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DecisionModel:
        values = dict(data)
        for key in ("features", "mean", "scale", "weights", "fitted_on", "pair_mean"):
            values[key] = tuple(values.get(key, ()))  # type: ignore[arg-type]
        rows = cast(Iterable[Iterable[float]], values.get("pair_components", ()))
        values["pair_components"] = tuple(tuple(row) for row in rows)
        model = cls(**values)  # type: ignore[arg-type]
        if not (len(model.features) == len(model.mean) == len(model.scale) == len(model.weights)):
            raise ValueError("decision model: features, mean, scale and weights differ in length")
        if model.uses_pairs and any(len(row) != len(model.pair_mean) for row in model.pair_components):
            raise ValueError("decision model: pair components and pair mean differ in length")
        return model


def models_to_json(models: Sequence[DecisionModel]) -> str:
    return json.dumps({"models": [m.to_dict() for m in models]}, indent=1) + "\n"


def load_decision_models(path: Path = DEFAULT_MODEL_PATH) -> tuple[DecisionModel, ...]:
    """The models of a decision file, the preferred first."""
    data = json.loads(path.read_text(encoding="utf-8"))
    models = tuple(DecisionModel.from_dict(m) for m in data["models"])
    if not models or models[-1].uses_pairs:
        raise ValueError(f"{path}: the last decision model must work for any encoder (no pair components)")
    return models


def select_model(models: Sequence[DecisionModel], encoder_name: str, dim: int) -> DecisionModel:
    """The first model that fits the encoder (the last one fits every encoder)."""
    return next(m for m in models if m.fits(encoder_name, dim))


def fit_decision_model(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[bool],
    threshold: float,
    fitted_on: Sequence[str] = (),
    regularisation: float = 1.0,
    sample_weights: Sequence[float] | None = None,
    pairs: np.ndarray | None = None,
    pair_components: int = 0,
    embedding_model: str = "",
) -> DecisionModel:
    """Fit the logistic regression on feature rows labelled True where answering is right.

    With ``pairs`` ((rows, dim) question-times-fact vectors) and ``pair_components`` > 0, their
    first principal components join the features.
    """
    from sklearn.decomposition import PCA  # only when fitting
    from sklearn.linear_model import LogisticRegression

    names = list(FEATURE_NAMES)
    x = np.array([[row[name] for name in FEATURE_NAMES] for row in rows], dtype=np.float64)
    pca_mean: tuple[float, ...] = ()
    pca_rows: tuple[tuple[float, ...], ...] = ()
    if pairs is not None and pair_components > 0:
        pca = PCA(n_components=min(pair_components, len(rows) - 1, pairs.shape[1])).fit(pairs)
        x = np.hstack([x, pca.transform(pairs)])
        names += [f"{PAIR_PREFIX}{i}" for i in range(pca.n_components_)]
        pca_mean = tuple(round(float(v), 7) for v in pca.mean_)
        pca_rows = tuple(tuple(round(float(v), 7) for v in row) for row in pca.components_)
    y = np.array(labels, dtype=bool)
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    model = LogisticRegression(C=regularisation, max_iter=1000).fit(
        (x - mean) / scale, y, sample_weight=None if sample_weights is None else np.asarray(sample_weights)
    )
    return DecisionModel(
        features=tuple(names),
        mean=tuple(round(float(v), 6) for v in mean),
        scale=tuple(round(float(v), 6) for v in scale),
        weights=tuple(round(float(v), 6) for v in model.coef_[0]),
        intercept=round(float(model.intercept_[0]), 6),
        threshold=round(float(threshold), 4),
        fitted_on=tuple(fitted_on),
        embedding_model=embedding_model if pca_rows else "",
        pair_mean=pca_mean,
        pair_components=pca_rows,
    )


def cross_validated_probabilities(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[bool],
    groups: Sequence[int],
    folds: int = 5,
    seed: int = 0,
    sample_weights: Sequence[float] | None = None,
    regularisation: float = 1.0,
    pairs: np.ndarray | None = None,
    pair_components: int = 0,
    fold_of: Sequence[int] | None = None,
) -> np.ndarray:
    """Each row's probability from a model fitted without its fold (folds keep groups whole;
    ``seed`` deals the groups into folds differently). ``fold_of``: each row's fold, given
    (0 … folds-1) instead of dealt."""
    out = np.zeros(len(rows), dtype=np.float64)
    if fold_of is not None:
        fold_ids = np.asarray(fold_of, dtype=np.int64)
    else:
        group_ids = np.array([zlib.crc32(f"{g}:{seed}".encode()) for g in groups], dtype=np.int64)
        fold_ids = group_ids % folds
    for fold in range(folds):
        held = fold_ids == fold
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
            train,
            train_labels,
            0.5,
            regularisation=regularisation,
            sample_weights=weights,
            pairs=None if pairs is None else pairs[~held],
            pair_components=pair_components,
        )
        out[held] = [
            model.probability(r, None if pairs is None else pairs[i])
            for i, (r, h) in enumerate(zip(rows, held, strict=True))
            if h
        ]
    return out
