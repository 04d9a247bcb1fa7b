"""The one contract between the core and every edge: ``answer_question(index, text) -> Answer``.

The CLI prints an ``Answer``, ``--json`` serialises it with ``Answer.to_dict()``, the Slack edge
renders it as Block Kit. No edge re-ranks or re-filters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from retrieval.knowledge.figures import figure_values
from retrieval.knowledge.schema import Fact, Source
from retrieval.language.asking import (
    NOW,
    PREVIOUS_EDITION,
    AnswerKind,
    asked_answer_kind,
    asked_measure,
    asked_speaker,
    defined_term,
    gives_answer_kind,
    grades_named,
    months_in,
    quotes_speaker,
    services_named,
    without_years,
    years_in,
)
from retrieval.language.lexical import QueryTerms, tokenize
from retrieval.language.places import names_council_area, regions_in
from retrieval.language.wording import Correction, normalise_units, strip_framing
from retrieval.matching.decision import (
    DecisionModel,
    decision_features,
    load_decision_models,
    pair_vector,
    select_model,
)
from retrieval.matching.index import FactIndex

# Why a fact is in ``Answer.answers``: the best match, or the same measure from another report
# edition (shown together so an older figure is never given silently, and never alone).
AnswerRole = Literal["best", "other_edition"]

# What every decline says, unless it can say more precisely what is missing (``Answer.note``).
DECLINE_TEXT = "I can't find that in the Ofsted reports I know."


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
    # Free-form reason for a decline, for logs and the gaps log ("empty", "other_measure", ...).
    reason: str = ""
    # What a decline says it does not have ("I don't have a figure for social workers …"); "" when
    # the plain "I can't find that" says it all.
    note: str = ""
    # The question as matched when a spelling slip was corrected ("Showing results for …").
    corrected_question: str | None = None
    # The thread's previous question, when this one was read as following it up.
    follows: str | None = None
    # The calibrated probability that the best fact answers the question (0 when a rule declined
    # before any score was weighed): what a follow-up's reading is chosen by.
    confidence: float = 0.0

    @property
    def best(self) -> AnsweredFact | None:
        return self.answers[0] if self.answers else None

    @property
    def decline_message(self) -> str:
        """The sentence a decline opens with: what is not known, as precisely as the core can say."""
        return self.note or DECLINE_TEXT

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
            "note": self.note,
            "corrected_question": self.corrected_question,
        } | ({"follows": self.follows} if self.follows else {})


def warm_up(index: FactIndex, config: MatchingConfig | None = None) -> None:
    """Do now what the first question would otherwise wait for: read the decision model, load the
    word frequencies, run every step once. A server calls it before it reports healthy, so a
    burst of first questions does not hold up Slack's acknowledgements."""
    config = config or DEFAULT_MATCHING
    config.model_for(index)
    if len(index.facts):
        answer_question(index, "How many children are in care in England? thanks", config)


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
    text, corrections = index.spelling.correct(normalise_units(strip_framing(asked)))
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


def claim_states_figures(index: FactIndex, values: frozenset[float], position: int) -> bool:
    """Whether the fact's claim states every one of these figure values."""
    return values <= index.claim_figure_values[position]


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


def rule_decline(index: FactIndex, scored: ScoredFacts, config: MatchingConfig) -> tuple[str, str]:
    """(reason, note) when a rule declines before any score is weighed; ("", "") otherwise.

    The rules are about what was asked, not about how close the match is: a place or a name the
    reports never mention, jargon they never use, a thing counted, another service, a kind of
    answer (a name, a grade, a forecast …), a person's own words or a period that the best fact is
    not about — its figure would answer a different question.
    """
    terms, best = scored.terms, scored.best
    if terms.unknown_places:
        places = " or ".join(place.title() if place.islower() else place for place in terms.unknown_places)
        return "unknown_name", f"The reports I know say nothing about {places}."
    if terms.unknown_names:
        return "unknown_name", ""
    if terms.unknown_rare and float(scored.dense[best]) < config.unknown_term_min_dense:
        return "unknown_terms", ""
    measure = asked_measure(scored.question.text)
    if measure is not None and not measure_agrees(index, measure, best):
        return "other_measure", f"I don't have a figure for {measure} in the reports I know."
    services = [s for s in services_named(scored.question.text) if not claim_names(index, s, best)]
    if services:
        return "other_service", f"The reports I know say nothing about {' or '.join(services)}."
    kind = asked_answer_kind(scored.question.text)
    if kind is not None and not gives_kind(index, kind, best):
        return "other_kind", _NO_ANSWER_OF_KIND[kind]
    speaker = asked_speaker(scored.question.text)
    # "what did Community Care say…" asks what the article says, not for someone's own words
    if (
        speaker is not None
        and speaker.lower() not in index.publishers
        and not quotes_speaker(claim_text(index, best), speaker)
    ):
        return "other_speaker", f"The reports I know do not quote {speaker} on that."
    # a grade named in a figure question is what is counted ("what % were RI in 2016?"); in
    # "which report has the 42% good or outstanding figure?" it only points at the figure
    named = grades_named(scored.question.text)
    grades = [g for g in named if not claim_names(index, g, best)]
    if grades and kind in (None, "count", "number"):
        return "other_grade", f"The nearest facts I know give no figure for {grades[0]}."
    if (
        kind in (None, "count", "number")
        and measure is not None
        and [g.lower() for g in named] == ["outstanding"]
        and not _GOOD_OR_OUTSTANDING.search(scored.question.text)
        and not states_outstanding_alone(index, best)
    ):
        # "42% good or outstanding" is not the share that is outstanding
        return "other_grade", "The nearest facts I know give good and outstanding only together."
    asked_years = years_in(scored.question.text)
    if asked_years and not period_covered(asked_years, index.fact_years[best], index.fact_year_ends[best]):
        return "other_period", other_period_note(index, asked_years)
    asked_months = months_in(scored.question.text)
    if asked_months and index.fact_months[best] and not asked_months & index.fact_months[best]:
        # "as at 31 March 2018" is not "as at 30 September 2018", though both are 2018
        dates = " and ".join(index.fact_dates[best])
        return (
            "other_period",
            f"I don't have that for the date you asked; the nearest facts I know are for {dates}.",
        )
    regions = sorted(regions_in(scored.question.text) - index.fact_regions[best])
    if regions:
        return "other_place", f"The nearest facts I know give no figure for {' or '.join(regions)}."
    if not asked_years and PREVIOUS_EDITION.search(scored.question.text):
        wanted = period_wanted(index, scored.question.text)
        if wanted is not None and not wanted[best]:
            return "other_period", "The nearest facts I know are from the latest report, not an earlier one."
    return "", ""


def claim_text(index: FactIndex, position: int) -> str:
    """A fact's claim: its statement and quote."""
    fact = index.facts[position]
    return f"{fact.statement}\n{fact.quote}"


_OUTSTANDING = re.compile(r"\boutstanding\b", re.IGNORECASE)
_GOOD_OR_OUTSTANDING = re.compile(
    r"\bgood\W{0,3}(?:or|and|/)\W{0,3}outstanding\b|\boutstanding\W{0,3}(?:or|and|/)\W{0,3}good\b",
    re.IGNORECASE,
)


def states_outstanding_alone(index: FactIndex, position: int) -> bool:
    """Whether the fact's claim names outstanding other than in "good or outstanding"."""
    return bool(_OUTSTANDING.search(_GOOD_OR_OUTSTANDING.sub(" ", claim_text(index, position))))


def gives_kind(index: FactIndex, kind: AnswerKind, position: int) -> bool:
    """Whether the fact at ``position`` gives the kind of answer asked (asking.gives_answer_kind)."""
    claim = claim_text(index, position)
    return gives_answer_kind(
        kind,
        claim,
        bool(index.has_figures[position]),
        bool(index.has_money_figure[position]),
        bool(index.has_count_figure[position]),
        names_place=kind == "place" and names_council_area(claim),
    )


def other_period_note(index: FactIndex, asked: frozenset[int]) -> str:
    """What to say when the best fact is not about the period asked."""
    first, last = min(asked), max(asked)
    period = f"{first}/{last % 100:02d}" if last - first == 1 else ", ".join(map(str, sorted(asked)))
    if any(
        period_covered(asked, years, ends)
        for years, ends in zip(index.fact_years, index.fact_year_ends, strict=True)
    ):
        return f"I don't have that for {period}; the nearest facts I know are from other years."
    # an edition's label without its aside: "Ofsted Annual Report 2016/17 (the edition before …)"
    editions = " and ".join(sorted({re.sub(r"\s*\([^)]*\)", "", s.report) for s in index.knowledge.sources}))
    return f"I don't have figures for {period} in the reports I know: they cover {editions}."


def period_covered(
    asked: frozenset[int], years: frozenset[int], year_ends: frozenset[int] = frozenset()
) -> bool:
    """Whether a fact about ``years`` (whose dates end the financial years ``year_ends``,
    ``index.financial_year_ends``) is about the period asked. Two years in a row are one edition
    or financial year ("2016-17" is not "2017/18", though both name 2017), and "2020-21" is "as at
    31 March 2021"; a single year or a span is met by any year in common."""
    if len(asked) == 2 and max(asked) - min(asked) == 1:
        return asked <= years or max(asked) in year_ends
    return bool(asked & years)


def confidence(index: FactIndex, scored: ScoredFacts, model: DecisionModel) -> float:
    """The calibrated probability that the best fact answers the question."""
    features = decision_features(
        index, scored.terms, scored.dense, scored.fused, scored.lexical, scored.order, scored.query_vectors
    )
    pair = pair_vector(index, scored.query_vectors, scored.best) if model.uses_pairs else None
    return model.probability(features, pair)


_NO_ANSWER_OF_KIND = {
    "number": "The reports I know give no count for that.",
    "rate": "The reports I know give no rate per head of population for that.",
    "title": "The reports I know do not give that title.",
    "succession": "The reports I know do not say who came before or after.",
    "money": "The reports I know give no amount of money for that.",
    "count": "The reports I know give no figure for that.",
    "date": "The reports I know give no date for that.",
    "name": "The reports I know do not name that.",
    "place": "The reports I know do not name the council or place.",
    "duration": "The reports I know do not say how long.",
    "frequency": "The reports I know do not say how often.",
    "forecast": "The reports I know make no forecast for that.",
    "grade": "The reports I know give no judgement for that.",
}


def defining_fact(index: FactIndex, scored: ScoredFacts) -> int | None:
    """For "What are JTAIs?", the best-scored fact that spells the term out: "… (JTAIs)"."""
    term = defined_term(scored.question.text)
    if term is None:
        return None
    spelt_out = re.compile(rf"\(\s*{re.escape(term)}s?\s*\)", re.IGNORECASE)
    candidates = [
        i for i, fact in enumerate(index.facts) if spelt_out.search(f"{fact.quote}\n{fact.statement}")
    ]
    return max(candidates, key=lambda i: float(scored.fused[i])) if candidates else None


def claim_names(index: FactIndex, phrase: str, position: int) -> bool:
    """Whether the fact's claim names every word of a phrase ("adult social care"; "RI" through
    its synonym "requires improvement")."""
    claim = index.claim_tokens[position]
    return all(alternatives & claim for alternatives in index.query_terms(phrase).alternatives)


def measure_agrees(index: FactIndex, measure: str, position: int) -> bool:
    """Whether the thing a figure question counts is what the fact's claim is about: the head word
    of "social workers" must be in its statement, quote or figure measures (through synonyms)."""
    terms = index.query_terms(measure)
    head = index.query_terms(measure.split()[-1]).tokens
    if not terms.tokens or not head:
        return True
    # the head's alternatives through the whole phrase's synonyms ("looked after children" ~ CLA);
    # the phrase's tokens are unique, so "inspection framework inspections" ends in "framework"
    alternatives = (
        terms.alternatives[terms.tokens.index(head[-1])] if head[-1] in terms.tokens else {head[-1]}
    )
    return bool(alternatives & index.claim_tokens[position])


def answer_question(index: FactIndex, question: str, config: MatchingConfig = DEFAULT_MATCHING) -> Answer:
    """Answer one question from the index, or decline with the nearest facts as suggestions."""
    text = " ".join(question.split())
    if not text or not tokenize(text) or len(index.facts) == 0:
        return Answer(question=question, answered=False, reason="empty")
    return answer_scored(index, question, score_facts(index, text, config), config)


def answer_scored(
    index: FactIndex, question: str, scored: ScoredFacts, config: MatchingConfig = DEFAULT_MATCHING
) -> Answer:
    """The answer or decline for facts already scored (a question alone, or read in a thread)."""
    facts = index.facts
    best = scored.best
    best_score = float(scored.fused[best])
    corrected = scored.question.text if scored.question.corrections else None

    def suggestion(i: int) -> Suggestion:
        return Suggestion(facts[i].id, facts[i].statement, float(scored.fused[i]))

    defining = defining_fact(index, scored)
    if defining is not None:
        # the fact spells out the very term asked about: no score needs weighing
        scored = replace(scored, order=np.concatenate(([defining], scored.order[scored.order != defining])))
        best, best_score = defining, float(scored.fused[defining])
        reason, note, probability = "", "", 1.0
    else:
        reason, note = rule_decline(index, scored, config)
        probability = 0.0
        if not reason:
            model = config.model_for(index)
            probability = confidence(index, scored, model)
            if probability < model.threshold:
                reason = "low_confidence"
    if reason:
        nearest = tuple(suggestion(int(i)) for i in scored.order[: config.max_suggestions])
        return Answer(
            question=question,
            answered=False,
            suggestions=nearest,
            reason=reason,
            note=note,
            corrected_question=corrected,
            confidence=probability,
        )

    best_fact = facts[best]
    answers = [AnsweredFact(best_fact, index.knowledge.source_of(best_fact), best_score)]
    answers += _other_editions(index, best_fact, scored)
    shown = {a.fact.id for a in answers}
    runners_up = tuple(
        suggestion(int(i))
        for i in scored.order[1 : 1 + config.max_suggestions]
        if best_score - float(scored.fused[i]) <= config.close_margin and facts[int(i)].id not in shown
    )
    return Answer(
        question=question,
        answered=True,
        answers=tuple(answers),
        suggestions=runners_up,
        corrected_question=corrected,
        confidence=probability,
    )


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
