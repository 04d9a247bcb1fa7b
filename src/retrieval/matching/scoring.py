"""Every fact scored for one question: the question prepared (framing, units, spelling), dense
similarity fused with BM25, a small boost for facts stating the kind of figure asked, and the few
best ordered so that a close runner-up about the period or grade asked goes first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from retrieval.knowledge.figures import figure_values
from retrieval.language.asking import NOW, PREVIOUS_EDITION, grades_named, without_years, years_in
from retrieval.language.chat_markup import plain_words
from retrieval.language.lexical import QueryTerms
from retrieval.language.wording import Correction, normalise_units, strip_framing
from retrieval.matching.decision import DecisionModel, load_decision_models, select_model
from retrieval.matching.fact_scope import claim_names, claim_states_figures, period_covered
from retrieval.matching.index import FactIndex


@dataclass(frozen=True)
class MatchingConfig:
    """The knobs of ranking and of the answer/decline decision."""

    # Ranking: dense similarity plus this weight times BM25 normalised by the question's best.
    lexical_weight: float = 0.4
    # "How many…", "what percentage…": a fact that states a figure is worth a little more.
    figure_boost: float = 0.08
    # Jargon the knowledge never uses and that is not ordinary English ("SGOs", "kinship")
    # means the question is about something the reports do not cover: only a very close match
    # answers. A word written as a name ("Manchester", "SEND") the knowledge never uses always
    # declines.
    unknown_term_min_dense: float = 0.85
    # A question naming a year: a fact about that year ranked this close to the best one is chosen.
    period_margin: float = 0.1
    close_margin: float = 0.03  # runners-up this close to the best are offered as "Did you mean"
    max_suggestions: int = 3
    # The calibrated confidence (decision.py): the first of these models that fits the index's
    # encoder; empty: the shipped decision_model.json.
    decision: tuple[DecisionModel, ...] = ()

    def model_for(self, index: FactIndex) -> DecisionModel:
        models = self.decision or _shipped_decision_models()
        return select_model(
            models, index.encoder.name, int(index.vectors.shape[1]) if index.vectors.ndim == 2 else 0
        )


@functools.cache
def _shipped_decision_models() -> tuple[DecisionModel, ...]:
    return load_decision_models()


DEFAULT_MATCHING = MatchingConfig()


@dataclass(frozen=True)
class PreparedQuestion:
    """A question as asked, and as matched: framing stripped, units normalised, spelling corrected."""

    asked: str
    text: str
    corrections: tuple[Correction, ...] = ()


def prepare_question(index: FactIndex, question: str) -> PreparedQuestion:
    asked = " ".join(question.split())
    text, corrections = index.spelling.correct(normalise_units(strip_framing(plain_words(asked))))
    # The model reads "?" as a sign of a question: one typed without it is matched as if it had one.
    if not text.endswith("?"):
        text = text.rstrip(" .!") + "?"
    return PreparedQuestion(asked, text, corrections)


@dataclass(frozen=True)
class ScoredFacts:
    """Per-fact scores for one question, best first (the evidence behind an Answer)."""

    question: PreparedQuestion
    query_vectors: np.ndarray  # (variants, dim): the question as matched, and its synonym rewrite
    order: np.ndarray  # the best few positions, best first (see top_order)
    fused: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    terms: QueryTerms

    @property
    def best(self) -> int:
        return int(self.order[0])


_COUNT_CUE = re.compile(r"\b(how many|how much|number of|figures?|statistics?|stats)\b", re.IGNORECASE)


_SHARE_CUE = re.compile(r"\b(percentage|proportion|share|fraction|what part)\b|%", re.IGNORECASE)


def figure_preference(index: FactIndex, question: str) -> np.ndarray | None:
    """Which facts state the kind of figure asked for: a share ("what %") or any count."""
    if _SHARE_CUE.search(question):
        return index.has_share_figure
    if _COUNT_CUE.search(question):
        return index.has_figures
    return None


def top_order(scores: np.ndarray, count: int) -> np.ndarray:
    """The positions of the ``count`` best scores (and any tied with the last), best first, ties in
    position order: the head of ``np.argsort(-scores, kind="stable")`` without sorting every fact."""
    if scores.size <= count:
        return np.argsort(-scores, kind="stable")
    kth = np.partition(scores, scores.size - count)[scores.size - count]
    candidates = np.flatnonzero(scores >= kth)
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def score_facts(
    index: FactIndex,
    question: str,
    config: MatchingConfig = DEFAULT_MATCHING,
    query_vectors: np.ndarray | None = None,
) -> ScoredFacts:
    """Every fact scored for one question (prepared here: framing, units, spelling).

    ``query_vectors`` (shape (variants, dim), normalised): the question already encoded, as the
    gaps report has it; else it is encoded here, with its synonym rewrite. Every score array of
    the result has shape (facts,)."""
    prepared = prepare_question(index, question)
    text = prepared.text
    terms = index.query_terms(without_years(text))
    if query_vectors is None:
        query_vectors = index.encode_question(text)
    dense = index.dense_scores(query_vectors)
    bm25 = index.lexical.scores(terms.expanded)
    top = float(bm25.max()) if bm25.size else 0.0
    lexical = bm25 / top if top > 0 else bm25
    fused = dense + config.lexical_weight * lexical
    preferred = figure_preference(index, text)
    if preferred is not None:
        fused = fused + config.figure_boost * preferred
    order = top_order(fused, config.max_suggestions + 1)
    order = prefer_asked_period_or_grade(index, text, fused, order, config)
    return ScoredFacts(prepared, query_vectors, order, fused, dense, lexical, terms)


def period_wanted(index: FactIndex, text: str) -> np.ndarray | None:
    """Per fact, whether it is about the period a question names (a year; the previous report
    edition: any before the newest; now: the newest edition); None when the question names none."""
    asked = years_in(text)
    if asked:
        return np.array(
            [
                period_covered(asked, years, ends)
                for years, ends in zip(index.fact_years, index.fact_year_ends, strict=True)
            ],
            dtype=bool,
        )
    previous = PREVIOUS_EDITION.search(text) is not None
    if previous or NOW.search(text):
        newest = max((s.report_year or 0 for s in index.knowledge.sources), default=0)
        return index.fact_editions < newest if previous else index.fact_editions == newest
    return None


def prefer_asked_period_or_grade(
    index: FactIndex, text: str, fused: np.ndarray, order: np.ndarray, config: MatchingConfig
) -> np.ndarray:
    """For a question naming a year, a close runner-up about that year goes first; for one asking
    about now ("currently", "latest"), a close runner-up from the newest report edition; for one
    naming a grade, a close runner-up that states it."""
    period = period_wanted(index, text)
    if period is not None:
        order = prefer_close_runner_up(lambda i: bool(period[i]), fused, order, config)
    grades = grades_named(text)
    if grades:
        # a figure the question quotes ("back when just over a third were good…") points at the
        # fact that states it more surely than a grade named does
        cited = figure_values(text)
        best_cites = claim_states_figures(index, cited, int(order[0]))
        order = prefer_close_runner_up(
            lambda i: (
                all(claim_names(index, g, i) for g in grades)
                and (not best_cites or claim_states_figures(index, cited, i))
            ),
            fused,
            order,
            config,
        )
    return order


def prefer_close_runner_up(
    wanted: Callable[[int], bool], fused: np.ndarray, order: np.ndarray, config: MatchingConfig
) -> np.ndarray:
    """The order with the best wanted fact first, when the best is not wanted and that one is
    within ``config.period_margin`` of it. ``wanted`` is asked only of the few best."""
    if wanted(int(order[0])):
        return order
    best_score = float(fused[int(order[0])])
    for rank, position in enumerate(order[1:], start=1):
        if best_score - float(fused[int(position)]) > config.period_margin:
            break
        if wanted(int(position)):
            return np.concatenate(([position], np.delete(order, rank)))
    return order
