"""The one contract between the core and every edge: ``answer_question(index, text) -> Answer``.

The CLI prints an ``Answer``, ``--json`` serialises it with ``Answer.to_dict()``, the Slack edge
renders it as Block Kit. No edge re-ranks or re-filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from retrieval.knowledge import Fact, Source

if TYPE_CHECKING:
    from retrieval.index import FactIndex

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
