"""The one contract between the core and every edge: ``answer_question(index, text) -> Answer``.

The CLI prints an ``Answer``, ``--json`` serialises it with ``Answer.to_dict()``, the Slack edge
renders it as Block Kit. No edge re-ranks or re-filters. The steps: ``scoring`` ranks the facts,
``decline_rules`` declines a best fact that does not give what is asked, the decision model
(``decision``) weighs the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from retrieval.knowledge.schema import Fact, Source
from retrieval.language.asking import defined_term
from retrieval.language.lexical import tokenize
from retrieval.matching.decision import DecisionModel, decision_features, pair_vector
from retrieval.matching.decline_rules import rule_decline
from retrieval.matching.index import FactIndex
from retrieval.matching.scoring import DEFAULT_MATCHING, MatchingConfig, ScoredFacts, score_facts

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


def confidence(index: FactIndex, scored: ScoredFacts, model: DecisionModel) -> float:
    """The calibrated probability that the best fact answers the question."""
    features = decision_features(
        index, scored.terms, scored.dense, scored.fused, scored.lexical, scored.order, scored.query_vectors
    )
    pair = pair_vector(index, scored.query_vectors, scored.best) if model.uses_pairs else None
    return model.probability(features, pair)


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
        declined = rule_decline(index, scored, config)
        reason, note = (declined.rule.reason, declined.note) if declined else ("", "")
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
