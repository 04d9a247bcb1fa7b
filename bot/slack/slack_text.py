"""Text between Slack and the core: the question in a message, and mrkdwn made safe.

Slack sends ``&``, ``<`` and ``>`` as entities and wraps mentions and links in ``<…>``; the core
wants what the person typed. Going the other way, anything user- or knowledge-supplied is
escaped before it lands in a mrkdwn text, so it can never become a mention or a link.
"""

from __future__ import annotations

import re

from retrieval.language.textnorm import without_surrogates

# "@channel" typed as plain text, which Slack may still turn into a live mention in some
# clients: a word joiner after the "@" keeps it readable and inert in what the bot writes, and
# it is dropped from what was asked.
_BROADCAST_WORD = re.compile(r"(?<!\w)@(channel|here|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"

_SPECIAL_MENTION = re.compile(r"<!(?:channel|here|everyone|subteam\^[^>]*|date\^[^>]*)(?:\|[^>]*)?>")
_USER_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_CHANNEL_LINK = re.compile(r"<#[CG][A-Z0-9]+(?:\|([^>]*))?>")
_URL_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters escaped, and broadcast words made inert.

    ``<!channel>``, ``<@U123>`` and ``<https://…|…>`` all start with ``<``, so escaping it means
    no user- or knowledge-supplied text can become a mention or a link.
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST_WORD.sub(lambda m: f"@{_WORD_JOINER}{m.group(1)}", escaped)


def unescape_slack_text(text: str) -> str:
    """Text as the user typed it: Slack sends ``&``, ``<`` and ``>`` as entities."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def question_from_slack(text: str) -> str:
    """The question in a Slack message or command text: mentions dropped, links as their label,
    Slack's ``&amp;``/``&lt;``/``&gt;`` undone. Mentions are never part of what was asked."""
    text = _SPECIAL_MENTION.sub(" ", text)
    text = _USER_MENTION.sub(" ", text)
    text = _CHANNEL_LINK.sub(lambda m: f"#{m.group(1)}" if m.group(1) else " ", text)
    text = _URL_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _BROADCAST_WORD.sub(" ", unescape_slack_text(text))
    return " ".join(text.split())


__all__ = ["escape_mrkdwn", "question_from_slack", "unescape_slack_text", "without_surrogates"]
