"""Screening a question before retrieval, logging or storage: urgent safeguarding, personal data, small talk.

People asking work on live cases, so a question may carry case details (an NHS number, an address)
or report a child in danger now. Those must never reach retrieval, the logs or the database, and
the bot must not echo them back. Everything here is a pure function of the text: regexes, small
word lists and two checksums (NHS modulus 11, Luhn), so each decision can be explained.

Judgement calls:
- A bare postcode is not personal data (GOV.UK Chat dropped that block as a needless obstacle),
  but a house number + street ("12 Acacia Road") is, with or without a postcode, and so is a
  street name or house number followed closely by a postcode ("Acacia Road, LS6 2AB").
- Names are not detected: "the Smith family" reads like "the Leeds area", and guessing names
  would block report questions that mention councils, places and inspectors.
- The helpline numbers the bot itself gives out (0808 800 5000, 999) are not personal data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from retrieval.language.textnorm import fold_for_match

Verdict = Literal["ok", "personal_data", "urgent", "small_talk"]

EMAIL = "email address"
PHONE = "phone number"
NI_NUMBER = "National Insurance number"
NHS_NUMBER = "NHS number"
CARD_NUMBER = "card number"
DATE_OF_BIRTH = "date of birth"
STREET_ADDRESS = "street address"


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
# Personal data.

_EMAIL = re.compile(r"(?<![\w.+'%-])[\w+'%-][\w.+'%-]*@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")

# A run of digit groups joined by single spaces or dashes: where NHS and card numbers live.
_DIGIT_RUN = re.compile(r"(?<!\d)\+?\d+(?:[ -]\d+)*")
_MOST_GROUPS = 5  # the most groups an NHS or card number is written in (4-4-4-4-3)


def _digit_spans(text: str) -> Iterator[list[str]]:
    """Each stretch of up to five consecutive groups inside each digit run, as its list of groups."""
    for run in _DIGIT_RUN.finditer(text):
        groups = re.split(r"[ -]", run.group().removeprefix("+"))
        if run.group().startswith("+"):
            # "+44 113 496 0000" is a phone number, and is reported as one, not as an NHS number.
            if _uk_national_number(groups, international=True):
                continue
            groups = groups[1:]  # a country code is no part of any other number
        for start in range(len(groups)):
            for end in range(start + 1, min(start + _MOST_GROUPS, len(groups)) + 1):
                yield groups[start:end]


def _nhs_checksum_ok(digits: str) -> bool:
    """The NHS number modulus-11 check: weights 10..2 on the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _luhn_ok(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _has_nhs_number(text: str) -> bool:
    for groups in _digit_spans(text):
        # Written as ten digits or 3-3-4, the forms NHS numbers are printed in.
        if [len(g) for g in groups] in ([10], [3, 3, 4]) and _nhs_checksum_ok("".join(groups)):
            return True
    return False


def _card_grouping(lengths: list[int]) -> bool:
    if len(lengths) == 1:
        return True
    if lengths in ([4, 6, 5], [4, 6, 4]):  # Amex and Diners
        return True
    return all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4


def _looks_like_years(groups: list[str]) -> bool:
    return len(groups) > 1 and all(len(g) == 4 and 1900 <= int(g) <= 2099 for g in groups)


def _has_card_number(text: str) -> bool:
    for groups in _digit_spans(text):
        digits = "".join(groups)
        if not 13 <= len(digits) <= 19 or digits[0] not in "23456":  # issuers' leading digits
            continue
        if _card_grouping([len(g) for g in groups]) and not _looks_like_years(groups) and _luhn_ok(digits):
            return True
    return False


# A UK number starts "+44", "0044", "(0" or "0"; brackets, spaces and dashes may separate groups.
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])\+?\(?\d[\d ()-]{7,24}\d(?!\d)")
_BOT_NUMBERS = frozenset({"08088005000", "999"})  # the helplines the bot gives out itself
# The NSPCC number however written, removed before matching: "808 800 5000" passes the NHS check.
_BOT_NUMBER_TEXT = re.compile(r"(?:\+44 ?(?:\(0\) ?)?|\b0)808[ -]?800[ -]?5000\b")


def _uk_national_number(groups: list[str], international: bool) -> str | None:
    digits = "".join(groups)
    if international or digits.startswith("0044"):
        rest = digits[4:] if digits.startswith("0044") else digits[2:] if digits.startswith("44") else None
        if rest is None:
            return None
        national = "0" + rest.removeprefix("0")  # "+44 (0)113 ..." carries the trunk 0 in brackets
    elif digits.startswith("0") and len(groups[0]) >= 3:  # "0 1 2 3 ..." is a list, not a phone
        national = digits
    else:
        return None
    if national in _BOT_NUMBERS or len(national) not in (10, 11) or national[1] not in "1235789":
        return None
    if len(national) == 10 and national[1] not in "18":  # only some 01 and 08 numbers have 10 digits
        return None
    return national


def _has_phone_number(text: str) -> bool:
    for candidate in _PHONE_CANDIDATE.finditer(text):
        groups = re.findall(r"\d+", candidate.group())
        international = candidate.group().startswith("+")
        # Any stretch of groups that makes a number, so a figure typed before or after is ignored.
        for start in range(len(groups)):
            for end in range(len(groups), start, -1):
                if _uk_national_number(groups[start:end], international and start == 0):
                    return True
    return False


_NINO = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-Da-d])(?![A-Za-z0-9])")
_NINO_BAD_FIRST = frozenset("DFIQUV")
_NINO_BAD_SECOND = frozenset("DFIOQUV")
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


def _has_ni_number(text: str) -> bool:
    for match in _NINO.finditer(text):
        prefix = match.group(1)
        upper = prefix.upper()
        if upper[0] in _NINO_BAD_FIRST or upper[1] in _NINO_BAD_SECOND or upper in _NINO_BAD_PREFIXES:
            continue
        # Lower-case and spaced ("on 2017 18 a") is prose; lower case counts only when unbroken.
        if prefix != upper and " " in match.group():
            continue
        return True
    return False


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DAY_LEVEL_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})\b"
    rf"|{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+\d{{2,4}})?\b"
    rf"|{_MONTH}\s+{_DAY}\b(?:,?\s+\d{{4}})?)"
)
_LINK = r"[\s:=,-]*(?:(?:is|was|on|of|the)\s+)*"
# "born" needs a day-level date ("children born in 2010" is a cohort); a DOB label needs any date.
_DATE_OF_BIRTH = re.compile(
    rf"\bborn{_LINK}{_DAY_LEVEL_DATE}"
    rf"|(?:\bdob\b|\bd\.\s?o\.\s?b\b\.?|\bdate\s+of\s+birth\b|\bbirth\s?date\b|\bbirthday\b){_LINK}"
    rf"(?:{_DAY_LEVEL_DATE}|{_MONTH}\s+\d{{4}}\b|\b(?:19|20)\d\d\b)",
    re.IGNORECASE,
)

# Street words that only name streets when written as a name ("12 Acacia Way", not "in 12 ways").
_TITLE_STREET_WORDS = (
    "Road", "Rd", "Street", "St", "Avenue", "Ave", "Lane", "Ln", "Close", "Cl", "Drive", "Dr", "Way",
    "Court", "Ct", "Crescent", "Cres", "Place", "Pl", "Gardens", "Gdns", "Terrace", "Grove", "Mews",
    "Walk", "Row", "Square", "Sq", "Rise", "Hill", "View", "Park", "Parade", "Green", "Gate", "Vale",
    "Croft", "Meadows", "Boulevard", "Wharf", "Villas", "Cottages", "Fields", "Estate",
)  # fmt: skip
# Street words unambiguous enough to count in lower case too ("12 acacia road").
_PLAIN_STREET_WORDS = (
    "road", "rd", "street", "avenue", "ave", "lane", "crescent", "gardens", "terrace", "grove", "mews",
    "drive", "boulevard",
)  # fmt: skip
# Words that cannot be part of a street name, so "12 months down the road" is no address.
_NOT_STREET_NAME = frozenset({
    "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "by", "for", "from", "with", "into",
    "down", "up", "over", "under", "along", "across", "near", "this", "that", "these", "those", "my",
    "our", "your", "his", "her", "their", "its", "is", "are", "was", "were", "be", "been",
    "day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours", "minute",
    "minutes", "mile", "miles", "children", "child", "people", "families", "cases", "councils", "las",
    "authorities", "visits", "inspections", "per", "cent",
})  # fmt: skip
_COURTS = frozenset({
    "family", "crown", "high", "county", "youth", "magistrates", "supreme", "appeal", "appeals", "district",
})  # fmt: skip

_HOUSE_NUMBER = r"(?<![\w£$€./:%-])(?!(?:19|20)\d\d\b)\d{1,4}[A-Za-z]?(?:-\d{1,4})?,?"
_TITLE_WORD = r"[A-Z][A-Za-z'-]*"
# Before a postcode, only words that name streets: "Bethnal Green E2 0AA" is a district, not an address.
_POSTCODE_STREET_WORDS = (
    "Road", "Rd", "Street", "Avenue", "Ave", "Lane", "Close", "Drive", "Way", "Court", "Crescent",
    "Place", "Gardens", "Terrace", "Grove", "Mews", "Walk", "Row", "Square", "Parade", "Boulevard",
)  # fmt: skip


def _title_and_upper(words: tuple[str, ...]) -> str:
    return "|".join(words + tuple(word.upper() for word in words))


_TITLE_STREET = _title_and_upper(_TITLE_STREET_WORDS)
_POSTCODE_STREET = _title_and_upper(_POSTCODE_STREET_WORDS)
_PLAIN_STREET = "|".join(_PLAIN_STREET_WORDS)
_POSTCODE = r"\b[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}\b"

_TITLE_ADDRESS = re.compile(
    rf"{_HOUSE_NUMBER}\s+(?P<name>(?:{_TITLE_WORD}\s+){{1,3}})(?P<street>{_TITLE_STREET})\b"
)
_PLAIN_ADDRESS = re.compile(
    rf"{_HOUSE_NUMBER}\s+(?P<name>(?:[A-Za-z][A-Za-z'-]*\s+){{1,3}})(?P<street>{_PLAIN_STREET})\b",
    re.IGNORECASE,
)
_NEAR_POSTCODE = rf"\b[^.?!]{{0,40}}?{_POSTCODE}"  # within 40 characters, in the same sentence
# The lookbehinds start a name only at a word's start; without them a long word costs quadratic time.
_TITLE_STREET_THEN_POSTCODE = re.compile(
    rf"(?<![\w'-])(?P<name>(?:{_TITLE_WORD}\s+){{1,3}})(?P<street>{_POSTCODE_STREET}){_NEAR_POSTCODE}"
)
_PLAIN_STREET_THEN_POSTCODE = re.compile(
    rf"(?<![\w'-])(?P<name>[A-Za-z][A-Za-z'-]*\s+)(?P<street>{_PLAIN_STREET}){_NEAR_POSTCODE}",
    re.IGNORECASE,
)
_NUMBER_NAME_POSTCODE = re.compile(rf"{_HOUSE_NUMBER}\s+(?:{_TITLE_WORD},?\s+){{1,4}}{_POSTCODE}")


def _is_street_name(match: re.Match[str], plain: bool) -> bool:
    words = match.group("name").lower().split()
    if match.group("street").lower() in ("court", "ct") and words[-1] in _COURTS:
        return False  # "the Family Court" is an institution, not an address
    return not plain or not any(word in _NOT_STREET_NAME for word in words)


def _has_street_address(text: str) -> bool:
    patterns = (
        (_TITLE_ADDRESS, False),
        (_PLAIN_ADDRESS, True),
        (_TITLE_STREET_THEN_POSTCODE, False),
        (_PLAIN_STREET_THEN_POSTCODE, True),
    )
    for pattern, plain in patterns:
        if any(_is_street_name(m, plain) for m in pattern.finditer(text)):
            return True
    return _NUMBER_NAME_POSTCODE.search(text) is not None


_DETECTORS = (
    (EMAIL, lambda text: _EMAIL.search(text) is not None),
    (PHONE, _has_phone_number),
    (NI_NUMBER, _has_ni_number),
    (NHS_NUMBER, _has_nhs_number),
    (CARD_NUMBER, _has_card_number),
    (DATE_OF_BIRTH, lambda text: _DATE_OF_BIRTH.search(text) is not None),
    (STREET_ADDRESS, _has_street_address),
)


def _personal_data_kinds(matching_text: str) -> tuple[str, ...]:
    text = _BOT_NUMBER_TEXT.sub(" ", matching_text)
    return tuple(kind for kind, found in _DETECTORS if found(text))


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
