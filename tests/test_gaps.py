"""Grouping unanswered questions with the real model over the shipped knowledge, and the report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from retrieval.evaluation.gaps import (
    QuestionGroup,
    _cluster,
    format_gaps_report,
    gaps_report_dict,
    group_questions,
)
from retrieval.matching.index import FactIndex

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO / ".cache/embeddings"

ADOPTION = [
    "how many children were adopted last year",
    "adoption numbers for 2018",
    "how many kids got adopted",
]
WEATHER = ["what's the weather in Leeds", "is it going to rain tomorrow"]
# Interleaved, so grouping cannot lean on the order they were asked in.
ASKED = [ADOPTION[0], WEATHER[0], ADOPTION[1], WEATHER[1], ADOPTION[2]]


@pytest.fixture(scope="module")
def groups(index: FactIndex) -> list[QuestionGroup]:
    return group_questions(index, ASKED)


def test_paraphrases_group_together_apart_from_another_topic(
    index: FactIndex, groups: list[QuestionGroup]
) -> None:
    adoption = groups[0]  # largest first
    assert adoption.count == 3
    assert sorted(adoption.questions) == sorted(ADOPTION)
    assert adoption.example in ADOPTION
    assert all(g.count < 3 for g in groups[1:])
    assert not set(WEATHER) & set(adoption.questions)
    assert sum(g.count for g in groups) == len(ASKED)
    for group in groups:
        fact = index.knowledge.facts_by_id[group.nearest_fact_id or ""]
        assert group.nearest_statement == fact.statement


def test_grouping_does_not_depend_on_the_order_asked(index: FactIndex, groups: list[QuestionGroup]) -> None:
    def partition(found: list[QuestionGroup]) -> set[frozenset[str]]:
        return {frozenset(g.questions) for g in found}

    assert partition(group_questions(index, list(reversed(ASKED)))) == partition(groups)


def test_repeats_count_but_are_listed_once(index: FactIndex) -> None:
    asked = [WEATHER[0], "What's the  weather in Leeds", ADOPTION[0], " ", WEATHER[0]]
    found = group_questions(index, asked)
    assert found[0].count == 3
    assert found[0].questions[0] == WEATHER[0]
    assert found[0].questions.count(WEATHER[0]) == 1
    assert group_questions(index, []) == []
    assert group_questions(index, ["", "  "]) == []


def test_questions_are_never_written_to_the_embedding_cache(index: FactIndex) -> None:
    def cache_state() -> dict[str, str]:
        return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(CACHE_DIR.glob("*"))}

    before = cache_state()
    group_questions(index, ["a question nobody has asked before about the Ashworth children"])
    assert cache_state() == before


def test_clustering_is_average_linkage() -> None:
    scipy_hierarchy = pytest.importorskip("scipy.cluster.hierarchy")
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(6, 32))
    vectors = np.repeat(centres, 5, axis=0) + rng.normal(scale=0.6, size=(30, 32))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for threshold in (0.3, 0.5, 0.7):
        ours = {frozenset(rows) for rows in _cluster(vectors.astype(np.float32), np.ones(30), threshold)}
        tree = scipy_hierarchy.linkage(vectors, method="average", metric="cosine")
        labels = scipy_hierarchy.fcluster(tree, 1 - threshold, criterion="distance")
        reference = {frozenset(np.flatnonzero(labels == label).tolist()) for label in set(labels)}
        assert ours == reference


def test_report_lists_groups_then_votes_most_thumbs_down_first(
    index: FactIndex, groups: list[QuestionGroup]
) -> None:
    known = index.facts[0]
    votes = [(known.id, 1, 3), ("a-retired-fact", 0, 1)]
    text = format_gaps_report(groups, votes, index.knowledge.facts_by_id)
    assert "5 asked" in text
    assert f'3x  "{groups[0].example}"' in text
    assert f"nearest fact: {groups[0].nearest_fact_id}" in text
    assert text.index(known.id) < text.index("a-retired-fact")
    assert known.statement in text
    assert "(no longer in the knowledge)" in text

    data = json.loads(json.dumps(gaps_report_dict(groups, votes, index.knowledge.facts_by_id)))
    assert data["unanswered"]["questions"] == 5
    assert data["unanswered"]["groups"][0]["count"] == 3
    assert sorted(data["unanswered"]["groups"][0]["questions"]) == sorted(ADOPTION)
    assert data["votes"] == [
        {"fact_id": known.id, "statement": known.statement, "up": 1, "down": 3},
        {"fact_id": "a-retired-fact", "statement": None, "up": 0, "down": 1},
    ]


def test_empty_report_says_so(index: FactIndex) -> None:
    text = format_gaps_report([], [], index.knowledge.facts_by_id)
    assert "Unanswered questions: none recorded" in text
    assert "Answer votes: none recorded" in text
    assert gaps_report_dict([], [], {}) == {"unanswered": {"questions": 0, "groups": []}, "votes": []}
