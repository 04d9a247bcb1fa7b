"""The App Home tab: what the bot knows, how to ask, example questions answered in the DM, and
for admins the status, gaps and a Reload button.

Against the running server (signed events and clicks, the stand-in recording ``views.publish``),
then each listener callback on its own with a mocked client over a real index, then the views'
limits with knowledge far larger than the shipped one. Every view is checked by slack_sdk's models.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import Mock, call

import pytest
from slack_sdk.errors import SlackApiError
from support.block_kit import assert_valid_view
from support.bot_process import REPO_ROOT, RunningServer
from support.server_checks import ADMIN_ID
from support.slack_standin import ASKER_ID, BOT_ID, TEAM_ID, RecordedCall, SignedSlackClient, SlackStandin

from bot.runtime.reload import IndexHolder, KnowledgeReloader, ReloadResult
from bot.runtime.settings import Settings
from bot.slack.admin import Admin
from bot.slack.answering import Answerer
from bot.slack.blocks import MAX_BUTTON_TEXT, MAX_BUTTON_VALUE, MAX_SECTION_CHARS, example_questions
from bot.slack.home_view import (
    EXAMPLE_COUNT,
    HOME_EXAMPLE_ACTION_PATTERN,
    HOME_RELOAD_ACTION,
    LOADING_TEXT,
    MAX_HOME_BLOCKS,
    AdminInfo,
    home_view,
    loading_view,
)
from bot.slack.listeners.home import on_home_example, on_home_reload, publish_home
from bot.storage.store import FeedbackStore
from retrieval.knowledge.schema import Fact, Knowledge, KnowledgeError, KnowledgeIssue, Source
from retrieval.matching.index import FactIndex

View = dict[str, Any]


# --- reading a view ---------------------------------------------------------------------------


def buttons(view: View) -> list[dict[str, Any]]:
    found = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    found += [b["accessory"] for b in view["blocks"] if b.get("accessory")]
    return [e for e in found if e["type"] == "button"]


def example_buttons(view: View) -> list[dict[str, Any]]:
    return [b for b in buttons(view) if HOME_EXAMPLE_ACTION_PATTERN.match(b["action_id"])]


def has_reload_button(view: View) -> bool:
    return any(b["action_id"] == HOME_RELOAD_ACTION for b in buttons(view))


def view_text(view: View) -> str:
    """Every text a user sees in the view (sections, contexts, headers, buttons)."""
    texts: list[str] = []
    for block in view["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    texts += [b["text"]["text"] for b in buttons(view)]
    return "\n".join(texts)


def assert_shows_the_knowledge(view: View, knowledge: Knowledge) -> None:
    """Each edition with its fact count and sources (publisher, title, date or "not stated")."""
    text = view_text(view)
    for report in knowledge.reports:
        facts = sum(1 for f in knowledge.facts if knowledge.source_of(f).report == report)
        assert f"*{report}* · {facts} facts" in text, report
    for source in knowledge.sources:
        assert f"{source.publisher}, “{source.title}” ({source.published_label})" in text
    assert "date not stated" in text  # the shipped Community Care article gives no date
    assert f"{len(knowledge.facts)} facts from {len(knowledge.sources)} sources" in text
    assert "/ofsted &lt;your question&gt;" in text and "thread" in text and "direct message" in text
    # The knowledge's own example questions, not a hard-coded list.
    assert [b["value"] for b in example_buttons(view)] == example_questions(knowledge, EXAMPLE_COUNT)


def assert_admin_part(view: View) -> None:
    text = view_text(view)
    assert has_reload_button(view)
    assert "*Status*" in text and "Last reload" in text and "Top gaps, last 7 days" in text


def assert_no_admin_part(view: View) -> None:
    text = view_text(view)
    assert not has_reload_button(view)
    assert "For admins" not in text and "Status" not in text and "gaps" not in text.lower()


# --- against the running server ---------------------------------------------------------------


def open_home(slack: SignedSlackClient, user_id: str, tab: str = "home") -> None:
    event = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": f"D{user_id}",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if tab == "home":
        event["view"] = {"id": "V0HOME", "type": "home", "team_id": TEAM_ID}
    result = slack.event(event)
    assert result.status == 200


def click_on_home(slack: SignedSlackClient, user_id: str, action_id: str, value: str) -> None:
    """A button click on the Home tab as Slack sends it: a view container, no channel or
    response_url."""
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "someone", "team_id": TEAM_ID},
        "api_app_id": "A0APP",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": slack.unique("trigger."),
        "team": {"id": TEAM_ID, "domain": "standin"},
        "view": {"id": "V0HOME", "type": "home", "team_id": TEAM_ID, "bot_id": BOT_ID, "blocks": []},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "home",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    assert slack.post(body, "application/x-www-form-urlencoded").status == 200


def is_publish_for(user_id: str, since: float = 0.0) -> Callable[[RecordedCall], bool]:
    return lambda c: c.method == "views.publish" and c.body.get("user_id") == user_id and c.at >= since


def published_view(recorded: RecordedCall) -> View:
    view = recorded.body["view"]
    return json.loads(view) if isinstance(view, str) else view


def wait_for_home(standin: SlackStandin, user_id: str, since: float, timeout: float = 30.0) -> View:
    standin.wait_for(is_publish_for(user_id, since), timeout)
    return published_view(standin.matching(is_publish_for(user_id, since))[-1])


def reload_log_lines(server: RunningServer) -> list[str]:
    return [line for line in server.log_text().splitlines() if "knowledge command: " in line]


def test_home_tab_shows_what_the_bot_knows_and_how_to_ask(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    since = time.monotonic()
    open_home(slack, ASKER_ID)
    view = wait_for_home(standin, ASKER_ID, since)
    assert view["type"] == "home"
    assert_valid_view(view)
    assert_shows_the_knowledge(view, knowledge)
    assert_no_admin_part(view)


def test_admins_home_adds_status_gaps_and_reload(
    slack: SignedSlackClient, standin: SlackStandin, knowledge: Knowledge
) -> None:
    since = time.monotonic()
    open_home(slack, ADMIN_ID)
    view = wait_for_home(standin, ADMIN_ID, since)
    assert_valid_view(view)
    assert_shows_the_knowledge(view, knowledge)
    assert_admin_part(view)
    text = view_text(view)
    assert "Model: ofsted-minilm@" in text  # the tuned encoder (make model)
    assert "(start, " in text or "(command, " in text or "(watch, " in text  # the last reload's trigger


def test_other_tabs_publish_nothing(slack: SignedSlackClient, standin: SlackStandin) -> None:
    user_id = slack.unique("U0TABS")
    open_home(slack, user_id, tab="messages")
    open_home(slack, user_id, tab="about")
    open_home(slack, user_id)  # then the Home tab: exactly one publish, for it
    standin.wait_for(is_publish_for(user_id))
    time.sleep(1.0)
    assert len(standin.matching(is_publish_for(user_id))) == 1


def test_example_question_button_answers_in_the_dm(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer, knowledge: Knowledge
) -> None:
    user_id = slack.unique("U0EXAMPLE")
    since = time.monotonic()
    open_home(slack, user_id)
    view = wait_for_home(standin, user_id, since)
    button = example_buttons(view)[-1]
    question = button["value"]
    fact = next(f for f in knowledge.facts if f.questions and f.questions[0] == question)

    click_on_home(slack, user_id, button["action_id"], question)
    opened = standin.wait_for(lambda c: c.method == "conversations.open" and c.body.get("users") == user_id)
    assert opened.at >= since
    post = standin.wait_for_post(f"D{user_id}")
    assert fact.quote in post.blocks_json  # the answer to that question: its verbatim quote
    assert "question request_id=" in bot_server.log_text() and "kind=home answered" in bot_server.log_text()


def test_admin_reload_click_reloads_and_republishes_with_the_result(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    reloads_before = len(reload_log_lines(bot_server))
    since = time.monotonic()
    click_on_home(slack, ADMIN_ID, HOME_RELOAD_ACTION, "reload")
    view = wait_for_home(standin, ADMIN_ID, since, timeout=120)
    assert_valid_view(view)
    assert_admin_part(view)
    lines = reload_log_lines(bot_server)
    assert len(lines) == reloads_before + 1  # one reload, by the click
    summary = lines[-1].split("knowledge command: ", 1)[1]
    assert "(command, " in view_text(view)
    assert summary in view_text(view)  # the new result, as the reload logged it


def test_non_admin_reload_click_changes_nothing(
    slack: SignedSlackClient, standin: SlackStandin, bot_server: RunningServer
) -> None:
    reloads_before = len(reload_log_lines(bot_server))
    refusals_before = bot_server.log_text().count("home reload refused")
    since = time.monotonic()
    click_on_home(slack, ASKER_ID, HOME_RELOAD_ACTION, "reload")
    view = wait_for_home(standin, ASKER_ID, since)
    assert_valid_view(view)
    assert_no_admin_part(view)
    assert bot_server.log_text().count("home reload refused") == refusals_before + 1
    assert len(reload_log_lines(bot_server)) == reloads_before


# --- each listener with a mocked client, over a real index ------------------------------------

REQUEST_ID = "req0home0test"
OTHER_USER = "U0NOTADMIN"


def make_context(
    index: FactIndex | None, load: Callable[[Settings], FactIndex] | None = None
) -> dict[str, Any]:
    """The services the listeners find in the Bolt context, as ``bot.slack.app`` builds them."""
    settings = Settings(knowledge_dir=REPO_ROOT / "knowledge", admin_user_ids=frozenset({ADMIN_ID}))
    holder = IndexHolder(index)
    reloader = KnowledgeReloader(settings, holder, load=load or (lambda s: index))
    store = FeedbackStore("sqlite://", keep_question_text=True)
    return {
        "request_id": REQUEST_ID,
        "answerer": Answerer(holder, store, workers=1),
        "admin": Admin(settings, holder, reloader, store),
    }


def home_event(user_id: str, tab: str = "home") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user_id, "channel": f"D{user_id}", "tab": tab}


def home_click(user_id: str, action_id: str, value: str) -> tuple[dict[str, Any], dict[str, Any]]:
    action = {"type": "button", "action_id": action_id, "value": value}
    body = {
        "type": "block_actions",
        "user": {"id": user_id},
        "container": {"type": "view"},
        "actions": [action],
    }
    return action, body


def the_published_view(client: Mock, user_id: str) -> View:
    client.views_publish.assert_called_once()
    kwargs = client.views_publish.call_args.kwargs
    assert kwargs["user_id"] == user_id
    assert_valid_view(kwargs["view"])
    return kwargs["view"]


def test_publish_home_for_a_user(index: FactIndex, knowledge: Knowledge) -> None:
    client = Mock()
    publish_home(event=home_event(OTHER_USER), client=client, context=make_context(index))
    view = the_published_view(client, OTHER_USER)
    assert_shows_the_knowledge(view, knowledge)
    assert_no_admin_part(view)


def test_publish_home_for_an_admin_shows_this_weeks_gaps(index: FactIndex, knowledge: Knowledge) -> None:
    context = make_context(index)
    store: FeedbackStore = context["answerer"].store
    fact_id = knowledge.facts[0].id
    store.record_gap(OTHER_USER, "how many children were adopted last year", [(fact_id, 0.31)], "declined")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    store.record_gap(
        OTHER_USER, "an old question about school dinners", [(fact_id, 0.2)], "declined", now=long_ago
    )
    context["admin"].reloader.reload("start")

    client = Mock()
    publish_home(event=home_event(ADMIN_ID), client=client, context=context)
    view = the_published_view(client, ADMIN_ID)
    assert_shows_the_knowledge(view, knowledge)
    assert_admin_part(view)
    text = view_text(view)
    assert "how many children were adopted last year" in text
    assert "school dinners" not in text  # older than 7 days
    assert ":white_check_mark: *Last reload* (start, " in text
    assert f"reloaded {len(knowledge.facts)} facts from {len(knowledge.sources)} sources" in text
    assert "Model: " + index.encoder.name in text


@pytest.mark.parametrize("tab", ["messages", "about", ""])
def test_publish_home_ignores_other_tabs(index: FactIndex, tab: str) -> None:
    client = Mock()
    publish_home(event=home_event(OTHER_USER, tab), client=client, context=make_context(index))
    client.views_publish.assert_not_called()


def test_publish_home_while_loading() -> None:
    client = Mock()
    publish_home(event=home_event(ADMIN_ID), client=client, context=make_context(None))
    view = the_published_view(client, ADMIN_ID)
    assert LOADING_TEXT in view_text(view)
    assert not buttons(view)


def test_a_failed_publish_is_logged_with_the_request_id_and_never_raises(
    index: FactIndex, caplog: pytest.LogCaptureFixture
) -> None:
    client = Mock()
    client.views_publish.side_effect = SlackApiError(
        "invalid_blocks", {"ok": False, "error": "invalid_blocks"}
    )
    with caplog.at_level(logging.ERROR):
        publish_home(event=home_event(OTHER_USER), client=client, context=make_context(index))
    assert any(REQUEST_ID in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def wait_for_calls(mock: Mock, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not mock.called:
        assert time.monotonic() < deadline, "never called"
        time.sleep(0.05)


def test_example_click_acks_first_then_answers_in_the_dm(index: FactIndex, knowledge: Knowledge) -> None:
    calls = Mock()  # one parent, so the order of ack and client calls is recorded
    calls.client.conversations_open.return_value = {"ok": True, "channel": {"id": "DU0NOTADMIN"}}
    fact = next(f for f in knowledge.facts if f.questions)
    action, body = home_click(OTHER_USER, "home_example_0", fact.questions[0])

    on_home_example(ack=calls.ack, action=action, body=body, client=calls.client, context=make_context(index))
    wait_for_calls(calls.client.chat_postMessage)
    assert calls.mock_calls[0] == call.ack()
    calls.client.conversations_open.assert_called_once_with(users=OTHER_USER)
    kwargs = calls.client.chat_postMessage.call_args.kwargs
    assert kwargs["channel"] == "DU0NOTADMIN"
    assert fact.quote in json.dumps(kwargs["blocks"], ensure_ascii=False)


def test_example_click_with_no_dm_is_logged(index: FactIndex, caplog: pytest.LogCaptureFixture) -> None:
    ack, client = Mock(), Mock()
    client.conversations_open.side_effect = SlackApiError("nope", {"ok": False, "error": "user_not_found"})
    action, body = home_click(OTHER_USER, "home_example_0", "How many JTAIs were carried out?")
    with caplog.at_level(logging.ERROR):
        on_home_example(ack=ack, action=action, body=body, client=client, context=make_context(index))
    ack.assert_called_once_with()
    client.chat_postMessage.assert_not_called()
    assert any(REQUEST_ID in r.getMessage() for r in caplog.records)


def test_admin_reload_click_reloads_then_republishes(index: FactIndex, knowledge: Knowledge) -> None:
    context = make_context(index)
    calls = Mock()
    _, body = home_click(ADMIN_ID, HOME_RELOAD_ACTION, "reload")
    on_home_reload(ack=calls.ack, body=body, client=calls.client, context=context)
    assert calls.mock_calls[0] == call.ack()
    last = context["admin"].reloader.last
    assert last is not None and last.ok and last.trigger == "command"
    view = the_published_view(calls.client, ADMIN_ID)
    assert_admin_part(view)
    assert last.summary() in view_text(view)
    assert f"(command, {last.at:%Y-%m-%d %H:%M:%S} UTC)" in view_text(view)


def test_failed_reload_shows_its_errors_and_the_last_good_knowledge(
    index: FactIndex, knowledge: Knowledge
) -> None:
    issues = [KnowledgeIssue("facts/new.yaml", 7, "quote not found in source 'x' <b>", "new-fact")] * 3

    def broken(settings: Settings) -> FactIndex:
        raise KnowledgeError(issues)

    context = make_context(index, load=broken)
    client = Mock()
    _, body = home_click(ADMIN_ID, HOME_RELOAD_ACTION, "reload")
    on_home_reload(ack=Mock(), body=body, client=client, context=context)
    view = the_published_view(client, ADMIN_ID)
    text = view_text(view)
    assert ":warning: *Last reload* (command, " in text
    assert "reload failed with 3 error(s)" in text
    assert "facts/new.yaml:7: fact 'new-fact': quote not found in source 'x' &lt;b&gt;" in text
    assert_shows_the_knowledge(view, knowledge)  # still answering from the last good one


def test_non_admin_reload_click_changes_nothing_and_is_logged(
    index: FactIndex, caplog: pytest.LogCaptureFixture
) -> None:
    context = make_context(index)
    reloader: KnowledgeReloader = context["admin"].reloader
    reloader.load = Mock(side_effect=AssertionError("a non-admin's click must not reload"))
    ack, client = Mock(), Mock()
    _, body = home_click(OTHER_USER, HOME_RELOAD_ACTION, "reload")
    with caplog.at_level(logging.WARNING):
        on_home_reload(ack=ack, body=body, client=client, context=context)
    ack.assert_called_once_with()
    reloader.load.assert_not_called()
    assert reloader.last is None
    assert_no_admin_part(the_published_view(client, OTHER_USER))
    assert any(
        "home reload refused" in r.getMessage() and REQUEST_ID in r.getMessage() for r in caplog.records
    )


# --- the views within Slack's limits ----------------------------------------------------------


def big_knowledge(editions: int, sources_per_edition: int) -> Knowledge:
    """Far more than the shipped knowledge: long titles and questions, markup in the text."""
    sources: list[Source] = []
    facts: list[Fact] = []
    for e in range(editions):
        for s in range(sources_per_edition):
            source_id = f"s{e}-{s}"
            sources.append(
                Source(
                    id=source_id,
                    publisher=f"Publisher <@U{e}> & co",
                    title=f"A very long article title number {s} " * 12,
                    published=None if s % 2 else dt.date(2018, 12, 4),
                    url=None,
                    report=f"Ofsted Annual Report {2000 + e}/{e + 1:02d} <!channel>",
                    report_year=2000 + e,
                    text_file=f"sources/{source_id}.txt",
                )
            )
            facts.append(
                Fact(
                    id=f"f{e}-{s}",
                    source=source_id,
                    statement="A statement.",
                    quote="A quote.",
                    questions=["What about " + "the number of inspections " * 100 + "?"],
                )
            )
    return Knowledge(
        folder=Path("big"),
        sources=tuple(sources),
        facts=tuple(facts),
        source_texts={},
        files=tuple(f"facts/{i}.yaml" for i in range(editions)),
    )


def big_admin_info() -> AdminInfo:
    errors = tuple(KnowledgeIssue(f"facts/{i}.yaml", i, "bad <thing> " * 60, f"fact-{i}") for i in range(80))
    failed = ReloadResult(False, dt.datetime.now(dt.UTC), "watch", 0.4, errors=errors, message="Boom")
    gaps = "\n".join(f'{i:>4}x  "question {i} <@U0> ' + "words " * 40 + '"' for i in range(500))
    return AdminInfo(dt.datetime.now(dt.UTC), failed, "bundled", "/srv/" + "k" * 4000, gaps, True)


def assert_within_limits(view: View) -> None:
    assert_valid_view(view)
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    for block in view["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_CHARS
    ids = [b["action_id"] for b in buttons(view)]
    assert len(ids) == len(set(ids)), "action ids in one view must be unique"
    for b in buttons(view):
        assert len(b["text"]["text"]) <= MAX_BUTTON_TEXT and len(b["value"]) <= MAX_BUTTON_VALUE
    # Knowledge-supplied markup never becomes a mention.
    assert not re.search(r"<[@!#]", view_text(view))


@pytest.mark.parametrize(("editions", "sources_per_edition"), [(1, 1), (3, 40), (60, 2)])
@pytest.mark.parametrize("admin", [False, True])
def test_views_stay_within_slacks_limits(editions: int, sources_per_edition: int, admin: bool) -> None:
    knowledge = big_knowledge(editions, sources_per_edition)
    view = home_view(knowledge, big_admin_info() if admin else None)
    assert_within_limits(view)
    text = view_text(view)
    facts, sources = len(knowledge.facts), len(knowledge.sources)
    assert f"{facts} fact{'s' * (facts != 1)} from {sources} source{'s' * (sources != 1)}" in text
    assert "date not stated" in text or sources_per_edition == 1
    assert example_buttons(view)
    assert has_reload_button(view) == admin
    if admin:
        assert "…and " in text  # the errors that did not fit are counted, not dropped silently


def test_shipped_views_are_valid(knowledge: Knowledge) -> None:
    for view in (home_view(knowledge), home_view(knowledge, big_admin_info()), loading_view()):
        assert_within_limits(view)
    unavailable = AdminInfo(None, None, None, "/k", "Unanswered questions: none recorded\n", can_reload=False)
    view = home_view(knowledge, unavailable)
    assert_within_limits(view)
    assert not has_reload_button(view) and "Reloading is not available" in view_text(view)
