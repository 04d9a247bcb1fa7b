"""Reading the number in a figure's text: "42%", "400,000", "12 million", "£2bn", "two thirds"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.language.textnorm import MONTH_NAMES

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
    "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10,
}  # fmt: skip
_SCALES = {
    "hundred": 100.0, "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "bn": 1e9,
    "billion": 1e9,
}  # fmt: skip
_NUMERAL = re.compile(
    r"^(?P<cur>[£$€])?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"\s*(?P<scale>[a-z]+)?\s*(?P<pct>%|per ?cent)?$"
)


@dataclass(frozen=True)
class ParsedFigure:
    value: float
    unit: str | None  # the unit the text implies ("%", "£bn"), None when it implies none
    scale: float = 1.0  # multiplier already applied to value ("million" -> 1e6)
    scale_word: str | None = None


def _word_number(words: list[str]) -> int | None:
    total = 0
    for word in words:
        if word in _UNITS:
            total += _UNITS[word]
        elif word in _TENS:
            total += _TENS[word]
        elif word == "hundred" and total:
            total *= 100
        else:
            return None
    return total


def parse_figure_text(text: str) -> ParsedFigure | None:
    """The number a figure's text states, or None when it states none we can read."""
    t = text.strip().lower().replace("-", " ")
    m = _NUMERAL.match(t)
    if m:
        value = float(m["num"].replace(",", ""))
        scale_word = m["scale"]
        if scale_word and scale_word not in _SCALES:
            return None
        scale = _SCALES[scale_word] if scale_word else 1.0
        if m["pct"]:
            return ParsedFigure(value, "%")
        if m["cur"]:
            # Money keeps its scale in the unit: "£2bn" is 2 with unit "£bn".
            return ParsedFigure(value, f"{m['cur']}{scale_word or ''}")
        return ParsedFigure(value * scale, None, scale, scale_word)

    words = [w for w in t.split() if w not in ("and", "a", "an")] if t else []
    if not words:
        return None
    # Fractions: "two thirds", "a third", "half".
    if words[-1] in _DENOMINATORS:
        numerator = _word_number(words[:-1]) if len(words) > 1 else 1
        if numerator is None:
            return None
        return ParsedFigure(numerator / _DENOMINATORS[words[-1]], None)
    scale_word = words[-1] if words[-1] in _SCALES and len(words) > 1 else None
    number = _word_number(words[:-1] if scale_word else words)
    if number is None:
        return None
    if scale_word:
        scale = _SCALES[scale_word]
        return ParsedFigure(number * scale, None, scale, scale_word)
    return ParsedFigure(float(number), None)


# --- finding figures in running text (``knowledge draft`` and ``knowledge coverage``) ----------

_MONTHS = "|".join(MONTH_NAMES) + "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
# Dates and years are when, not how many: never read as figures.
_DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\b(?:,?\s+\d{{4}})?"
    rf"|\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    rf"|\b(?:{_MONTHS})\s+\d{{4}}\b"
    r"|(?<![£$€\d.,])\b(?:19|20)\d{2}(?:\s?[-–/]\s?\d{2,4})?\b(?!\s?%|\s?per ?cent|,\d)",
    re.IGNORECASE,
)
_WORD_NUMBER = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
_FRACTION = "|".join(sorted(_DENOMINATORS, key=len, reverse=True))
_SCALE_WORDS = r"(?:\s(?:million|billion|thousand)\b)?"
_FIGURE = re.compile(
    # money: £2bn, £1.5 million
    r"[£$€]\d[\d,]*(?:\.\d+)?(?:\s?(?:bn|m|k)\b|\s(?:billion|million|thousand)\b)?"
    # percentages: 42%, 42 per cent
    r"|\b\d+(?:\.\d+)?\s?(?:%|per ?cent\b)"
    # numerals, with a scale word: 400,000, 66, 12 million
    rf"|\b(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)(?![\d/])(?:\s?(?:bn|m)\b)?{_SCALE_WORDS}"
    # fractions in words: two thirds, a third, two-thirds, half of
    rf"|\b(?:a|one|{_WORD_NUMBER})[\s-](?:{_FRACTION})\b|\bhalf\b(?=\s+of\b)"
    # numbers in words: seven, twenty-one, two million
    rf"|\b(?:{'|'.join(_TENS)})(?:[\s-](?:{'|'.join(k for k in _UNITS if _UNITS[k] < 10)}))?\b{_SCALE_WORDS}"
    rf"|\b(?:{_WORD_NUMBER})\b{_SCALE_WORDS}",
    re.IGNORECASE,
)
# "one" as a pronoun ("no one", "the one that") and "a third inspection" (an ordinal) are not figures.
_NOT_A_COUNT_BEFORE = re.compile(r"\b(?:no|any|every|each|the|this|that|which|some)\s+$", re.IGNORECASE)
_ORDINAL_AFTER = re.compile(r"^\s+(?!of\b|had\b|have\b|has\b|were\b|was\b|are\b|is\b)[a-z]", re.IGNORECASE)


@dataclass(frozen=True)
class FigureSpan:
    start: int
    end: int
    text: str
    parsed: ParsedFigure


def find_figures(text: str) -> list[FigureSpan]:
    """Every figure written in the text, in order: numerals, percentages, money, number words
    and fractions, each read by ``parse_figure_text``; dates and years are left out."""
    dates = [(m.start(), m.end()) for m in _DATE.finditer(text)]
    found: list[FigureSpan] = []
    for m in _FIGURE.finditer(text):
        start, end, raw = m.start(), m.end(), m.group()
        if any(s < end and start < e for s, e in dates):
            continue
        low = raw.lower()
        if low == "one" and _NOT_A_COUNT_BEFORE.search(text[max(0, start - 12) : start]):
            continue
        parts = low.split()
        ordinal_word = (
            len(parts) == 2
            and parts[0] in ("a", "one")
            and parts[1] in ("third", "quarter", "fifth", "tenth")
        )
        if ordinal_word and _ORDINAL_AFTER.match(text[end : end + 20]):
            continue
        parsed = parse_figure_text(raw)
        if parsed is not None:
            found.append(FigureSpan(start, end, raw, parsed))
    return found


def figure_values(text: str) -> frozenset[float]:
    """The values of the figures written in a text ("a third", "42%": 1/3 and 42)."""
    return frozenset(round(span.parsed.value, 4) for span in find_figures(text))
