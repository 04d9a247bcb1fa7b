"""Questions asked in a thread: a follow-up read in the light of the thread's previous turn.

A pure function of the new question and the previous turn (its question and the facts it
showed), so ``ofsted-bot chat`` and every Slack surface follow up the same way.

Whether a message follows up the one before is measured, not looked up in a list of phrases:

* a message whose own words identify a fact (``specificity``: the rarity of its words that the
  knowledge uses) and that is answered alone, is answered alone — a complete question asked in
  a thread gets the answer it would get anywhere;
* otherwise it is read with the previous question: each fact's score for the message alone, plus
  a share of its score for the previous question, plus a boost for the facts just shown and
  their other editions ("and the year before?"). A year or "now" in the message still picks the
  edition. The usual answer/decline decision then weighs that reading; when it declines, the
  message alone is answered (or declined) as if asked alone.

"Where is that from?", "source?" and "link?" are answered with the citation of the last answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from retrieval.knowledge.schema import Fact
from retrieval.language.asking import names_period, without_period
from retrieval.language.lexical import QueryTerms, tokenize
from retrieval.language.wording import strip_framing
from retrieval.matching.answer import Answer, AnsweredFact, answer_question, answer_scored
from retrieval.matching.index import FactIndex
from retrieval.matching.scoring import (
    DEFAULT_MATCHING,
    MatchingConfig,
    ScoredFacts,
    period_wanted,
    prefer_asked_period_or_grade,
    prepare_question,
    score_facts,
    top_order,
)


@dataclass(frozen=True)
class PreviousTurn:
    """What a thread remembers of its last question: as read, and the facts the answer showed."""

    question: str
    fact_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, answer: Answer) -> PreviousTurn:
        """The turn an answer leaves behind (a follow-up's reading, so a chain keeps its topic)."""
        question = answer.question
        if answer.follows and answer.reason != "source":
            question = joined_question(answer.follows, answer.question)
        return cls(question, tuple(a.fact.id for a in answer.answers))


@dataclass(frozen=True)
class FollowUpConfig:
    """The knobs of reading a message in its thread (chosen on tests/data/follow_ups.yaml's tune
    split; its report split and the standalone sets measure them)."""

    previous_weight: float = 0.7  # the previous question's share of each fact's score
    shown_boost: float = 0.1  # the facts the previous answer showed
    related_boost: float = 0.05  # and their other editions
    # Below this, a message's own words do not identify a fact: it is read with its thread. (The
    # idf it sums falls as facts gain example questions: re-choose it when they grow.)
    standalone_specificity: float = 4.0
    # How much more confident the thread reading must be to keep a complete-looking message on
    # the fact just shown.
    stay_on_topic_margin: float = 0.05
    # A request for the source is a few words long; a longer message is a question of its own.
    max_source_request_words: int = 8


DEFAULT_FOLLOW_UP = FollowUpConfig()

_SOURCE_REQUEST = re.compile(
    r"\b(?:sources?|links?|url|references?|citations?|cite|"
    r"where(?:'s| is| was| does| did)? (?:that|this|it)\b.*\bfrom|"
    r"who (?:published|said|says|wrote|reported) (?:that|this|it))\b",
    re.IGNORECASE,
)


def asks_for_source(question: str, config: FollowUpConfig = DEFAULT_FOLLOW_UP) -> bool:
    """Whether a short message asks where the last answer comes from ("source?", "link?")."""
    text = strip_framing(question)
    return len(text.split()) <= config.max_source_request_words and bool(_SOURCE_REQUEST.search(text))


def specificity(index: FactIndex, question: str) -> float:
    """How much a message says on its own: the summed rarity (IDF) of its words the knowledge uses.

    "what about requires improvement?" says little; "how many children are in care in England?"
    says a lot."""
    return terms_specificity(index, index.query_terms(prepare_question(index, question).text))


def terms_specificity(index: FactIndex, terms: QueryTerms) -> float:
    """``specificity`` of a question already read into its terms."""
    # A year or a number alone identifies no fact ("and in 2018?").
    return float(
        sum(
            max(
                (index.idf[t] for t in alts if t in index.idf and not any(c.isdigit() for c in t)),
                default=0.0,
            )
            for alts in terms.alternatives
        )
    )


def joined_question(previous: str, question: str) -> str:
    """The previous question and the follow-up as one text (what the decision weighs). A
    follow-up naming a period replaces the previous question's ("… in 2016/17?" + "and in
    2017/18?")."""
    if names_period(question):
        previous = without_period(previous)
    return f"{previous.rstrip(' ?.!')} — {question}"


def score_in_thread(
    index: FactIndex,
    question: str,
    previous: PreviousTurn,
    config: MatchingConfig = DEFAULT_MATCHING,
    follow_up: FollowUpConfig = DEFAULT_FOLLOW_UP,
    alone: ScoredFacts | None = None,
) -> ScoredFacts:
    """Every fact scored for a message read with the thread's previous turn (``alone``: the
    message's own scores, when the caller has them already)."""
    alone = alone or score_facts(index, question, config)
    before = score_facts(index, previous.question, config)
    joined = score_facts(index, joined_question(previous.question, question), config)
    fused = (alone.fused + follow_up.previous_weight * before.fused) / (1 + follow_up.previous_weight)
    boost = np.zeros_like(fused)
    for fact_id in previous.fact_ids:
        fact = index.knowledge.facts_by_id.get(fact_id)
        if fact is None:  # reloaded away since
            continue
        for ref in fact.related:
            if ref in index.fact_position:
                boost[index.fact_position[ref]] = max(
                    boost[index.fact_position[ref]], follow_up.related_boost
                )
        boost[index.fact_position[fact_id]] = follow_up.shown_boost
    wanted = period_wanted(index, alone.question.text)
    if wanted is not None:  # "and in 2016?": only facts of the period asked
        boost = np.where(wanted, boost, -1.0)
    fused = fused + boost
    order = top_order(fused, config.max_suggestions + 1)
    order = prefer_asked_period_or_grade(index, alone.question.text, fused, order, config)
    # The decision weighs the joined reading's evidence; the rules about what was asked (the
    # thing counted, the kind of answer, the year) read the message itself.
    return ScoredFacts(
        alone.question, joined.query_vectors, order, fused, joined.dense, joined.lexical, joined.terms
    )


def _shown_facts(index: FactIndex, previous: PreviousTurn) -> list[Fact]:
    return [index.knowledge.facts_by_id[i] for i in previous.fact_ids if i in index.knowledge.facts_by_id]


def edition_answer(index: FactIndex, question: str, previous: PreviousTurn) -> Answer | None:
    """For a message that names only a period ("and in 2017/18?"): the facts the last answer
    showed that are about that period — it showed both editions of the measure, and the message
    picks one. None when it showed none of that period."""
    wanted = period_wanted(index, prepare_question(index, question).text)
    if wanted is None:
        return None
    facts = [f for f in _shown_facts(index, previous) if wanted[index.fact_position[f.id]]]
    if not facts:
        return None
    items = tuple(AnsweredFact(f, index.knowledge.source_of(f), 1.0) for f in facts[:1])
    return Answer(
        question=question, answered=True, answers=items, reason="edition", follows=previous.question
    )


def source_answer(index: FactIndex, question: str, previous: PreviousTurn) -> Answer | None:
    """The last answer's facts again, for their citations; None when it showed none."""
    facts = _shown_facts(index, previous)
    if not facts:
        return None
    items = tuple(
        AnsweredFact(f, index.knowledge.source_of(f), 1.0, "best" if n == 0 else "other_edition")
        for n, f in enumerate(facts)
    )
    return Answer(question=question, answered=True, answers=items, reason="source", follows=previous.question)


def _stays_on_topic(
    index: FactIndex,
    in_thread: Answer,
    alone: Answer,
    own: ScoredFacts | None,
    previous: PreviousTurn,
    config: FollowUpConfig,
) -> bool:
    """A message that reads as complete, but whose thread reading answers from a fact the last
    answer showed, and clearly more confidently than the message alone ("how many ended up
    requires improvement?" after the re-inspections). The message itself must point at that fact
    too (among its own best few): the previous question's strong match alone does not make a new
    question ("which council is a cautionary tale?" after children in care) a follow-up."""
    best, alone_best = in_thread.best, alone.best
    return (
        in_thread.answered
        and best is not None
        and alone_best is not None
        and own is not None
        and best.fact.id in previous.fact_ids
        and best.fact.id != alone_best.fact.id
        and index.fact_position[best.fact.id] in own.order
        and in_thread.confidence > alone.confidence + config.stay_on_topic_margin
    )


def answer_in_thread(
    index: FactIndex,
    question: str,
    previous: PreviousTurn | None,
    config: MatchingConfig = DEFAULT_MATCHING,
    follow_up: FollowUpConfig = DEFAULT_FOLLOW_UP,
) -> Answer:
    """Answer a message in a thread: alone, as a follow-up of ``previous``, or with its source."""
    if previous is None or not question.strip() or len(index.facts) == 0:
        return answer_question(index, question, config)
    if asks_for_source(question, follow_up):
        cited = source_answer(index, question, previous)
        if cited is not None:
            return cited
    # The message alone is scored once: for its own answer, its specificity and the thread reading.
    text = " ".join(question.split())
    own = score_facts(index, text, config) if tokenize(text) else None
    alone = answer_scored(index, question, own, config) if own else answer_question(index, question, config)
    said = terms_specificity(index, own.terms) if own else 0.0
    standalone = said >= follow_up.standalone_specificity
    scored = score_in_thread(index, question, previous, config, follow_up, alone=own)
    in_thread = answer_scored(index, question, scored, config)
    if alone.answered and standalone:
        if _stays_on_topic(index, in_thread, alone, own, previous, follow_up):
            return replace(in_thread, follows=previous.question)
        return alone
    if in_thread.answered or not standalone:
        # A message that says too little alone is never answered as if it stood alone: read
        # with its thread, or declined with the nearest facts of that reading — unless all it
        # names is a period the last answer showed.
        if not in_thread.answered and said == 0.0:
            picked = edition_answer(index, question, previous)
            if picked is not None:
                return picked
        return replace(in_thread, follows=previous.question)
    return alone
