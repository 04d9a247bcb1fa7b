"""Reading the number in a figure's text: "42%", "400,000", "12 million", "£2bn", "two thirds"."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
