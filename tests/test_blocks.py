"""Answer → Block Kit: content, escaping and Slack's limits (pure functions, real knowledge)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.block_kit import assert_valid_blocks

from bot.slack import blocks, slack_text
from bot.slack.slack_text import question_from_slack
from retrieval.knowledge.schema import Fact, Knowledge, Source
from retrieval.matching.answer import DECLINE_TEXT, Answer, AnsweredFact, Suggestion

REPO_ROOT = Path(__file__).resolve().parent.parent


def answered(knowledge: Knowledge, *fact_ids: str, question: str = "a question", **kwargs: Any) -> Answer:
    items = []
    for i, fact_id in enumerate(fact_ids):
        fact = knowledge.facts_by_id[fact_id]
        role = "best" if i == 0 else "other_edition"
        items.append(AnsweredFact(fact, knowledge.source_of(fact), 0.9 - i / 10, role))
    return Answer(question=question, answered=True, answers=tuple(items), **kwargs)


def of_type(rendered: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [b for b in rendered if b["type"] == kind]


def section_texts(rendered: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in of_type(rendered, "section")]


def context_texts(rendered: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for b in of_type(rendered, "context") for e in b["elements"]]


def quote_texts(rendered: list[dict[str, Any]]) -> list[str]:
    return [
        part["text"]
        for b in of_type(rendered, "rich_text")
        for element in b["elements"]
        if element["type"] == "rich_text_quote"
        for part in element["elements"]
    ]


def buttons(rendered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in of_type(rendered, "actions") for e in b["elements"]]


def synthetic_fact(statement: str, quote: str = "A quote.", figures: tuple[str, ...] = ()) -> Fact:
    return Fact(
        id="synthetic",
        source="synthetic-source",
        statement=statement,
        quote=quote,
        figures=[{"text": t, "value": 1, "measure": "m"} for t in figures],
    )


def synthetic_source(**overrides: Any) -> Source:
    fields: dict[str, Any] = {
        "id": "synthetic-source",
        "publisher": "Publisher",
        "title": "Title",
        "published": None,
        "url": None,
        "report": "Report",
        "text_file": "x.txt",
    }
    return Source(**{**fields, **overrides})


# --- the answer --------------------------------------------------------------------------------


def test_answer_shows_statement_with_bold_figures_verbatim_quote_and_citation(knowledge: Knowledge) -> None:
    fact = knowledge.facts_by_id["la-judgements-2017-18"]
    rendered = blocks.answer_blocks(answered(knowledge, fact.id), knowledge=knowledge)
    statement = section_texts(rendered)[0]
    for figure in ("42%", "45%", "13%"):
        assert f"*{figure}*" in statement
    assert quote_texts(rendered) == [fact.quote]
    citation = context_texts(rendered)[0]
    assert citation == (
        "Source: Locum Today, “Number of authorities rated good or outstanding increases”, "
        "4 December 2018 · Ofsted Annual Report 2017/18"
    )


def test_citation_says_date_not_stated_and_links_a_known_url() -> None:
    undated = blocks.citation(synthetic_source())
    assert "date not stated" in undated and "“Title”" in undated
    linked = blocks.citation(synthetic_source(url="https://example.org/a?b=1&c=2"))
    assert "<https://example.org/a?b=1&amp;c=2|Title>" in linked


def test_other_report_editions_are_all_shown_newest_first_each_labelled(knowledge: Knowledge) -> None:
    # The older edition ranked first must still come second: newest report first.
    answer = answered(knowledge, "good-or-outstanding-2016-17", "la-judgements-2017-18")
    rendered = blocks.answer_blocks(answer, knowledge=knowledge)
    statements = [t for t in section_texts(rendered) if t.startswith("*Ofsted Annual Report")]
    assert len(statements) == 2
    assert statements[0].startswith("*Ofsted Annual Report 2017/18*")
    assert statements[1].startswith("*Ofsted Annual Report 2016/17")
    assert quote_texts(rendered) == [
        knowledge.facts_by_id["la-judgements-2017-18"].quote,
        knowledge.facts_by_id["good-or-outstanding-2016-17"].quote,
    ]
    assert len(of_type(rendered, "divider")) == 1


def test_single_edition_answer_has_no_report_label(knowledge: Knowledge) -> None:
    rendered = blocks.answer_blocks(answered(knowledge, "la-judgements-2017-18"), knowledge=knowledge)
    assert not section_texts(rendered)[0].startswith("*Ofsted")


def test_close_runners_up_become_did_you_mean_buttons(knowledge: Knowledge) -> None:
    runner_up = knowledge.facts_by_id["good-or-outstanding-up-from-last-year"]
    answer = answered(
        knowledge,
        "la-judgements-2017-18",
        question="how many are good",
        suggestions=(Suggestion(runner_up.id, runner_up.statement, 0.8),),
    )
    rendered = blocks.answer_blocks(answer, knowledge=knowledge)
    assert "Did you mean…" in section_texts(rendered)
    choice = next(b for b in buttons(rendered) if b["action_id"] == "did_you_mean_0")
    assert len(choice["text"]["text"]) <= blocks.MAX_BUTTON_TEXT
    assert choice["text"]["text"].endswith("…")
    assert runner_up.statement.startswith(choice["text"]["text"].removesuffix("…"))
    chosen = blocks.parse_did_you_mean_value(choice["value"])
    assert (chosen.fact_id, chosen.question) == (runner_up.id, "how many are good")
    assert blocks.DID_YOU_MEAN_ACTION_PATTERN.match(choice["action_id"])


def test_share_button_only_on_ephemeral_answers_and_feedback_always(knowledge: Knowledge) -> None:
    answer = answered(knowledge, "la-judgements-2017-18")
    private = [b["action_id"] for b in buttons(blocks.answer_blocks(answer, ephemeral=True))]
    visible = [b["action_id"] for b in buttons(blocks.answer_blocks(answer, ephemeral=False))]
    assert private == ["share_answer", "feedback_up", "feedback_down"]
    assert visible == ["feedback_up", "feedback_down"]


def test_share_value_round_trips_and_shared_copy_says_who(knowledge: Knowledge) -> None:
    answer = answered(knowledge, "la-judgements-2017-18", "good-or-outstanding-2016-17", question="q?")
    shared = blocks.parse_share_value(blocks.share_value(answer))
    assert shared.question == "q?"
    assert shared.facts == (
        ("la-judgements-2017-18", "best"),
        ("good-or-outstanding-2016-17", "other_edition"),
    )
    rendered = blocks.answer_blocks(answer, shared_by="U123ABC")
    assert context_texts(rendered)[0] == "<@U123ABC> shared an answer: “q?”"
    assert not buttons(rendered)
    assert "Someone shared" in context_texts(blocks.answer_blocks(answer, shared_by="<!channel>"))[0]


def test_feedback_value_carries_the_vote_and_the_facts(knowledge: Knowledge) -> None:
    answer = answered(knowledge, "la-judgements-2017-18", question="q?")
    vote = blocks.parse_feedback_value(blocks.feedback_value(answer, helpful=False))
    assert (vote.helpful, vote.answered, vote.fact_ids, vote.question) == (
        False,
        True,
        ("la-judgements-2017-18",),
        "q?",
    )


# --- the decline -------------------------------------------------------------------------------


def test_decline_says_so_offers_the_nearest_facts_and_what_is_covered(knowledge: Knowledge) -> None:
    near = knowledge.facts[:3]
    answer = Answer(
        question="pizza?",
        answered=False,
        suggestions=tuple(Suggestion(f.id, f.statement, 0.3) for f in near),
        reason="out_of_scope",
    )
    rendered = blocks.answer_blocks(answer, knowledge=knowledge, ephemeral=True)
    assert section_texts(rendered)[0] == DECLINE_TEXT
    assert not quote_texts(rendered)
    choices = [b for b in buttons(rendered) if b["action_id"].startswith("did_you_mean_")]
    assert [blocks.parse_did_you_mean_value(b["value"]).fact_id for b in choices] == [f.id for f in near]
    coverage = next(t for t in context_texts(rendered) if t.startswith("I answer from"))
    for report in knowledge.reports:
        assert slack_text.escape_mrkdwn(report) in coverage
    assert "share_answer" not in [b["action_id"] for b in buttons(rendered)]
    assert blocks.answer_text(answer) == DECLINE_TEXT


# --- escaping ----------------------------------------------------------------------------------


def test_knowledge_text_is_escaped_and_cannot_mention_or_link() -> None:
    fact = synthetic_fact(
        "Tom & Jerry <!channel> <@U123> <https://evil.example|click> 5% @here", figures=("5%",)
    )
    rendered = blocks.fact_blocks(fact, synthetic_source(publisher="A & B <x>"), label_report=False)
    statement = section_texts(rendered)[0]
    assert "Tom &amp; Jerry &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt;" in statement
    assert "*5%*" in statement
    assert "@here" not in statement and f"@{slack_text._WORD_JOINER}here" in statement
    assert "A &amp; B &lt;x&gt;" in context_texts(rendered)[0]


def test_figure_is_bolded_only_where_it_stands_alone() -> None:
    assert blocks.bold_figures("113% and 13% and 13%s", ["13%"]) == "113% and *13%* and 13%s"
    assert blocks.bold_figures("from 22% to 13%.", ["22%", "13%"]) == "from *22%* to *13%*."
    assert blocks.bold_figures("almost 12 million children", ["12 million"]) == "almost *12 million* children"


@given(st.text())
def test_escaped_text_has_no_control_characters_and_reads_the_same(text: str) -> None:
    escaped = slack_text.escape_mrkdwn(text)
    assert "<" not in escaped and ">" not in escaped
    assert re.fullmatch(r"([^&]|&amp;|&lt;|&gt;)*", escaped, flags=re.DOTALL)
    if slack_text._WORD_JOINER not in text:
        assert slack_text.unescape_slack_text(escaped).replace(slack_text._WORD_JOINER, "") == text


@pytest.mark.parametrize(
    ("raw", "question"),
    [
        ("<@U0BOT> how many children are in care?", "how many children are in care?"),
        ("<!channel> <!here> @everyone what about &lt;b&gt; &amp; c", "what about <b> & c"),
        ("see <https://example.org|this article> and <#C123|general>", "see this article and #general"),
        ("  lots   of\nspace ", "lots of space"),
    ],
)
def test_question_from_slack_drops_mentions_and_undoes_entities(raw: str, question: str) -> None:
    assert question_from_slack(raw) == question


# --- limits ------------------------------------------------------------------------------------


def test_limits_hold_for_huge_text_and_many_facts(knowledge: Knowledge) -> None:
    fact = synthetic_fact("x" * 5000, quote="q" * 5000)
    source = synthetic_source()
    many = tuple(AnsweredFact(fact, source, 0.9) for _ in range(40))
    suggestions = tuple(Suggestion(f"fact-{i}", "s" * 500, 0.5) for i in range(3))
    answer = Answer(question="w" * 5000, answered=True, answers=many, suggestions=suggestions)
    rendered = blocks.answer_blocks(answer, ephemeral=True)
    assert len(rendered) <= blocks.MAX_BLOCKS
    assert rendered[-1]["block_id"] == "answer_actions", "the buttons survive the cut"
    assert all(len(t) <= blocks.MAX_SECTION_CHARS for t in section_texts(rendered))
    for b in buttons(rendered):
        assert len(b["text"]["text"]) <= blocks.MAX_BUTTON_TEXT
        assert len(b["value"]) <= blocks.MAX_BUTTON_VALUE
        json.loads(b["value"])
    assert len(blocks.answer_text(answer)) <= blocks.MAX_FALLBACK_TEXT


# --- help and the other replies -----------------------------------------------------------------


def test_help_lists_reports_sources_and_three_example_questions(knowledge: Knowledge) -> None:
    rendered = blocks.help_blocks(knowledge)
    text = "\n".join(section_texts(rendered))
    for source in knowledge.sources:
        assert slack_text.escape_mrkdwn(source.report) in text and source.publisher in text
    examples = blocks.example_questions(knowledge)
    assert len(examples) == 3 and len(set(examples)) == 3
    assert all(q in {q for f in knowledge.facts for q in f.questions} for q in examples)
    assert "<" not in text.replace("&lt;", "")


def test_too_long_and_apology_replies() -> None:
    assert "1,234 characters" in section_texts(blocks.too_long_blocks(1234))[0]
    apology = blocks.apology_blocks("abc123")
    assert section_texts(apology)[0].startswith("Sorry")
    assert "abc123" in context_texts(apology)[0]


def test_every_kind_of_reply_passes_slack_sdk_block_kit_validation(knowledge: Knowledge) -> None:
    first, second = sorted(knowledge.facts_by_id)[:2]
    replies = [
        blocks.answer_blocks(answered(knowledge, first), knowledge=knowledge, ephemeral=True),
        blocks.answer_blocks(answered(knowledge, first, second), knowledge=knowledge, ephemeral=False),
        blocks.answer_blocks(answered(knowledge, first), shared_by="U0SHARER"),
        blocks.answer_blocks(
            Answer(
                question="how many social workers?",
                answered=False,
                suggestions=(Suggestion(second, knowledge.facts_by_id[second].statement, 0.4),),
            ),
            knowledge=knowledge,
        ),
        blocks.help_blocks(knowledge),
        blocks.too_long_blocks(5000),
        blocks.slow_down_blocks(12),
        blocks.apology_blocks("abc123"),
        blocks.not_ready_blocks(),
    ]
    for rendered in replies:
        assert_valid_blocks(rendered)
