"""A chat message as the words it asks: the markup a chat client sends around them removed.

Slack (and most chat tools) sends ``&amp;``, ``&lt;``, ``&gt;`` for ``&<>``; mentions as
``<@U024BE7LH>``, ``<#C123|general>``, ``<!here>``; links as ``<https://…|label>``; emoji as
``:wave:`` shortcodes or Unicode pictographs; emphasis as ``*bold*``, ``_italic_``, ``~strike~``
and ``code``. None of it changes what a question asks, so matching reads the words alone
(``scoring.prepare_question``) and every edge — Slack, the CLI, an evaluation — gets the same
answer for "hi all :wave: what % of councils are *inadequate*? thx" as for the plain question.
"""

from __future__ import annotations

import re

import regex

# "<@U024BE7LH> asked me: …", "<@U061F7AUR> wants to know …": who asks, not what is asked
_PASSED_ON = re.compile(
    r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>\s*(?:has\s+)?(?:asked me|asks|is asking|was asking|wants to know"
    r"|wanted to know|would like to know|wonders|was wondering|says|said)\b\s*[:,\-–—]?\s*",
    re.IGNORECASE,
)
_SPECIAL_MENTION = re.compile(r"<!(?:channel|here|everyone|subteam\^[^>]*|date\^[^>]*)(?:\|[^>]*)?>")
_USER_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_CHANNEL_LINK = re.compile(r"<#[CG][A-Z0-9]+(?:\|([^>]*))?>")
_URL_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")
# ":wave:", ":+1:", ":thumbsup::skin-tone-2:": a letter inside, so "at 10:30:00" is no emoji
_SHORTCODE = re.compile(r"(?<![\w:]):(?:[a-z0-9_+'\-]*[a-z][a-z0-9_+'\-]*|[+\-]1):(?::skin-tone-\d:)?(?!\w)")
_PICTOGRAPH = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\uFE0F\u200D\u20E3]+"
)
# *bold*, _italic_, ~strike~: a marker against a word at each end, not inside a word
# ("G/O*", "snake_case" stay as they are)
_EMPHASIS = re.compile(r"(?<![\w*_~])([*_~])(?=\S)([^\n]+?)(?<=\S)\1(?![\w*_~])")
_CODE = re.compile(r"```([^`]*)```|`([^`\n]+)`")
_QUOTE_MARK = re.compile(r"^\s*(?:>|&gt;)\s?", re.MULTILINE)


def without_entities(text: str) -> str:
    """Text as typed: ``&amp;``, ``&lt;`` and ``&gt;`` undone (``&amp;`` last, so "&amp;lt;"
    stays "&lt;")."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def without_mentions_and_links(text: str) -> str:
    """Mentions dropped (with "… asked me:" after one), a channel as its name, a link as its
    label (or its address)."""
    text = _PASSED_ON.sub(" ", text)
    text = _SPECIAL_MENTION.sub(" ", text)
    text = _USER_MENTION.sub(" ", text)
    text = _CHANNEL_LINK.sub(lambda m: f"#{m.group(1)}" if m.group(1) else " ", text)
    return _URL_LINK.sub(lambda m: m.group(2) or m.group(1), text)


def without_emoji(text: str) -> str:
    """Emoji shortcodes and Unicode pictographs dropped."""
    return _PICTOGRAPH.sub(" ", _SHORTCODE.sub(" ", text))


def without_emphasis(text: str) -> str:
    """Bold, italic, strike-through and code markers dropped, their words kept."""
    text = _CODE.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = _QUOTE_MARK.sub("", text)
    previous = None
    while previous != text:  # "*_both_*": markers nest
        previous, text = text, _EMPHASIS.sub(r"\2", text)
    return text


def plain_words(message: str) -> str:
    """The words a chat message asks, on one line: markup, mentions, links and emoji removed."""
    text = without_emphasis(without_mentions_and_links(message))
    return " ".join(without_emoji(without_entities(text)).split())
