"""Personal data in a question: the kinds the screening refuses, each found by its own detector.

Emails, UK phone numbers, National Insurance numbers, NHS numbers (modulus 11 check), card numbers
(Luhn check), dates of birth and street addresses; ``_personal_data_kinds`` names the kinds a
question holds, never the data itself. It reads the matching form ``screening.py`` makes of the
question (hidden characters dropped, other scripts' digits as ASCII).

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
from collections.abc import Iterator

EMAIL = "email address"
PHONE = "phone number"
NI_NUMBER = "National Insurance number"
NHS_NUMBER = "NHS number"
CARD_NUMBER = "card number"
DATE_OF_BIRTH = "date of birth"
STREET_ADDRESS = "street address"

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
