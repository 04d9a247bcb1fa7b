"""An ``Answer`` (and the bot's other replies to a user) as Slack Block Kit: pure functions, no
Slack calls. The admins' replies are in ``bot.slack.admin_blocks``.

Everything user- or knowledge-supplied goes through ``escape_mrkdwn`` before it lands in a
mrkdwn text; the verbatim quote goes into a ``rich_text_quote``, which Slack shows as plain text
and never parses. Slack's limits are applied here: section text <= 3,000 characters, at most
50 blocks, button text <= 75 characters and button values <= 2,000 characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.slack.slack_text import escape_mrkdwn
from retrieval.knowledge.schema import Fact, Knowledge, Source
from retrieval.matching.answer import Answer, AnsweredFact, Suggestion

Block = dict[str, Any]

MAX_QUESTION_CHARS = 1000
MAX_SECTION_CHARS = 3000
MAX_CONTEXT_CHARS = 2000
MAX_BLOCKS = 50
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_TEXT = 3000

# action_ids; a message's action_ids must be unique, so "Did you mean" buttons get an index.
SHARE_ACTION = "share_answer"
DID_YOU_MEAN_ACTION_PREFIX = "did_you_mean_"
DID_YOU_MEAN_ACTION_PATTERN = re.compile(rf"^{DID_YOU_MEAN_ACTION_PREFIX}\d+$")
FEEDBACK_UP_ACTION = "feedback_up"
FEEDBACK_DOWN_ACTION = "feedback_down"
FEEDBACK_ACTION_PATTERN = re.compile(rf"^({FEEDBACK_UP_ACTION}|{FEEDBACK_DOWN_ACTION})$")

# --- text helpers -------------------------------------------------------------------------------


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def bold_figures(statement: str, figures: Iterable[str]) -> str:
    """The statement escaped for mrkdwn, with each figure's text in bold where it appears."""
    escaped = escape_mrkdwn(statement)
    texts = sorted({escape_mrkdwn(t) for t in figures if t.strip()}, key=len, reverse=True)
    if not texts:
        return escaped
    # Longest first, and not inside a longer number or word ("13%" must not match in "113%").
    pattern = re.compile(r"(?<![\w*])(" + "|".join(re.escape(t) for t in texts) + r")(?![\w*])")
    return pattern.sub(lambda m: f"*{m.group(1)}*", escaped)


# --- building blocks ----------------------------------------------------------------------------


def section_block(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(mrkdwn, MAX_SECTION_CHARS)}}


def context_block(*mrkdwn: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(t, MAX_CONTEXT_CHARS)} for t in mrkdwn[:10]],
    }


def _quote(text: str) -> Block:
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_quote", "elements": [{"type": "text", "text": text}]}],
    }


def button_element(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": value[:MAX_BUTTON_VALUE],
    }
    if style:
        button["style"] = style
    return button


def _json_value(payload: dict[str, Any], question: str) -> str:
    """A button value carrying ``payload`` plus as much of the question as fits in 2,000 chars."""
    q = question[:MAX_QUESTION_CHARS]
    while True:
        value = json.dumps({**payload, "q": q}, ensure_ascii=False, separators=(",", ":"))
        if len(value) <= MAX_BUTTON_VALUE or not q:
            return value
        q = q[: len(q) - max(len(value) - MAX_BUTTON_VALUE, 16)]


# --- button values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedAnswer:
    """What a "Share in channel" button carries: the question and the facts shown, in order."""

    question: str
    facts: tuple[tuple[str, str], ...]  # (fact id, role)


@dataclass(frozen=True)
class ChosenFact:
    """What a "Did you mean" button carries."""

    fact_id: str
    question: str


@dataclass(frozen=True)
class FeedbackVote:
    """What a 👍 / 👎 button carries (recorded by the feedback store)."""

    helpful: bool
    answered: bool
    fact_ids: tuple[str, ...]
    question: str


def share_value(answer: Answer) -> str:
    facts = [[a.fact.id, a.role] for a in answer.answers]
    return _json_value({"facts": facts}, answer.question)


def parse_share_value(value: str) -> SharedAnswer:
    data = json.loads(value)
    facts = tuple((str(fid), str(role)) for fid, role in data.get("facts", []))
    return SharedAnswer(question=str(data.get("q", "")), facts=facts)


def did_you_mean_value(suggestion: Suggestion, question: str) -> str:
    return _json_value({"fact": suggestion.fact_id}, question)


def parse_did_you_mean_value(value: str) -> ChosenFact:
    data = json.loads(value)
    return ChosenFact(fact_id=str(data["fact"]), question=str(data.get("q", "")))


def feedback_value(answer: Answer, helpful: bool) -> str:
    payload = {
        "helpful": helpful,
        "answered": answer.answered,
        "facts": [a.fact.id for a in answer.answers],
    }
    return _json_value(payload, answer.question)


def parse_feedback_value(value: str) -> FeedbackVote:
    data = json.loads(value)
    return FeedbackVote(
        helpful=bool(data.get("helpful")),
        answered=bool(data.get("answered")),
        fact_ids=tuple(str(f) for f in data.get("facts", [])),
        question=str(data.get("q", "")),
    )


# --- the answer -------------------------------------------------------------------------------


def _newest_report_first(answers: Sequence[AnsweredFact]) -> list[AnsweredFact]:
    if len({a.source.report for a in answers}) < 2:
        return list(answers)
    return sorted(answers, key=lambda a: -(a.source.report_year or 0))


def citation(source: Source, page: int | None = None) -> str:
    """Publisher, article title (linked when a URL is known), date published, report edition,
    and the page of a PDF the quote is on."""
    title = escape_mrkdwn(source.title)
    if source.url:
        url = source.url.replace("&", "&amp;").replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
        title = f"<{url}|{title}>"
    else:
        title = f"“{title}”"
    return (
        f"Source: {escape_mrkdwn(source.publisher)}, {title}, {source.published_label}"
        f" · {escape_mrkdwn(source.report)}" + (f", p. {page}" if page else "")
    )


def fact_blocks(fact: Fact, source: Source, label_report: bool) -> list[Block]:
    """One fact: its statement (figures in bold), the verbatim quote, the citation."""
    statement = bold_figures(fact.statement, (f.text for f in fact.figures))
    if label_report:
        statement = f"*{escape_mrkdwn(source.report)}*\n{statement}"
    return [section_block(statement), _quote(fact.quote), context_block(citation(source, fact.page))]


def _suggestion_blocks(suggestions: Sequence[Suggestion], question: str, heading: str) -> list[Block]:
    if not suggestions:
        return []
    buttons = [
        button_element(s.statement, f"{DID_YOU_MEAN_ACTION_PREFIX}{i}", did_you_mean_value(s, question))
        for i, s in enumerate(suggestions[:5])
    ]
    return [section_block(heading), {"type": "actions", "block_id": "did_you_mean", "elements": buttons}]


def _feedback_and_share(answer: Answer, shareable: bool) -> Block:
    buttons: list[Block] = []
    if shareable:
        buttons.append(button_element("Share in channel", SHARE_ACTION, share_value(answer), style="primary"))
    buttons.append(button_element("👍", FEEDBACK_UP_ACTION, feedback_value(answer, helpful=True)))
    buttons.append(button_element("👎", FEEDBACK_DOWN_ACTION, feedback_value(answer, helpful=False)))
    return {"type": "actions", "block_id": "answer_actions", "elements": buttons}


def coverage_text(knowledge: Knowledge | None) -> str:
    """What the bot covers, in one line: the report editions it answers from."""
    if knowledge is None or not knowledge.reports:
        return "I answer from Ofsted's annual reports."
    reports = "; ".join(escape_mrkdwn(r) for r in knowledge.reports)
    return f"I answer from: {reports}. Type `/ofsted help` to see my sources."


def answer_blocks(
    answer: Answer,
    *,
    knowledge: Knowledge | None = None,
    ephemeral: bool = False,
    shared_by: str | None = None,
) -> list[Block]:
    """An Answer as Block Kit.

    ``ephemeral`` adds "Share in channel"; ``shared_by`` (a Slack user id) heads a shared copy
    with who shared it and the question, and drops the buttons that only make sense to the asker.
    """
    head: list[Block] = []
    if shared_by:
        who = f"<@{shared_by}>" if re.fullmatch(r"[UW][A-Z0-9]+", shared_by) else "Someone"
        asked = f": “{escape_mrkdwn(truncate(answer.question, 300))}”" if answer.question.strip() else ""
        head.append(context_block(f"{who} shared an answer{asked}"))

    if answer.follows and not shared_by:
        previous = escape_mrkdwn(truncate(answer.follows, 200))
        lead = "Where that answer comes from" if answer.reason == "source" else "Following up on"
        head.append(context_block(f"{lead}: “{previous}”"))

    if answer.corrected_question:
        corrected = escape_mrkdwn(truncate(answer.corrected_question, 300))
        head.append(context_block(f"Showing results for _{corrected}_"))

    if not answer.answered:
        declined: list[Block] = [section_block(escape_mrkdwn(answer.decline_message))]
        declined += _suggestion_blocks(answer.suggestions, answer.question, "The nearest things I do know:")
        declined.append(context_block(coverage_text(knowledge)))
        return head + declined + ([] if shared_by else [_feedback_and_share(answer, shareable=False)])

    ordered = _newest_report_first(answer.answers)
    several_editions = len({a.source.report for a in ordered}) > 1
    tail: list[Block] = []
    if not shared_by:
        tail += _suggestion_blocks(answer.suggestions, answer.question, "Did you mean…")
        tail.append(_feedback_and_share(answer, shareable=ephemeral))

    if answer.lead:
        # a claim check's verdict, an overview's heading, a definition: said before the facts
        head.append(section_block(bold_figures(answer.lead, _lead_figures(answer))))
    body: list[Block] = []
    room = MAX_BLOCKS - len(head) - len(tail)
    for i, item in enumerate(ordered):
        blocks = ([{"type": "divider"}] if i else []) + fact_blocks(item.fact, item.source, several_editions)
        if len(body) + len(blocks) > room:
            break
        body += blocks
    return head + body + tail


def _lead_figures(answer: Answer) -> list[str]:
    return [answer.claim.stated] if answer.claim else []


def answer_text(answer: Answer) -> str:
    """The plain-text fallback (notifications, screen readers): the lead and statement, or the
    decline."""
    if not answer.answered or answer.best is None:
        return escape_mrkdwn(answer.decline_message)
    lead = f"{answer.lead} " if answer.lead else ""
    return truncate(escape_mrkdwn(lead + answer.best.fact.statement), MAX_FALLBACK_TEXT)


# --- the bot's other replies ------------------------------------------------------------------


def example_questions(knowledge: Knowledge, count: int = 3) -> list[str]:
    """``count`` example questions, from facts spread across the knowledge."""
    with_questions = [f for f in knowledge.facts if f.questions]
    if not with_questions:
        return []
    n = len(with_questions)
    picks = dict.fromkeys(round(i * (n - 1) / max(count - 1, 1)) for i in range(count))
    return [with_questions[i].questions[0] for i in picks][:count]


INTRO_TEXT = (
    "I answer questions about Ofsted's annual report on children's social care with the "
    "exact figure, a word-for-word quote and where it comes from — or I tell you I can't "
    "find it. I never guess."
)
HOW_TO_ASK = (
    "*How to ask*\n"
    "• `/ofsted &lt;your question&gt;` — only you see the answer; share it if it helps\n"
    "• mention me in a channel — I answer in a thread, and follow-ups in the thread (mention me "
    "again) build on the last answer: _and the year before?_, _source?_\n"
    "• or send me a direct message — follow-ups work there too\n"
    "• or use *Ask the Ofsted bot* from any message's ⋯ menu"
)


def help_blocks(knowledge: Knowledge | None) -> list[Block]:
    """What the bot knows (reports and sources), how to ask, and three example questions."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Ofsted annual report bot"}},
        section_block(INTRO_TEXT),
    ]
    if knowledge is not None:
        lines = []
        for report in knowledge.reports:
            sources = [s for s in knowledge.sources if s.report == report]
            cited = "; ".join(
                f"{escape_mrkdwn(s.publisher)}, “{escape_mrkdwn(s.title)}” ({s.published_label})"
                for s in sources
            )
            lines.append(f"• *{escape_mrkdwn(report)}* — {cited}")
        blocks.append(section_block("*What I know*\n" + "\n".join(lines)))
    blocks.append(section_block(HOW_TO_ASK))
    blocks += examples_blocks(knowledge)
    return blocks


def examples_blocks(knowledge: Knowledge | None) -> list[Block]:
    """Three example questions from the knowledge, as slash commands to copy (none without it)."""
    examples = example_questions(knowledge) if knowledge is not None else []
    if not examples:
        return []
    return [section_block("*For example*\n" + "\n".join(f"• `/ofsted {escape_mrkdwn(q)}`" for q in examples))]


HELP_TEXT = "What I know about Ofsted's annual report, and how to ask."

SLOW_DOWN_TEXT = "You've asked a lot of questions in the last minute."


def slow_down_blocks(wait_seconds: int) -> list[Block]:
    return [
        section_block(
            f"{SLOW_DOWN_TEXT} Please try again in {wait_seconds} second{'s' if wait_seconds != 1 else ''}"
            " — nothing you asked is lost, just ask again then."
        )
    ]


def screened_blocks(reply: str, knowledge: Knowledge | None, verdict: str) -> list[Block]:
    """The reply to a question the bot does not search: personal data, urgent, or small talk.

    Small talk gets example questions too; nothing here echoes what was asked.
    """
    out = [section_block(escape_mrkdwn(reply))]
    return out + (examples_blocks(knowledge) if verdict == "small_talk" else [])


def too_long_blocks(length: int) -> list[Block]:
    return [
        section_block(
            f"That question is {length:,} characters long. Please shorten it to "
            f"{MAX_QUESTION_CHARS:,} characters or fewer — one question at a time works best."
        )
    ]


TOO_LONG_TEXT = "Please shorten your question."


def not_ready_blocks() -> list[Block]:
    return [section_block("I'm still loading the Ofsted reports. Please ask again in a minute.")]


NOT_READY_TEXT = "Still loading — please ask again in a minute."


def apology_blocks(request_id: str) -> list[Block]:
    return [
        section_block("Sorry — something went wrong while answering that. Please try again."),
        context_block(f"Reference: `{escape_mrkdwn(request_id)}`"),
    ]


APOLOGY_TEXT = "Sorry — something went wrong while answering that."

FEEDBACK_THANKS_TEXT = "Thanks for the feedback."


# --- plain text -------------------------------------------------------------------------------


def plain_blocks(text: str) -> list[Block]:
    """Plain text (escaped) in as many sections as it needs, within Slack's limits."""
    chunks: list[str] = []
    current = ""
    for line in escape_mrkdwn(text).splitlines() or [""]:
        if len(current) + len(line) + 1 > MAX_SECTION_CHARS - 10 and current:
            chunks.append(current)
            current = ""
        current += truncate(line, MAX_SECTION_CHARS - 10) + "\n"
    chunks.append(current)
    return [section_block(c.rstrip() or " ") for c in chunks[:MAX_BLOCKS]]
