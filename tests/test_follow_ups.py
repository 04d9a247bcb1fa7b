"""Follow-up questions in a thread: the core's reading (real model, real knowledge), the CLI's
chat, the thread memory, and signed event sequences against the running server.

The questions here are the tests' own; tests/data/follow_ups.yaml is the measured set."""

from __future__ import annotations

import time
from typing import Any

import pytest
from support.bot_process import REPO_ROOT
from support.cli import run_cli
from support.slack_messages import context_texts, dm_event, mention_event, quotes
from support.slack_standin import SignedSlackClient, SlackStandin

from bot.slack.threads import ThreadKey, ThreadTurns
from retrieval.evaluation.evaluate import FollowUpSet, evaluate_follow_ups
from retrieval.matching.answer import answer_question
from retrieval.matching.followup import (
    PreviousTurn,
    answer_in_thread,
    asks_for_source,
    edition_answer,
    specificity,
)
from retrieval.matching.index import FactIndex

FOLLOW_UPS = REPO_ROOT / "tests" / "data" / "follow_ups.yaml"


def turn(index: FactIndex, question: str) -> PreviousTurn:
    return PreviousTurn.of(answer_question(index, question))


def top_fact(answer: Any) -> str | None:
    return answer.best.fact.id if answer.best else None


# --- the core ------------------------------------------------------------------------------------


def test_an_elliptical_follow_up_is_read_with_the_previous_question(index: FactIndex) -> None:
    previous = turn(index, "what proportion of local authorities are inadequate now?")
    alone = answer_question(index, "and requires improvement?")
    followed = answer_in_thread(index, "and requires improvement?", previous)
    assert (
        followed.answered and followed.follows == "what proportion of local authorities are inadequate now?"
    )
    assert followed.best is not None and "45% as requires improvement" in followed.best.fact.quote
    assert followed != alone


def test_a_period_follow_up_moves_to_that_edition(index: FactIndex) -> None:
    previous = turn(index, "how many local authorities were rated good or outstanding in 2018?")
    assert answer_question(
        index, "how many local authorities were rated good or outstanding in 2018?"
    ).answered
    followed = answer_in_thread(index, "and in 2016?", previous)
    assert followed.follows is not None
    if followed.answered:
        assert (
            followed.best is not None and 2016 in index.fact_years[index.fact_position[followed.best.fact.id]]
        )
        assert followed.best.source.report != "Ofsted Annual Report 2017/18"


def test_a_bare_period_picks_that_edition_of_what_was_just_shown(index: FactIndex) -> None:
    before = answer_question(index, "what share of councils are good or outstanding now?")
    editions = {a.source.report for a in before.answers}
    assert len(editions) == 2, "the answer shows both editions of the measure"
    picked = answer_in_thread(index, "and in 2016?", PreviousTurn.of(before))
    assert picked.answered and picked.best is not None
    assert picked.best.source.report != "Ofsted Annual Report 2017/18"
    assert picked.best.fact.id in {a.fact.id for a in before.answers}
    nothing_shown = PreviousTurn("what share of councils were good or outstanding?", ())
    assert edition_answer(index, "and in 2016?", nothing_shown) is None


def test_a_complete_question_in_a_thread_is_answered_as_if_asked_alone(index: FactIndex) -> None:
    previous = turn(index, "how many focused visits were there this year?")
    for question in (
        "How many children in England are in care?",
        "What does Ofsted say about grooming gangs?",
    ):
        alone = answer_question(index, question)
        in_thread = answer_in_thread(index, question, previous)
        assert top_fact(in_thread) == top_fact(alone) and in_thread.follows is None


def test_an_unanswerable_question_in_a_thread_still_declines(index: FactIndex) -> None:
    previous = turn(index, "how many JTAIs did Ofsted carry out?")
    answer = answer_in_thread(index, "how many social workers are there in England?", previous)
    assert not answer.answered and "social workers" in answer.decline_message


def test_source_requests_repeat_the_last_answers_citation(index: FactIndex) -> None:
    before = answer_question(index, "how many monitoring visits happened this year?")
    assert before.answered
    for request in ("source?", "where's that from?", "got a link?", "who published that?"):
        assert asks_for_source(request), request
        cited = answer_in_thread(index, request, PreviousTurn.of(before))
        assert cited.reason == "source" and [a.fact.id for a in cited.answers] == [
            a.fact.id for a in before.answers
        ]
    assert not asks_for_source("what is the source of funding for early help in most councils these days?")


def test_no_previous_turn_is_the_standalone_answer(index: FactIndex) -> None:
    question = "how many children in need are there?"
    assert answer_in_thread(index, question, None) == answer_question(index, question)
    # a turn whose facts were reloaded away is harmless
    gone = PreviousTurn("how many children in need are there?", ("no-such-fact",))
    assert answer_in_thread(index, "source?", gone).reason != "source"


def test_specificity_is_what_a_message_says_on_its_own(index: FactIndex) -> None:
    assert specificity(index, "and in 2016?") == 0.0
    assert specificity(index, "what about RI?") < specificity(
        index, "how many children are in care in England?"
    )


@pytest.mark.quality
def test_the_follow_up_set_meets_its_bar(index: FactIndex) -> None:
    result = evaluate_follow_ups(
        FollowUpSet.from_file(FOLLOW_UPS),
        lambda q: answer_question(index, q),
        lambda q, before: answer_in_thread(index, q, PreviousTurn.of(before)),
    )
    assert len(FollowUpSet.from_file(FOLLOW_UPS).elliptical) >= 20
    assert result["elliptical"]["all"]["share"] >= 0.8, result["misses"]
    assert result["complete"]["all"]["share"] == 1.0, result["misses"]
    assert result["complete"]["all"]["same_as_alone_share"] == 1.0
    assert result["source"]["all"]["share"] == 1.0


@pytest.mark.quality
def test_eval_prints_the_follow_up_figures_per_kind_and_split() -> None:
    done = run_cli("eval", str(FOLLOW_UPS))
    assert done.returncode == 0, done.stderr
    for line in ("elliptical [report]: right", "complete [tune]: right", "source [all]: right 4/4"):
        assert line in done.stdout, done.stdout


def test_chat_follows_up_and_never_keeps_a_screened_question() -> None:
    script = "\n".join(
        [
            "what proportion of local authorities are inadequate now?",
            "and requires improvement?",
            "where is that from?",
            "the child born 03/04/2012 lives in an inadequate council, what does ofsted say?",
            "source?",
            "quit",
        ]
    )
    done = run_cli("chat", stdin=script)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Following up on: what proportion of local authorities are inadequate now?" in out
    assert "45%" in out.split("Following up on:", 1)[1]
    assert "03/04/2012" not in out
    # "source?" after the screened question still cites the last answer, not the screened one
    assert out.count("Locum Today") >= 3


# --- the thread memory -----------------------------------------------------------------------------


def test_thread_turns_are_per_thread_bounded_and_forgotten() -> None:
    turns = ThreadTurns(retention_days=90, max_threads=2)
    assert turns.ttl_seconds == 24 * 60 * 60  # never longer than a day, nor than RETENTION_DAYS
    first, second, third = (ThreadKey("C1", "1.0"), ThreadKey("C1", "2.0"), ThreadKey("C2", "1.0"))
    turns.remember(first, PreviousTurn("a?", ("x",)))
    turns.remember(second, PreviousTurn("b?"))
    assert turns.last(first) == PreviousTurn("a?", ("x",)) and turns.last(third) is None
    turns.remember(third, PreviousTurn("c?"))
    assert len(turns) == 2 and turns.last(first) is None  # the oldest went
    dm = ThreadKey("D1", "", in_dm=True)
    turns.remember(dm, PreviousTurn("d?"))
    assert turns.last(ThreadKey("D1", "5.0", in_dm=True)) == PreviousTurn("d?")
    assert turns.last(ThreadKey("C9", "5.0")) is None
    expiring = ThreadTurns(retention_days=1)
    expiring.ttl_seconds = 0.05
    expiring.remember(first, PreviousTurn("a?"))
    time.sleep(0.1)
    assert expiring.last(first) is None and len(expiring) == 0


# --- over Slack: signed event sequences --------------------------------------------------------------


def wait_for_posts(standin: SlackStandin, channel: str, count: int) -> list[dict[str, Any]]:
    standin.wait_for(
        lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel, count=count, timeout=60
    )
    return [
        c.body
        for c in standin.matching(
            lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel
        )
    ]


def test_a_follow_up_mention_in_the_thread_is_answered_from_the_right_fact(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    channel = slack.unique("CFOLLOW")
    root = "1700001000.000100"
    slack.event(mention_event(channel, "what proportion of local authorities are inadequate now?", root))
    wait_for_posts(standin, channel, 1)
    follow_up = mention_event(channel, "and requires improvement?", "1700001000.000200")
    follow_up["thread_ts"] = root
    assert slack.event(follow_up).status == 200
    second = wait_for_posts(standin, channel, 2)[1]
    assert second["thread_ts"] == root
    assert any("45% as requires improvement" in q for q in quotes(second["blocks"]))
    assert any("Following up on" in t for t in context_texts(second["blocks"]))
    source = mention_event(channel, "source?", "1700001000.000300")
    source["thread_ts"] = root
    slack.event(source)
    third = wait_for_posts(standin, channel, 3)[2]
    assert any("Where that answer comes from" in t for t in context_texts(third["blocks"]))
    assert any("Locum Today" in t for t in context_texts(third["blocks"]))


def test_the_same_follow_up_in_another_thread_has_no_context(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    channel = slack.unique("CFRESH")
    slack.event(mention_event(channel, "and requires improvement?", "1700001100.000100"))
    only = wait_for_posts(standin, channel, 1)[0]
    assert not any("Following up on" in t for t in context_texts(only["blocks"]))


def test_a_follow_up_direct_message_is_answered_from_the_right_fact(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    channel = slack.unique("DFOLLOW")
    slack.event(dm_event(channel, "how many children in need are there in England?", "1700001200.000100"))
    wait_for_posts(standin, channel, 1)
    slack.event(dm_event(channel, "and how many of those are in care?", "1700001200.000200"))
    second = wait_for_posts(standin, channel, 2)[1]
    assert any("75,000" in q for q in quotes(second["blocks"]))
    # a reply in a DM thread follows the DM's last turn too
    slack.event(dm_event(channel, "link?", "1700001200.000300", thread_ts="1700001200.000250"))
    third = wait_for_posts(standin, channel, 3)[2]
    assert any("Where that answer comes from" in t for t in context_texts(third["blocks"]))


def test_a_personal_data_question_is_never_kept_as_context(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: Any
) -> None:
    channel = slack.unique("DPRIVATE")
    slack.event(dm_event(channel, "how many JTAIs did Ofsted carry out?", "1700001300.000100"))
    wait_for_posts(standin, channel, 1)
    private = "the child born 03/04/2012 lives in an inadequate council, what does ofsted say?"
    slack.event(dm_event(channel, private, "1700001300.000200"))
    standin.wait_for(lambda c: c.method == "chat.postEphemeral" and c.body.get("channel") == channel)
    slack.event(dm_event(channel, "source?", "1700001300.000300"))
    third = wait_for_posts(standin, channel, 2)[1]
    follows = " ".join(t for t in context_texts(third["blocks"]) if "Where that answer comes from" in t)
    assert "03/04/2012" not in follows and "how many JTAIs did Ofsted carry out?" in follows
    assert "03/04/2012" not in bot_server.log_text()
