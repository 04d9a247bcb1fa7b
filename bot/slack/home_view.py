"""The App Home tab as a Block Kit view: pure functions, no Slack calls.

Everyone sees what the bot knows (each report edition, its sources and fact counts), how to ask,
and example questions as buttons (a click answers in the user's DM). Admins also see the
status, the last reload (with its errors), a "Reload knowledge" button and the last 7 days' gaps.
What the admin part shows is gathered by the listener (``bot.slack.listeners.home``) into ``AdminInfo``,
so everything here can be built and tested without Slack, a database or a reloader.

Limits: at most 50 blocks (Slack allows 100 on Home; 50 keeps it short of a wall of text),
section text <= 3,000 characters, button text <= 75 and button values <= 2,000.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.slack.blocks import (
    HOW_TO_ASK,
    INTRO_TEXT,
    MAX_BLOCKS,
    MAX_BUTTON_VALUE,
    MAX_SECTION_CHARS,
    Block,
    button_element,
    context_block,
    example_questions,
    plain_blocks,
    section_block,
    truncate,
)
from bot.slack.slack_text import escape_mrkdwn
from retrieval.knowledge.schema import Knowledge, Source

if TYPE_CHECKING:  # only for the annotation: bot.runtime.reload pulls in the index
    from bot.runtime.reload import ReloadResult

View = dict[str, Any]

# action_ids: those in one view must be unique, so each example button gets its index.
HOME_EXAMPLE_ACTION_PREFIX = "home_example_"
HOME_EXAMPLE_ACTION_PATTERN = re.compile(rf"^{HOME_EXAMPLE_ACTION_PREFIX}\d+$")
HOME_RELOAD_ACTION = "home_reload"

MAX_HOME_BLOCKS = MAX_BLOCKS
EXAMPLE_COUNT = 4
GAPS_SINCE_DAYS = 7
# The gaps report can run long; the Home tab shows its top, `/ofsted gaps` shows it all.
MAX_GAPS_BLOCKS = 6
MAX_ERRORS_SHOWN = 20

LOADING_TEXT = "I'm still loading the Ofsted reports. Open this tab again in a minute."


@dataclass(frozen=True)
class AdminInfo:
    """What only admins see, as read from ``bot.slack.admin.Admin`` and its reloader."""

    loaded_at: dt.datetime | None  # the last successful load (None: not recorded)
    last_reload: ReloadResult | None
    model: str | None
    knowledge_dir: str
    gaps_report: str  # ``Admin.gaps_report(since_days=7)``, plain text
    can_reload: bool  # False when this process has no reloader
    tuning: str = ""  # the encoder tuner's status line (bot.runtime.tuner), "" when there is none


# --- pieces -----------------------------------------------------------------------------------


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, 150)}}


def _fit_lines(head: str, lines: Sequence[str], more: Callable[[int], str], hidden: int = 0) -> str:
    """``head`` and as many whole ``lines`` as fit in one section, then ``more(left_out)``.

    ``hidden`` counts lines the caller already left out (they are counted in ``more``)."""
    text = head
    for i, line in enumerate(lines):
        left_out = len(lines) - i - 1 + hidden
        tail = f"\n{more(left_out)}" if left_out else ""
        if len(text) + 1 + len(line) + len(tail) > MAX_SECTION_CHARS:
            return f"{text}\n{more(left_out + 1)}"
        text += f"\n{line}"
    return f"{text}\n{more(hidden)}" if hidden else text


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _source_line(source: Source) -> str:
    return (
        f"• {escape_mrkdwn(source.publisher)}, “{escape_mrkdwn(truncate(source.title, 300))}”"
        f" ({source.published_label})"
    )


def _timestamp(at: dt.datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def knowledge_blocks(knowledge: Knowledge, room: int) -> list[Block]:
    """Each report edition (newest first) with its fact count and sources, then the totals.

    ``room`` is how many blocks this part may take (at least 3)."""
    facts_per_report = Counter(knowledge.source_of(f).report for f in knowledge.facts)
    reports = knowledge.reports
    shown = reports[: max(room - 2, 1)]
    out: list[Block] = [section_block("*What I know*")]
    for report in shown:
        sources = [s for s in knowledge.sources if s.report == report]
        head = f"*{escape_mrkdwn(truncate(report, 300))}* · {_plural(facts_per_report[report], 'fact')}"
        out.append(
            section_block(_fit_lines(head, [_source_line(s) for s in sources], lambda n: f"• …and {n} more"))
        )
    total = (
        f"{_plural(len(knowledge.facts), 'fact')} from {_plural(len(knowledge.sources), 'source')}"
        f" in {_plural(len(reports), 'report edition')}"
    )
    if len(shown) < len(reports):
        total += f" ({len(reports) - len(shown)} more editions not listed here; `/ofsted help` lists them)"
    out.append(context_block(total))
    return out


def example_blocks(knowledge: Knowledge, count: int = EXAMPLE_COUNT) -> list[Block]:
    """Example questions from the knowledge, each with a button that asks it."""
    questions = example_questions(knowledge, count)
    if not questions:
        return []
    heading = "*Try a question* — the answer arrives in your direct messages with me"
    out: list[Block] = [section_block(heading)]
    for i, question in enumerate(questions):
        section = section_block(f"“{escape_mrkdwn(truncate(question, 300))}”")
        action_id = f"{HOME_EXAMPLE_ACTION_PREFIX}{i}"
        section["accessory"] = button_element("Ask", action_id, question[:MAX_BUTTON_VALUE])
        out.append(section)
    return out


def last_reload_blocks(result: ReloadResult | None) -> list[Block]:
    """The last reload: when, what started it, its result and (if it failed) its errors."""
    if result is None:
        return [section_block("*Last reload*\nNone recorded by this process.")]
    icon = ":white_check_mark:" if result.ok else ":warning:"
    text = (
        f"{icon} *Last reload* ({escape_mrkdwn(result.trigger)}, {_timestamp(result.at)})\n"
        f"{escape_mrkdwn(result.summary())}"
    )
    if result.message:
        text += f"\nCause: {escape_mrkdwn(result.message)}"
    out = [section_block(text)]
    if result.errors:
        errors = [f"• {escape_mrkdwn(truncate(str(e), 500))}" for e in result.errors[:MAX_ERRORS_SHOWN]]
        hidden = len(result.errors) - len(errors)
        text = _fit_lines(
            "*Errors*", errors, lambda n: f"• …and {n} more (`/ofsted status` lists more)", hidden
        )
        out.append(section_block(text))
    return out


def admin_blocks(info: AdminInfo, knowledge: Knowledge | None, room: int) -> list[Block]:
    """Status, last reload, the Reload button and the top gaps; at most ``room`` blocks."""
    loaded = _timestamp(info.loaded_at) if info.loaded_at else "not recorded"
    status = [
        f"• Loaded: {loaded}",
        f"• Model: {escape_mrkdwn(info.model or 'not loaded')}",
        f"• Folder: {escape_mrkdwn(truncate(info.knowledge_dir, 500))}",
    ]
    if info.tuning:
        status.append(f"• {escape_mrkdwn(info.tuning)}")
    if knowledge is not None:
        status.append(f"• Files: {_plural(len(knowledge.files), 'file')}")
    out: list[Block] = [
        {"type": "divider"},
        _header("For admins"),
        section_block("\n".join(["*Status*", *status])),
        *last_reload_blocks(info.last_reload),
    ]
    if info.can_reload:
        reload_button = button_element("Reload knowledge", HOME_RELOAD_ACTION, "reload", style="primary")
        out.append({"type": "actions", "block_id": "home_admin", "elements": [reload_button]})
        out.append(
            context_block(
                "Reloads the knowledge folder now; if it has errors, I keep answering from the last good one."
            )
        )
    else:
        out.append(context_block("Reloading is not available in this process."))
    gaps = plain_blocks(info.gaps_report)
    gaps_room = min(MAX_GAPS_BLOCKS, room - len(out) - 1)
    out.append(section_block(f"*Top gaps, last {GAPS_SINCE_DAYS} days* — `/ofsted gaps` shows them all"))
    out += gaps[: max(gaps_room, 0)]
    return out[:room]


# --- the views --------------------------------------------------------------------------------


def home_view(knowledge: Knowledge, admin: AdminInfo | None = None) -> View:
    """The Home tab; with ``admin`` (only for admins) it adds status, last reload, Reload and gaps."""
    intro = [
        _header("Ofsted annual report bot"),
        section_block(INTRO_TEXT),
    ]
    how = [{"type": "divider"}, section_block(HOW_TO_ASK)]
    examples = example_blocks(knowledge)
    # The admin part gets what it needs first; the editions list takes the rest (at least one).
    admin_part = (
        admin_blocks(admin, knowledge, MAX_HOME_BLOCKS - len(intro) - len(how) - len(examples) - 3)
        if admin
        else []
    )
    room = MAX_HOME_BLOCKS - len(intro) - len(how) - len(examples) - len(admin_part)
    blocks = intro + knowledge_blocks(knowledge, max(room, 3)) + how + examples + admin_part
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def loading_view() -> View:
    """While the knowledge is not loaded yet: say so, and how to ask once it is."""
    return {
        "type": "home",
        "blocks": [
            _header("Ofsted annual report bot"),
            section_block(LOADING_TEXT),
            section_block(HOW_TO_ASK),
        ],
    }
