"""Screening a question before retrieval, logging or storage: urgent safeguarding, personal data, small talk.

People asking work on live cases, so a question may carry case details (an NHS number, an address)
or report a child in danger now. Those must never reach retrieval, the logs or the database, and
the bot must not echo them back. Everything here is a pure function of the text: regexes and small
word lists, so each decision can be explained. The personal-data detectors live in
``personal_data.py``; this module cleans the question, tells urgent safeguarding and small talk,
and words each reply.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from retrieval.language.textnorm import fold_for_match
from retrieval.safety.personal_data import _personal_data_kinds

Verdict = Literal["ok", "personal_data", "urgent", "small_talk"]


@dataclass(frozen=True)
class Screening:
    verdict: Verdict
    kinds: tuple[str, ...] = ()  # kinds of personal data found, never the data itself
    reply: str = ""  # what to send the user for a non-"ok" verdict; "" for "ok"
    # The cleaned text still holds any personal data, so it stays out of repr (and so out of logs).
    cleaned: str = field(default="", repr=False)


# ---------------------------------------------------------------------------------------------
# Cleaning: hidden characters must not be able to split a number or an address past the matchers.

# Invisible code points: Unicode tags, zero-width characters, bidi controls, plus the other
# default-ignorables that render as nothing (soft hyphen, variation selectors, Hangul fillers).
_HIDDEN = re.compile(
    "[\U000e0000-\U000e007f\u200b-\u200f\u2060-\u2064\ufeff\u202a-\u202e\u2066-\u2069"
    "\u00ad\u034f\u180b-\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef\u115f\u1160\u3164\uffa0]"
)
_WHITESPACE = re.compile(r"\s+")


def _drop_hidden(text: str) -> str:
    text = _HIDDEN.sub("", text)
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":
            continue  # any other format character is invisible too
        if category == "Cc" and char not in "\n\t":
            # A control that Python counts as whitespace (\r, \x1c..) still separates words.
            if char.isspace():
                kept.append(" ")
            continue
        kept.append(char)
    return "".join(kept)


def clean_question(text: str) -> str:
    """Drop hidden and control characters, NFKC-normalise, collapse whitespace and strip."""
    text = unicodedata.normalize("NFKC", _drop_hidden(text))
    # Again after NFKC, in case normalising exposed anything hidden.
    return _WHITESPACE.sub(" ", _drop_hidden(text)).strip()


_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")


def _matching_form(cleaned: str) -> str:
    """The form the matchers read: other scripts' digits as ASCII, dashes and quotes folded."""
    ascii_digits = _NON_ASCII_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), cleaned)
    return fold_for_match(ascii_digits)


# ---------------------------------------------------------------------------------------------
# Urgent safeguarding: a child + harm + a cue that it is happening now. Report questions use the
# same words ("children at risk of exploitation"), so report framing needs a strong cue to fire.

_CHILD = re.compile(
    r"\b(?:child(?:ren)?|kids?|bab(?:y|ies)|toddlers?|infants?|newborns?|boys?|girls?|teen(?:ager)?s?"
    r"|young (?:person|people)|youngsters?|sons?|daughters?|minors?|pupils?|little ones?"
    r"|grand(?:son|daughter|child)s?|siblings?|nephews?|nieces?)(?:'s|s')?\b",
    re.IGNORECASE,
)
# Only with a strong cue does an unnamed person count ("she's being hit right now").
_PERSON = re.compile(r"\b(?:he|she|they|him|her|them|someone|somebody|my neighbour'?s?)\b", re.IGNORECASE)
# Each harm verb with the forms it takes, spelt out: a stem with \w* would match "rapid", "stable".
_HARM_FORMS = (
    r"hurts?|harm(?:s|ed)?|abus(?:e|es|ed|ive)|beat(?:s|en)?|hits?|attack(?:s|ed)?|assault(?:s|ed)?"
    r"|rap(?:e|es|ed)|kill(?:s|ed)?|strangl(?:e|es|ed)|chok(?:e|es|ed)|punch(?:es|ed)?|kick(?:s|ed)?"
    r"|slap(?:s|ped)?|burn(?:s|t|ed)?|stab(?:s|bed)?|shak(?:e|es|en)|shook|threaten(?:s|ed)?|touched"
    r"|groomed|exploited|starv(?:e|es|ed)|trafficked|neglected"
)
_HARMING = (
    r"hurting|harming|abusing|beating|hitting|attacking|assaulting|raping|killing|strangling|choking"
    r"|punching|kicking|slapping|burning|stabbing|shaking|threatening|touching|grooming|exploiting"
    r"|starving|trafficking|neglecting"
)
_HARM = re.compile(
    rf"\b(?:{_HARM_FORMS}|{_HARMING}|locked (?:in|up|out)|left alone|alone|missing|ran away|run away"
    r"|unsafe|not safe|danger|dangerous|at risk|bleeding|injur(?:y|ies|ed)|self[- ]?harm(?:ing)?"
    r"|suicid(?:e|al)|overdos(?:e|ed|ing)|screaming|exploitation|neglect"
    # The asker's own worry counts as harm: "I'm worried about a child right now".
    r"|(?:i'm|i am|we're|we are)\s+(?:really\s+|very\s+|so\s+)?"
    r"(?:worried|concerned|scared|frightened|afraid))\b",
    re.IGNORECASE,
)
_STRONG_NOW = re.compile(
    r"\b(?:right now|just now|tonight|as we speak|immediate(?:ly)? (?:danger|risk|harm)"
    r"|in (?:immediate|real|serious|grave) danger)\b",
    re.IGNORECASE,
)
_WEAK_NOW = re.compile(
    r"\b(?:now|today|this (?:morning|afternoon|evening|weekend)|at the moment|at present|currently"
    r"|immediate(?:ly)?|(?:is|are|'s|'re) being|in danger(?! of)"
    r"|just (?:saw|seen|heard|witnessed|found|watched|noticed|been told)"
    rf"|(?:is|are|'s|'re)\s+(?:\w+\s+)?(?:{_HARMING}))\b",
    re.IGNORECASE,
)
_REPORT_FRAMING = re.compile(
    r"\b(?:reports?|ofsted|inspect\w*|inspectorates?|jtais?|joint targeted|figures?|statistics?|stats"
    r"|data|how many|how much|what share|what proportion|proportions?|percentage|per ?cent|number of"
    r"|rates?|trends?|compared|than|since|according|national(?:ly)?|england|local authorit\w*"
    r"|councils?|las|children's services|annual|published|findings?)\b|%",
    re.IGNORECASE,
)


def _is_urgent(matching_text: str) -> bool:
    strong = _STRONG_NOW.search(matching_text) is not None
    child = _CHILD.search(matching_text) is not None
    someone = child or (strong and _PERSON.search(matching_text) is not None)
    if not someone or _HARM.search(matching_text) is None:
        return False
    if strong:
        return True
    return _WEAK_NOW.search(matching_text) is not None and _REPORT_FRAMING.search(matching_text) is None


# ---------------------------------------------------------------------------------------------
# Small talk: only when the whole message is made of these phrases; "hi, how many ...?" is a question.

_SMALL_TALK_PHRASES = {
    "thanks": (
        "thanks", "thank you", "thankyou", "thank u", "thx", "ty", "cheers", "ta", "many thanks",
        "much appreciated", "appreciated", "appreciate it", "that's helpful", "thats helpful",
        "that helps", "very helpful", "helpful", "useful", "very useful", "interesting",
    ),
    "farewell": ("bye", "goodbye", "bye bye", "see you", "see ya", "later", "good night", "goodnight"),
    "greeting": (
        "hi", "hello", "hey", "hiya", "heya", "howdy", "yo", "hallo", "greetings", "morning",
        "afternoon", "evening", "good morning", "good afternoon", "good evening", "good day",
        "how are you", "how are you doing", "how's it going", "hows it going", "you ok", "you alright",
    ),
    "about": (
        "help", "help me", "can you help", "can you help me", "how can you help", "how can you help me",
        "what can you do", "what do you do", "what can i ask", "what can i ask you", "what should i ask",
        "what are you", "who are you", "what is this", "what's this", "whats this", "what are you for",
        "how do i use this", "how do i use you", "how do i use this bot", "how does this work",
        "how do you work", "what do you know", "tell me about yourself", "are you a bot",
        "are you a robot", "are you human", "is this a bot", "what is this bot", "start",
        "get started", "menu", "options", "commands", "info",
    ),
    "ack": (
        "ok", "okay", "k", "great", "cool", "nice", "nice one", "brilliant", "perfect", "lovely",
        "got it", "ace", "amazing", "awesome", "fab", "fantastic", "wonderful", "excellent",
        "good", "super",
    ),
    # Words that ride along with the others and carry no meaning of their own.
    "filler": (
        "there", "all", "everyone", "everybody", "folks", "team", "bot", "ofsted bot", "you", "again",
        "so much", "very much", "a lot", "lots", "loads", "mate", "for that", "for this", "for the help",
        "for your help", "for helping", "please", "pls", "so", "and", "oh", "well", "then", "just",
        "very", "really", "a", "the", "that's", "thats", "that is", "it",
    ),
}  # fmt: skip
_PHRASE_CATEGORY = {
    phrase: category for category, phrases in _SMALL_TALK_PHRASES.items() for phrase in phrases
}
_SMALL_TALK_TOKEN = re.compile(
    r"(" + "|".join(re.escape(p) for p in sorted(_PHRASE_CATEGORY, key=len, reverse=True)) + r")(?: |$)"
)
# Slack mentions ("<@U123>") and emoji codes (":wave:") say nothing about the question.
_SLACK_MARKUP = re.compile(r"<[@#!][^>]*>|:[a-z0-9_+-]+:")
_NOT_WORD = re.compile(r"[^a-z' ]+")
_LOOSE_APOSTROPHE = re.compile(r"(?<![a-z])'|'(?![a-z])")

_ABOUT = (
    "I answer questions about Ofsted's annual report on local authority children's services "
    "— with the exact figure, a quote and its source."
)
_SMALL_TALK_REPLIES = {
    "thanks": "You're welcome! Ask me anything else about Ofsted's annual report on children's services.",
    "farewell": "Bye for now! Ask me any time about Ofsted's annual report on children's services.",
    "greeting": f"Hello! {_ABOUT}",
    "about": _ABOUT,
    "ack": f"Glad to help. {_ABOUT}",
}
_REPLY_PRIORITY = ("thanks", "farewell", "greeting", "about", "ack")


def _small_talk_category(cleaned: str) -> str | None:
    """The category of a message made only of small talk, or None when it holds anything else."""
    lowered = _SLACK_MARKUP.sub(" ", cleaned.lower().replace("’", "'"))
    if any(char.isdigit() for char in lowered):
        return None  # a figure or a year is a question, however short
    text = _WHITESPACE.sub(" ", _LOOSE_APOSTROPHE.sub(" ", _NOT_WORD.sub(" ", lowered))).strip()
    if not text:
        # Nothing but punctuation, emoji or a mention: greet and explain. Words in another
        # script are something else, so leave them to retrieval.
        return None if re.search(r"[^\W\d_]", lowered) else "greeting"
    found: set[str] = set()
    position = 0
    while position < len(text):
        token = _SMALL_TALK_TOKEN.match(text, position)
        if token is None:
            return None
        found.add(_PHRASE_CATEGORY[token.group(1)])
        position = token.end()
    meaningful = found - {"filler"}
    # "the", "so" alone are fragments of something, not small talk.
    return next((category for category in _REPLY_PRIORITY if category in meaningful), None)


# ---------------------------------------------------------------------------------------------

URGENT_REPLY = (
    "If a child is in immediate danger, call 999. Otherwise contact the local authority's children's "
    "social care team (out of hours: the emergency duty team), or the NSPCC helpline on 0808 800 5000. "
    "I can only answer questions about Ofsted's annual report on children's services."
)
_URGENT_CASE_DETAILS = "Please don't share case details here — I haven't stored your message."


def _personal_data_reply(kinds: tuple[str, ...]) -> str:
    return (
        f"I can't take questions that include personal details (found: {', '.join(kinds)}). "
        "Please remove any case details and ask again about the Ofsted report — "
        "I haven't stored your message."
    )


def screen_question(text: str) -> Screening:
    """Urgent safeguarding first, then personal data, then small talk; otherwise "ok"."""
    cleaned = clean_question(text)
    matching_text = _matching_form(cleaned)
    kinds = _personal_data_kinds(matching_text)
    if _is_urgent(matching_text):
        reply = f"{URGENT_REPLY} {_URGENT_CASE_DETAILS}" if kinds else URGENT_REPLY
        return Screening("urgent", kinds, reply, cleaned)
    if kinds:
        return Screening("personal_data", kinds, _personal_data_reply(kinds), cleaned)
    category = _small_talk_category(cleaned)
    if category is not None:
        return Screening("small_talk", (), _SMALL_TALK_REPLIES[category], cleaned)
    return Screening("ok", (), "", cleaned)
