"""The one contract between the core and every edge: ``answer_question(index, text) -> Answer``.

The CLI prints an ``Answer``, ``--json`` serialises it with ``Answer.to_dict()``, the Slack edge
renders it as Block Kit. No edge re-ranks or re-filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from retrieval.index import FactIndex, QueryTerms, tokenize
from retrieval.knowledge import Fact, Source

# Why a fact is in ``Answer.answers``: the best match, or the same measure from another report
# edition (shown together so an older figure is never given silently, and never alone).
AnswerRole = Literal["best", "other_edition"]


@dataclass(frozen=True)
class AnsweredFact:
    fact: Fact
    source: Source
    score: float
    role: AnswerRole = "best"

    def to_dict(self) -> dict[str, Any]:
        return {
            "fact_id": self.fact.id,
            "statement": self.fact.statement,
            "quote": self.fact.quote,
            "figures": [f.model_dump() for f in self.fact.figures],
            "source": self.source.to_ref(),
            "score": round(float(self.score), 4),
            "role": self.role,
        }


@dataclass(frozen=True)
class Suggestion:
    fact_id: str
    statement: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"fact_id": self.fact_id, "statement": self.statement}


@dataclass(frozen=True)
class Answer:
    """What the bot says to one question.

    ``answered`` is False for a decline: ``answers`` is then empty and ``suggestions`` holds the
    nearest facts. When answered, ``answers`` is best first, and ``suggestions`` holds close
    runners-up (the "Did you mean…" choices).
    """

    question: str
    answered: bool
    answers: tuple[AnsweredFact, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    # Free-form reason for a decline, for logs and the gaps log ("empty", "out_of_scope", ...).
    reason: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def best(self) -> AnsweredFact | None:
        return self.answers[0] if self.answers else None

    @property
    def top_score(self) -> float:
        if self.answers:
            return self.answers[0].score
        return self.suggestions[0].score if self.suggestions else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "answers": [a.to_dict() for a in self.answers],
            "suggestions": [s.to_dict() for s in self.suggestions],
        }


def answer_fact(index: FactIndex, fact_id: str, question: str = "") -> Answer | None:
    """The answer for one chosen fact (a "Did you mean…" click), or None for an unknown id."""
    fact = index.knowledge.facts_by_id.get(fact_id)
    if fact is None:
        return None
    source = index.knowledge.sources_by_id[fact.source]
    return Answer(question=question, answered=True, answers=(AnsweredFact(fact, source, 1.0),))


# --- matching ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchingConfig:
    """The knobs of the answer/decline decision, chosen by measuring on the dev question set."""

    # Ranking: dense similarity plus this weight times BM25 normalised by the question's best.
    lexical_weight: float = 0.25
    # Deciding: confidence = dense similarity of the best fact + coverage_weight x its coverage
    # (the idf-weighted share of the question's words the fact contains).
    coverage_weight: float = 0.4
    answer_threshold: float = 0.72
    # A word the knowledge never uses ("adopted", "nurseries") usually means the question is
    # about something the reports do not cover: then only a very close match answers. Such a
    # word written as a name ("Manchester", "SEND") always declines.
    unknown_term_min_dense: float = 0.85
    # "How many…", "what percentage…": a fact that states a figure is worth a little more.
    figure_boost: float = 0.04
    close_margin: float = 0.03  # runners-up this close to the best are offered as "Did you mean"
    max_suggestions: int = 3


DEFAULT_MATCHING = MatchingConfig()


@dataclass(frozen=True)
class ScoredFacts:
    """Per-fact scores for one question, best first (the evidence behind an Answer)."""

    order: np.ndarray  # the best few positions, best first (see top_order)
    fused: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    terms: QueryTerms
    coverage: float  # of the best fact
    confidence: float  # of the best fact

    @property
    def unknown_terms(self) -> tuple[str, ...]:
        return self.terms.unknown


_COUNT_CUE = re.compile(r"\b(how many|how much|number of|figures?|statistics?|stats)\b", re.IGNORECASE)
_SHARE_CUE = re.compile(r"\b(per ?cent|percentage|proportion|share|fraction|what part)\b|%", re.IGNORECASE)


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


def score_facts(index: FactIndex, question: str, config: MatchingConfig = DEFAULT_MATCHING) -> ScoredFacts:
    terms = index.query_terms(question)
    dense = index.dense_scores(index.encode_question(question))
    bm25 = index.lexical.scores(terms.expanded)
    top = float(bm25.max()) if bm25.size else 0.0
    lexical = bm25 / top if top > 0 else bm25
    fused = dense + config.lexical_weight * lexical
    preferred = figure_preference(index, question)
    if preferred is not None:
        fused = fused + config.figure_boost * preferred
    order = top_order(fused, config.max_suggestions + 1)
    best = int(order[0])
    coverage = index.coverage(terms, best)
    confidence = float(dense[best]) + config.coverage_weight * coverage
    return ScoredFacts(order, fused, dense, lexical, terms, coverage, confidence)


def answer_question(index: FactIndex, question: str, config: MatchingConfig = DEFAULT_MATCHING) -> Answer:
    """Answer one question from the index, or decline with the nearest facts as suggestions."""
    text = " ".join(question.split())
    if not text or not tokenize(text) or len(index.facts) == 0:
        return Answer(question=question, answered=False, reason="empty")
    scored = score_facts(index, text, config)
    facts = index.facts
    best = int(scored.order[0])
    best_score = float(scored.fused[best])

    def suggestion(i: int) -> Suggestion:
        return Suggestion(facts[i].id, facts[i].statement, float(scored.fused[i]))

    reason = ""
    if scored.terms.unknown_names:
        reason = "unknown_name"  # "Scotland", "Kent", "SEND": a name the reports never mention
    elif scored.terms.unknown and float(scored.dense[best]) < config.unknown_term_min_dense:
        reason = "unknown_terms"
    elif scored.confidence < config.answer_threshold:
        reason = "low_confidence"
    if reason:
        nearest = tuple(suggestion(int(i)) for i in scored.order[: config.max_suggestions])
        return Answer(question=question, answered=False, suggestions=nearest, reason=reason)

    best_fact = facts[best]
    answers = [AnsweredFact(best_fact, index.knowledge.source_of(best_fact), best_score)]
    answers += _other_editions(index, best_fact, scored)
    shown = {a.fact.id for a in answers}
    runners_up = tuple(
        suggestion(int(i))
        for i in scored.order[1 : 1 + config.max_suggestions]
        if best_score - float(scored.fused[i]) <= config.close_margin and facts[int(i)].id not in shown
    )
    return Answer(question=question, answered=True, answers=tuple(answers), suggestions=runners_up)


def _other_editions(index: FactIndex, fact: Fact, scored: ScoredFacts) -> list[AnsweredFact]:
    """Related facts from other report editions: an older figure is never given alone."""
    source = index.knowledge.source_of(fact)
    positions = index.fact_position
    out = []
    for ref in fact.related:
        other = index.knowledge.facts_by_id.get(ref)
        if other is None:
            continue
        other_source = index.knowledge.source_of(other)
        if other_source.report != source.report:
            score = float(scored.fused[positions[ref]])
            out.append(AnsweredFact(other, other_source, score, role="other_edition"))
    return out
