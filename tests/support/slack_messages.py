"""Slack's messages both ways: events and slash commands as Slack sends them to the bot, and the
parts of the bot's Block Kit replies a user sees."""

from __future__ import annotations

from typing import Any

from .slack_standin import ASKER_ID, BOT_USER_ID, RecordedCall, SignedSlackClient, SlackStandin

# --- what Slack sends --------------------------------------------------------------------------


def mention_event(channel: str, text: str, ts: str) -> dict[str, Any]:
    """An ``app_mention`` of the bot by the asker in ``channel``."""
    return {
        "type": "app_mention",
        "user": ASKER_ID,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "client_msg_id": f"msg-{channel}-{ts}",
    }


def dm_event(channel: str, text: str, ts: str, **extra: Any) -> dict[str, Any]:
    """A ``message`` from the asker in the DM ``channel``; ``extra`` adds or replaces fields."""
    return {
        "type": "message",
        "channel_type": "im",
        "user": ASKER_ID,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "client_msg_id": f"msg-{channel}-{ts}",
        **extra,
    }


def ask(slack: SignedSlackClient, standin: SlackStandin, text: str, user: str = ASKER_ID) -> RecordedCall:
    """``/ofsted text`` from ``user``, acknowledged with 200; the reply the bot then posted to its
    response_url."""
    name = slack.unique("cmd-")
    result = slack.slash_command(text, standin.response_url(name), user_id=user)
    assert result.status == 200
    return standin.wait_for_response(name)


# --- reading what the user sees ------------------------------------------------------------------


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def context_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]


def quotes(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        "".join(part["text"] for part in element["elements"])
        for b in blocks
        if b["type"] == "rich_text"
        for element in b["elements"]
        if element["type"] == "rich_text_quote"
    ]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"]


def button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    found = [b for b in buttons(blocks) if b["action_id"] == action_id]
    assert found, f"no {action_id} button in {[b['action_id'] for b in buttons(blocks)]}"
    return found[0]


def all_visible_text(blocks: list[dict[str, Any]]) -> str:
    button_texts = [b["text"]["text"] for b in buttons(blocks)]
    return "\n".join(section_texts(blocks) + context_texts(blocks) + quotes(blocks) + button_texts)
