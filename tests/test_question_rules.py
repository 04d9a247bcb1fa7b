"""Every question rule against its own examples: the answer kinds (language/answer_kinds.py) on
their own, the decline rules (matching/decline_rules.py) on the shipped knowledge. A rule's
examples live beside it; this file only runs them, so adding a rule adds its cases here too."""

from __future__ import annotations

import pytest

from retrieval.language.answer_kinds import ANSWER_KINDS, AnswerKind, asked_answer_kind
from retrieval.matching.answer import answer_question
from retrieval.matching.decline_rules import DECLINE_RULES, DeclineRule, rule_decline
from retrieval.matching.index import FactIndex
from retrieval.matching.scoring import DEFAULT_MATCHING, score_facts

KIND_ASKS = [(kind, q) for kind in ANSWER_KINDS for q in kind.asks]
KIND_ASKS_NOT = [(kind, q) for kind in ANSWER_KINDS for q in kind.asks_not]
RULE_DECLINES = [(rule, q, note) for rule in DECLINE_RULES for q, note in rule.declines]
RULE_LETS_THROUGH = [(rule, q) for rule in DECLINE_RULES for q in rule.lets_through]


def _id(value: object) -> str:
    return getattr(value, "name", str(value))[:60]


def test_every_rule_has_a_name_of_its_own_and_examples() -> None:
    for rules in (ANSWER_KINDS, DECLINE_RULES):
        names = [rule.name for rule in rules]
        assert len(names) == len(set(names)), names
    assert all(kind.asks for kind in ANSWER_KINDS)
    assert all(rule.declines and rule.lets_through for rule in DECLINE_RULES)


@pytest.mark.parametrize(("kind", "question"), KIND_ASKS, ids=_id)
def test_an_answer_kind_is_read_from_its_questions(kind: AnswerKind, question: str) -> None:
    asked = asked_answer_kind(question)
    assert asked is not None and asked.name == kind.name, (question, asked and asked.name)


@pytest.mark.parametrize(("kind", "question"), KIND_ASKS_NOT, ids=_id)
def test_an_answer_kind_is_not_read_from_near_questions(kind: AnswerKind, question: str) -> None:
    asked = asked_answer_kind(question)
    assert asked is None or asked.name != kind.name, question


@pytest.mark.parametrize(("rule", "question", "note"), RULE_DECLINES, ids=_id)
def test_a_decline_rule_declines_its_questions(
    index: FactIndex, rule: DeclineRule, question: str, note: str
) -> None:
    declined = rule_decline(index, score_facts(index, question), DEFAULT_MATCHING)
    assert declined is not None and declined.rule.name == rule.name, (question, declined)
    answer = answer_question(index, question)
    assert not answer.answered and answer.answers == ()
    assert answer.reason == rule.reason
    assert note in answer.note
    assert answer.suggestions, "a decline still shows the nearest facts"


@pytest.mark.parametrize(("rule", "question"), RULE_LETS_THROUGH, ids=_id)
def test_a_decline_rule_lets_its_near_questions_through(
    index: FactIndex, rule: DeclineRule, question: str
) -> None:
    declined = rule_decline(index, score_facts(index, question), DEFAULT_MATCHING)
    assert declined is None or declined.rule.name != rule.name, (question, declined.note)
