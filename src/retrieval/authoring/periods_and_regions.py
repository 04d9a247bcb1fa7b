"""The dates, periods and English regions a sentence names, as it words them.

``period_mentions`` finds "as at 31 March 2022", "between 1 April 2024 and 31 March 2025",
"2021 to 2022", "in 2023" (the label as the source words the period); ``region_mentions`` finds
the ONS regions of England. Drafting proposes a figure's period and place from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.language.textnorm import MONTH_NAMES

_MONTH = "|".join(m.capitalize() for m in MONTH_NAMES)
_DAY_DATE = rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})\s+(?:19|20)\d{{2}}"
_YEAR = r"(?:19|20)\d{2}"
# Each: the pattern, and how its period is written ("between A and B" -> "A to B").
_PERIODS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\bbetween\s+(?P<a>{_DAY_DATE})\s+and\s+(?P<b>{_DAY_DATE})", re.IGNORECASE), "{a} to {b}"),
    # "from 1 April 2024 to 31 March 2025", "During the period 1 April 2024 to 31 March 2025"
    (re.compile(rf"(?<!\d)(?P<a>{_DAY_DATE})\s+to\s+(?P<b>{_DAY_DATE})", re.IGNORECASE), "{a} to {b}"),
    (
        re.compile(
            rf"\b(?:the\s+)?(?P<a>(?:financial\s+|reporting\s+)?year\s+(?:to|ending|ended)\s+{_DAY_DATE})",
            re.IGNORECASE,
        ),
        "{a}",
    ),
    (re.compile(rf"\b(?:as\s+at|as\s+of|at|on|by)\s+(?P<a>{_DAY_DATE})", re.IGNORECASE), "{a}"),
    # "At the end of March 2023", "as at March 2023": a month's end, no day given.
    (
        re.compile(
            rf"\b(?:(?:as\s+)?at\s+the\s+end\s+of|as\s+at|as\s+of|by\s+the\s+end\s+of)\s+(?P<a>(?:{_MONTH})\s+{_YEAR})\b",
            re.IGNORECASE,
        ),
        "{a}",
    ),
    (re.compile(rf"(?<![\d,.])(?P<a>{_YEAR}\s+to\s+{_YEAR})\b", re.IGNORECASE), "{a}"),
    (re.compile(rf"(?<![\d,.])(?P<a>{_YEAR}\s?[-–/]\s?\d{{2}}(?:\d{{2}})?)(?![\d%])", re.IGNORECASE), "{a}"),
    (
        re.compile(
            rf"\b(?:in|during|for|over)\s+(?P<a>(?:(?:{_MONTH})\s+)?{_YEAR})\b(?!\s*(?:to|[-–/])\s*\d)",
            re.IGNORECASE,
        ),
        "{a}",
    ),
)
# England's regions (ONS), as a sentence names them; place is proposed only for these.
_REGIONS = (
    "North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
    "East of England", "London", "South East", "South West",
)  # fmt: skip
_REGION = re.compile(
    r"\b(?:"
    + "|".join(re.escape(r).replace("and\\ the", "and(?:\\ the)?") for r in _REGIONS)
    + r")\b(?!\s+(?:Borough|Road|Street))"
)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    label: str


def period_mentions(text: str) -> list[Mention]:
    """The dates and periods a text states, as it words them, without overlaps."""
    found: list[Mention] = []
    for pattern, label in _PERIODS:
        for m in pattern.finditer(text):
            if any(f.start < m.end() and m.start() < f.end for f in found):
                continue
            found.append(Mention(m.start(), m.end(), label.format(**m.groupdict())))
    return sorted(found, key=lambda x: x.start)


def region_mentions(text: str) -> list[Mention]:
    out = []
    for m in _REGION.finditer(text):
        name = "Yorkshire and the Humber" if m.group().startswith("Yorkshire") else m.group()
        out.append(Mention(m.start(), m.end(), name))
    return out
