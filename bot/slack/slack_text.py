"""Text between Slack and the core: the question in a message, and mrkdwn made safe.

Slack sends ``&``, ``<`` and ``>`` as entities and wraps mentions and links in ``<…>``; the core
wants what the person typed. Going the other way, anything user- or knowledge-supplied is
escaped before it lands in a mrkdwn text, so it can never become a mention or a link.
"""

from __future__ import annotations

import re
from typing import Any

from retrieval.language.chat_markup import without_entities, without_mentions_and_links
from retrieval.language.textnorm import without_surrogates

# "@channel" typed as plain text, which Slack may still turn into a live mention in some
# clients: a word joiner after the "@" keeps it readable and inert in what the bot writes, and
# it is dropped from what was asked.
_BROADCAST_WORD = re.compile(r"(?<!\w)@(channel|here|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"



def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters escaped, and broadcast words made inert.

    ``<!channel>``, ``<@U123>`` and ``<https://…|…>`` all start with ``<``, so escaping it means
    no user- or knowledge-supplied text can become a mention or a link.
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST_WORD.sub(lambda m: f"@{_WORD_JOINER}{m.group(1)}", escaped)


def unescape_slack_text(text: str) -> str:
    """Text as the user typed it: Slack sends ``&``, ``<`` and ``>`` as entities."""
    return without_entities(text)


def question_from_slack(text: str) -> str:
    """The question in a Slack message or command text: mentions dropped, links as their label,
    Slack's ``&amp;``/``&lt;``/``&gt;`` undone (the core's chat_markup). Mentions are never part of
    what was asked; emoji and emphasis are kept as typed, and matching reads past them."""
    text = _BROADCAST_WORD.sub(" ", without_entities(without_mentions_and_links(text)))
    return " ".join(text.split())


# A shared message's ``fallback`` starts "[October 12th, 2022 4:04 PM] name: ": when, and who.
_FALLBACK_HEADER = re.compile(r"^\[[^\]]*\]\s*[^:\n]*:\s*")


def _rich_text(element: Any) -> str:
    """The words in a ``rich_text`` block (or any element of one): its text elements, joined."""
    if isinstance(element, list):
        return "".join(_rich_text(e) for e in element)
    if not isinstance(element, dict):
        return ""
    if element.get("type") == "text":
        return str(element.get("text") or "")
    if element.get("type") == "link":
        return str(element.get("text") or element.get("url") or "")
    # A section, list, quote…: words apart from the next one's. (Mentions and emoji: none.)
    return " " + _rich_text(element.get("elements")) + " "


def _shared_text(attachment: dict[str, Any]) -> str:
    """A forwarded (shared) message's words: its ``text``; else the rich text of its
    ``message_blocks``; else its ``fallback`` without the date and name it starts with."""
    if attachment.get("text"):
        return str(attachment["text"])
    for shared in attachment.get("message_blocks") or []:
        message = shared.get("message") if isinstance(shared, dict) else None
        words = _rich_text(message.get("blocks") if isinstance(message, dict) else None)
        if words.strip():
            return words
    return _FALLBACK_HEADER.sub("", str(attachment.get("fallback") or ""), count=1)


def message_text(message: dict[str, Any]) -> str:
    """The text of a message as Slack sends it: its ``text``, or — for a forwarded message, whose
    own text is empty — the text of the message it shares (its first attachment with any)."""
    if message.get("text"):
        return str(message["text"])
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict) and (text := _shared_text(attachment)).strip():
            return text
    return ""


__all__ = [
    "escape_mrkdwn",
    "message_text",
    "question_from_slack",
    "unescape_slack_text",
    "without_surrogates",
]
