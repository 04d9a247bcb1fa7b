"""Retrieval with the real model over the shipped knowledge: answers, declines, editions, cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval.knowledge.fact_checks import verify_quote
from retrieval.knowledge.schema import require_knowledge
from retrieval.matching import index as retrieval_index
from retrieval.matching.answer import answer_fact, answer_question
from retrieval.matching.decision import VOTE_ROWS, row_vote
from retrieval.matching.index import FactIndex, fact_texts, tokenize
from retrieval.matching.scoring import score_facts

REPO = Path(__file__).resolve().parent.parent


# Phrasings of our own (not the dev set's): the answer's quote must carry the figure.
@pytest.mark.parametrize(
    ("question", "must_contain"),
    [
        ("what share of councils are graded inadequate", "13%"),
        ("how many kids are looked after by councils", "75,000"),
        ("number of monitoring visits to inadequate councils this year", "66"),
        ("how many focused visits happened", "39"),
        ("what funding gap do children's services face by 2020", "£2bn"),
        ("which council went from inadequate to good", "West Berkshire"),
        ("how many LAs are there in England", "152"),
    ],
)
def test_answers_carry_the_figure_in_a_verbatim_quote(
    index: FactIndex, question: str, must_contain: str
) -> None:
    answer = answer_question(index, question)
    assert answer.answered, answer.suggestions
    best = answer.answers[0]
    assert must_contain in best.fact.quote
    # the quote shown is word for word in the article it cites
    assert verify_quote(best.fact.quote, index.knowledge.source_texts[best.source.id])


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather like in Leeds tomorrow",
        "how do I claim mileage for a home visit",
        "what proportion of secondary schools are rated outstanding",
        "10 things to think about before becoming a locum social worker",
        "How many children are in care in Scotland?",  # a very close match, but about Scotland
    ],
)
def test_out_of_scope_is_declined_with_suggestions(index: FactIndex, question: str) -> None:
    answer = answer_question(index, question)
    assert not answer.answered
    assert answer.answers == ()
    assert len(answer.suggestions) >= 1
    assert all(s.fact_id in index.knowledge.facts_by_id for s in answer.suggestions)


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "?!", "the of and"])
def test_empty_questions_are_declined(index: FactIndex, question: str) -> None:
    answer = answer_question(index, question)
    assert not answer.answered and answer.reason == "empty"


def test_other_report_edition_is_shown_with_the_newest_first_in_rank(index: FactIndex) -> None:
    answer = answer_question(index, "what proportion of local authorities are good or outstanding")
    assert answer.answered
    reports = {a.source.report for a in answer.answers}
    assert len(reports) >= 2, "both editions of the measure must be shown"
    assert answer.answers[0].role == "best"
    assert any(a.role == "other_edition" for a in answer.answers[1:])


def test_two_stage_search_answers_like_the_full_scan(
    index: FactIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search used for very large knowledge bases (centroids first, then the best facts
    exactly) gives the same answers here, forced on with a third of the facts as candidates."""
    questions = [
        "what share of councils got an inadequate grade",
        "how many kids are looked after by councils",
        "which council went from inadequate to good",
        "what did Rick Hood find",
        "how many focused visits happened",
        "what's the weather like in Leeds tomorrow",
    ]
    full = [answer_question(index, q) for q in questions]
    monkeypatch.setattr(retrieval_index, "EXACT_SEARCH_MAX_ROWS", 0)
    monkeypatch.setattr(retrieval_index, "CANDIDATE_FACTS", 24)
    two_stage = [answer_question(index, q) for q in questions]
    for a, b in zip(full, two_stage, strict=True):
        assert (a.answered, a.best and a.best.fact.id) == (b.answered, b.best and b.best.fact.id)
        if a.best and b.best:
            assert a.best.score == pytest.approx(b.best.score, abs=1e-5)


def test_row_vote_reads_only_the_best_facts_rows_yet_counts_the_nearest_texts(index: FactIndex) -> None:
    """The nearest-texts share is taken over the rows of the best-scored facts only (a large
    knowledge base is not scanned whole per question); it equals the share over every text."""
    for question in (
        "what share of councils got an inadequate grade",
        "do poorer areas get worse grades?",
        "what's the weather like in Leeds tomorrow",
    ):
        scored = score_facts(index, question)
        sims = (index.vectors @ scored.query_vectors.T).max(axis=1) + index.row_offset
        nearest = np.argsort(-sims, kind="stable")[:VOTE_ROWS]
        own = {scored.best, *index.same_evidence[scored.best]}
        own_texts = sum(int(index.row_fact[r]) in own for r in range(len(index.vectors)))
        # out of as many texts as the fact has, at most VOTE_ROWS
        everything = sum(int(index.row_fact[r]) in own for r in nearest) / min(VOTE_ROWS, own_texts)
        assert row_vote(index, scored.query_vectors, scored.dense, scored.best) == everything


def test_answer_json_shape(index: FactIndex) -> None:
    data = answer_question(index, "how many children are in need").to_dict()
    assert set(data) == {"question", "answered", "answers", "suggestions", "note", "corrected_question"}
    assert data["note"] == "" and data["corrected_question"] is None
    assert data["answered"] is True
    first = data["answers"][0]
    assert {"fact_id", "statement", "quote", "figures", "source", "score"} <= set(first)
    assert set(first["source"]) == {"id", "publisher", "title", "published", "report", "url"}
    assert isinstance(first["score"], float)


def test_answer_fact_for_known_and_unknown_ids(index: FactIndex) -> None:
    fact = index.knowledge.facts[0]
    chosen = answer_fact(index, fact.id)
    assert chosen is not None and chosen.answers[0].fact.id == fact.id
    assert answer_fact(index, "no-such-fact") is None


def test_unknown_words_and_names(index: FactIndex) -> None:
    terms = index.query_terms("How many children were adopted in Scotland last year?")
    assert set(terms.unknown) == {"adopt", "scotland"}
    assert terms.unknown_names == ("scotland",)
    assert terms.unknown_rare == ()  # "adopted" is ordinary English: weighed, not a veto
    assert index.query_terms("what about caseloads and SGOs").unknown_rare == ("sgos",)  # caseloads: known
    # a synonym makes a word known: "LAs" means local authorities
    assert index.query_terms("how many LAs are there").unknown == ()
    assert not answer_question(index, "How many children were adopted last year?").answered


def test_tokenize_keeps_numbers_and_names() -> None:
    assert "66" in tokenize("66 monitoring visits")
    assert {"west", "berkshir"} <= set(tokenize("West Berkshire"))
    assert "2" in tokenize("£2bn")


def test_embedding_cache_encodes_only_new_texts(index: FactIndex, tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(REPO / "knowledge", folder)
    encoder = index.encoder
    cache = tmp_path / "cache"
    first = FactIndex.build(require_knowledge(folder), encoder, cache_dir=cache)
    distinct = {t for f in first.facts for _, t in fact_texts(f, first.knowledge)}
    assert first.encoded_count == len(distinct)  # each distinct text encoded once
    again = FactIndex.build(require_knowledge(folder), encoder, cache_dir=cache)
    assert again.encoded_count == 0
    assert np.allclose(first.vectors, again.vectors)

    source_id = index.knowledge.sources[0].id
    text = index.knowledge.source_texts[source_id]
    sentence = text.strip().splitlines()[0]
    (folder / "extra.yaml").write_text(
        "facts:\n"
        "  - id: extra-fact\n"
        f"    source: {source_id}\n"
        "    statement: A headline fact added by an admin.\n"
        f"    quote: {sentence!r}\n"
        "    questions: ['what is the headline?']\n",
        encoding="utf-8",
    )
    grown = FactIndex.build(require_knowledge(folder), encoder, cache_dir=cache)
    known = {t for f in first.facts for _, t in fact_texts(f, first.knowledge)}
    extra = [t for _, t in fact_texts(grown.knowledge.facts_by_id["extra-fact"], grown.knowledge)]
    assert {"A headline fact added by an admin.", sentence, "what is the headline?"} <= set(extra)
    assert grown.encoded_count == len(set(extra) - known)  # nothing else is re-encoded
    assert len(grown.vectors) == len(first.vectors) + len(extra)
