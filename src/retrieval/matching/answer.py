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
from retrieval.language.asking import defined_term, years_in
from retrieval.language.chat_markup import plain_words
from retrieval.language.lexical import spelled_in, spelled_out, tokenize
from retrieval.language.places import places_in
from retrieval.matching.claim_check import (
    ClaimCheck,
    asks_to_check,
    check_claim,
    claimed_date,
    date_check,
)
from retrieval.matching.decision import DecisionModel, decision_features, pair_vector
from retrieval.matching.decline_rules import other_period_note, rule_decline
from retrieval.matching.fact_scope import claim_text
from retrieval.matching.index import FactIndex
from retrieval.matching.overview import asks_overview, headline_facts, other_editions_hint, sources_asked
from retrieval.matching.scoring import (
    DEFAULT_MATCHING,
    MatchingConfig,
    ScoredFacts,
    prefer_close_runner_up,
    prepare_question,
    score_facts,
)

# Why a fact is in ``Answer.answers``: the best match, the same measure from another report
# edition (shown together so an older figure is never given silently, and never alone), or one of
# an edition's headline findings (an overview question, overview.py).
AnswerRole = Literal["best", "other_edition", "headline"]


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
    # For a claim check ("our draft says 15% … - accurate?"): whether the claimed figure is the
    # fact's (claim_check.py).
    claim: ClaimCheck | None = None
    # What to say before the facts: a claim check's verdict, an overview's heading.
    lead: str = ""

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
        return (
            {
                "question": self.question,
                "answered": self.answered,
                "answers": [a.to_dict() for a in self.answers],
                "suggestions": [s.to_dict() for s in self.suggestions],
                "note": self.note,
                "corrected_question": self.corrected_question,
            }
            | ({"follows": self.follows} if self.follows else {})
            | ({"claim": self.claim.to_dict()} if self.claim else {})
            | ({"lead": self.lead} if self.lead else {})
        )


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


def defining_fact(index: FactIndex, scored: ScoredFacts) -> tuple[int, str] | None:
    """For "What are JTAIs?", the best-scored fact that spells the term out — in brackets ("joint
    targeted area inspections (JTAIs)"), else in words whose initials spell it ("Her Majesty’s
    Chief Inspector") — and the definition to lead with."""
    question = scored.question.text
    term = defined_term(question)
    if term is None:
        return None
    asked = re.search(rf"\b{re.escape(term)}s?\b", question, re.IGNORECASE)
    acronym = re.sub(r"(?<=[A-Z])s$", "", asked.group(0) if asked else term)
    texts = [f"{fact.quote}\n{fact.statement}" for fact in index.facts]
    found = [(i, e) for i, text in enumerate(texts) if (e := spelled_out(text, term))]
    if not found and acronym.isupper():
        found = [(i, e) for i, text in enumerate(texts) if (e := spelled_in(text, acronym))]
    if not found:
        return None
    position, expansion = max(found, key=lambda pair: float(scored.fused[pair[0]]))
    return position, f"{acronym} stands for {expansion}."


def answer_question(index: FactIndex, question: str, config: MatchingConfig = DEFAULT_MATCHING) -> Answer:
    """Answer one question from the index, or decline with the nearest facts as suggestions."""
    text = plain_words(question)
    if not text or not tokenize(text) or len(index.facts) == 0:
        return Answer(question=question, answered=False, reason="empty")
    if asks_overview(index, prepare_question(index, text).text):
        return overview_answer(index, question, text)
    scored = score_facts(index, text, config)
    places = scored.terms.unknown_places
    if places and asks_to_check(text):
        # "was it Wokingham that went from inadequate to good?": a place the reports never name,
        # claimed where the fact names another, is the claim to correct, not a reason to decline
        masked = re.sub("|".join(re.escape(p) for p in places), "a council", text, flags=re.IGNORECASE)
        rescored = score_facts(index, masked, config)

        def names_a_place(position: int) -> bool:
            return bool(places_in(claim_text(index.facts[position])))

        order = prefer_close_runner_up(names_a_place, rescored.fused, rescored.order, config)
        rescored = replace(rescored, order=order)
        if names_a_place(rescored.best):
            return answer_scored(index, question, rescored, config, claim_of=scored.question.text)
    answer = answer_scored(index, question, scored, config)
    claimed = claimed_date(scored.question.text) if answer.reason == "other_period" else None
    if claimed:
        # "published on 4 November 2018 - correct?": a date claimed that the fact is not for is
        # the claim to correct, not a reason to decline
        undated = score_facts(index, text.replace(claimed, " "), config)
        corrected = answer_scored(index, question, undated, config)
        if corrected.answered and corrected.best is not None:
            check = date_check(index, index.fact_position[corrected.best.fact.id], claimed)
            return replace(corrected, claim=check, lead=check.summary())
    return answer


def overview_answer(index: FactIndex, question: str, text: str) -> Answer:
    """The headline findings of the edition asked (overview.py), or of the newest."""
    label, sources = sources_asked(index, text)
    positions = headline_facts(index, sources)
    if not positions:
        # an edition the knowledge does not have ("the 2018/19 report")
        note = other_period_note(index, years_in(text)) if years_in(text) else ""
        return Answer(question=question, answered=False, reason="other_period", note=note)
    answers = tuple(
        AnsweredFact(index.facts[i], index.knowledge.source_of(index.facts[i]), 1.0, role="headline")
        for i in positions
    )
    lead = f"The main findings of {label}{other_editions_hint(index, sources)}:"
    return Answer(question=question, answered=True, answers=answers, confidence=1.0, lead=lead)


def answer_scored(
    index: FactIndex,
    question: str,
    scored: ScoredFacts,
    config: MatchingConfig = DEFAULT_MATCHING,
    claim_of: str | None = None,
) -> Answer:
    """The answer or decline for facts already scored (a question alone, or read in a thread);
    ``claim_of``: the text whose claim is checked, when it is not the text scored."""
    facts = index.facts
    best = scored.best
    best_score = float(scored.fused[best])
    corrected = scored.question.text if scored.question.corrections else None

    def suggestion(i: int) -> Suggestion:
        return Suggestion(facts[i].id, facts[i].statement, float(scored.fused[i]))

    defining = defining_fact(index, scored)
    definition = ""
    if defining is not None:
        # the fact spells out the very term asked about: no score needs weighing
        position, definition = defining
        scored = replace(scored, order=np.concatenate(([position], scored.order[scored.order != position])))
        best, best_score = position, float(scored.fused[position])
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
    claim = check_claim(index, best, claim_of or scored.question.text)
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
        claim=claim,
        lead=claim.summary() if claim else definition,
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
