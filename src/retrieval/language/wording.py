"""How people type a question, brought to the words the matching works on.

Everything here is about English and Slack, not about any one question set: the greeting and
thanks around a question ("hi, quick one - … cheers"), the ways of writing a unit ("per cent",
"pc"), a period ("twelve months ago"), a spelling slip corrected against the knowledge's own
words. (What a question asks — the thing counted, the period, the kind of answer — is
``asking.py``.) Word frequencies come
from ``wordfreq`` (its data ships with the package): a word it knows well is ordinary English,
never a sign that the question is about something the reports do not cover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from wordfreq import top_n_list, zipf_frequency

# Zipf frequency (log10 of uses per billion words) from which a word is ordinary English:
# "took" 5.5, "shielded" 3.2, "nurseries" 3.0 … "caseloads" 2.1, "ilacs" 0.
ORDINARY_ZIPF = 3.0


@lru_cache(maxsize=65536)
def english_zipf(word: str) -> float:
    """How common a word is in English (wordfreq's Zipf scale, 0 for unknown)."""
    return zipf_frequency(word, "en")


def is_ordinary_english(word: str) -> bool:
    return english_zipf(word.lower()) >= ORDINARY_ZIPF


# --- Slack framing -------------------------------------------------------------------------------

_GREETING = (
    r"(?:hi+|hello|hey+|hiya|heya|howdy|yo|morning|afternoon|evening|good (?:morning|afternoon|evening)"
    r"|all|team|folks|everyone|there|guys|colleagues|bot|ofsted ?bot"
    r"|(?:a )?quick (?:question|one|q)|qq|question|query|random (?:question|one)"
    r"|sorry(?: to bother(?: you)?)?"
    r"|please|pls|plz|ok(?:ay)?|so|right)"
)
# "sorry if this is basic but …", "apologies if this is a silly question, …": wherever it comes
_APOLOGY = re.compile(
    r"\b(?:sorry|apologies|forgive me),? if (?:this|that|it)(?:'s| is) (?:a |an )?(?:basic|silly|stupid"
    r"|dumb|obvious|daft|naive|newbie)(?: question| one| q)?(?:,? but)?[\s,:\-–—]*",
    re.IGNORECASE,
)
_LEADING_FRAMING = re.compile(rf"^\s*(?:{_GREETING}\b[\s,!.:;\-–—]*)+", re.IGNORECASE)
_SIGN_OFF = (
    r"(?:many |much )?thanks?(?: (?:so much|a lot|in advance|very much|all|team|everyone))?"
    r"|thank you(?: (?:so much|very much|in advance))?"
    r"|thx|ty|ta|cheers|tia|much appreciated|appreciated|please|pls|plz|if you know|if poss(?:ible)?"
    r"|:[a-z0-9_+\-]+:|[\U0001F300-\U0001FAFF\u2600-\u27BF]"
)
_TRAILING_FRAMING = re.compile(rf"(?:[\s,!.:;\-–—]*(?<![A-Za-z])(?:{_SIGN_OFF})[\s!.]*)+$", re.IGNORECASE)


def strip_framing(text: str) -> str:
    """The question without the greeting before it or the thanks after it.

    "hi, quick question - what % of LAs are RI? thanks!" -> "what % of LAs are RI?". When the
    text is nothing but framing it is returned unchanged (small talk is screened elsewhere).
    """
    core = _LEADING_FRAMING.sub("", _APOLOGY.sub(" ", text))
    core = _TRAILING_FRAMING.sub("", core).strip()
    return core if re.search(r"[A-Za-z0-9]", core) else text.strip()


# --- units, periods and number words ------------------------------------------------------------

_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"(?<=\d)\s*(?:per ?cent|pct|pc)\b", "%"),
        (r"\b(?:per ?cent|pct)(?:age)?\b", "percentage"),
        (r"\b(?:twelve|12) months? (?:ago|earlier|before|previously|back)\b", "last year"),
        (r"\ba year (?:ago|earlier|before|previously|back)\b", "last year"),
        (r"\bthe (?:year|twelve months|12 months) (?:before|prior|previously)\b", "last year"),
        (r"\b(?:the )?(?:previous|prior|preceding) (?:year|twelve months|12 months)\b", "last year"),
        (r"\blast (?:yr|twelve months|12 months)\b", "last year"),
        (r"\b(?:this|the current) (?:yr)\b", "this year"),
        (r"\b2/3\b|\btwo-thirds\b", "two thirds"),
        (r"\b1/3\b|\bone-third\b", "a third"),
    )
)


# Counties as people write them short (the Royal Mail's old postal abbreviations): "Northants"
# is Northamptonshire. One that is also an everyday word ("Beds", "Bucks") only with its capital.
_COUNTY_SHORT_FORMS = {
    "Beds": "Bedfordshire",
    "Berks": "Berkshire",
    "Bucks": "Buckinghamshire",
    "Cambs": "Cambridgeshire",
    "Derbys": "Derbyshire",
    "Glos": "Gloucestershire",
    "Hants": "Hampshire",
    "Herts": "Hertfordshire",
    "Lancs": "Lancashire",
    "Leics": "Leicestershire",
    "Lincs": "Lincolnshire",
    "Northants": "Northamptonshire",
    "Notts": "Nottinghamshire",
    "Oxon": "Oxfordshire",
    "Staffs": "Staffordshire",
    "Warks": "Warwickshire",
    "Wilts": "Wiltshire",
    "Worcs": "Worcestershire",
    "Yorks": "Yorkshire",
}
_COUNTY_SHORT = re.compile(
    r"\b(?:"
    + "|".join(
        short if is_ordinary_english(short) else f"[{short[0]}{short[0].lower()}]{short[1:]}"
        for short in _COUNTY_SHORT_FORMS
    )
    + r")\b"
)


def normalise_units(text: str) -> str:
    """Units, periods and short county names written one way: "42 per cent" -> "42%", "twelve
    months ago" -> "last year", "West Berks" -> "West Berkshire"."""
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return _COUNTY_SHORT.sub(lambda m: _COUNTY_SHORT_FORMS[m.group(0).capitalize()], text)


NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "hundred": "100",
}


# --- spelling ------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Correction:
    wrong: str
    right: str


# The ordinary English words a slip is corrected towards when no knowledge word is near.
ENGLISH_WORDS_FOR_SPELLING = 30_000


@lru_cache(maxsize=1)
def _english_words() -> tuple[list[str], dict[str, int]]:
    words = [w for w in top_n_list("en", ENGLISH_WORDS_FOR_SPELLING) if w.isalpha() and len(w) >= 3]
    return words, {w: len(words) - i for i, w in enumerate(words)}


def _nearest(word: str, choices: list[str], counts: Mapping[str, int]) -> str | None:
    limit = 1 if len(word) < 8 else 2
    found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=limit, limit=None)
    if not found:
        return None
    # at one distance, a vowel written for another ("inspecter") is the likelier slip
    return min(found, key=lambda m: (m[1], not _vowel_slip(word, m[0]), -counts[m[0]], m[0]))[0]


_VOWELS = frozenset("aeiouy")


def _vowel_slip(word: str, right: str) -> bool:
    """Whether two words of one length differ only in vowels put for other vowels."""
    pairs = [(a, b) for a, b in zip(word, right, strict=False) if a != b]
    return len(word) == len(right) and bool(pairs) and all(a in _VOWELS and b in _VOWELS for a, b in pairs)


# British and American spellings of one word, and a consonant doubled or not before an ending.
_SPELLING_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"dgment", "dgement"),
        (r"dgement", "dgment"),
        (r"iz(?=(?:e|es|ed|ing|ation|ations)$)", "is"),
        (r"is(?=(?:e|es|ed|ing|ation|ations)$)", "iz"),
        (r"yz(?=(?:e|es|ed|ing)$)", "ys"),
        (r"or(?=(?:s|ed|ing|al)?$)", "our"),
        (r"our(?=(?:s|ed|ing|al)?$)", "or"),
        (r"er(?=s?$)", "re"),
        (r"ense(?=s?$)", "ence"),
        (r"og(?=s?$)", "ogue"),
        (r"ram(?=s?$)", "ramme"),
        (r"([bcdfgklmnprstvz])\1(?=(?:ed|ing|er|ers|ors?)$)", r"\1"),
        (r"(?<=[aeiou])([bcdfgklmnprstvz])(?=(?:ed|ing|er|ers|ors?)$)", r"\1\1"),
    )
)


def spelling_variants(word: str) -> list[str]:
    """Other spellings of a lower-case word: "judgment" -> ["judgement"], "focussed" -> ["focused"]."""
    variants = []
    for pattern, replacement in _SPELLING_VARIANTS:
        variant = pattern.sub(replacement, word, count=1)
        if variant != word:
            variants.append(variant)
    return variants


class SpellingCorrector:
    """Corrects a question's slips ("outstandng" -> "outstanding", "actulaly" -> "actually").

    Only a word that is neither a knowledge word nor ordinary English is corrected: to the
    knowledge word nearest by edit distance (a swapped pair of letters counts one), at most 1
    for words under 8 letters, 2 from 8 on, ties going to the word the knowledge uses most; else,
    for a word not written as a name, to the nearest common English word the same way.
    """

    def __init__(self, word_counts: Mapping[str, int]) -> None:
        self._counts = {w: c for w, c in word_counts.items() if len(w) >= 3}
        self._choices = list(self._counts)
        _english_words()  # loaded with the index, not on the first question

    def __contains__(self, word: str) -> bool:
        return word.lower() in self._counts

    def correct_word(self, word: str) -> str | None:
        low = word.lower()
        if len(low) < 4 or low in self._counts or not self._choices:
            return None
        # "judgments", "focussed": the knowledge's own spelling of the same word
        variant = next((v for v in spelling_variants(low) if v in self._counts), None)
        if variant is not None:
            return variant.capitalize() if word[:1].isupper() else variant
        if is_ordinary_english(low):
            return None
        right = _nearest(low, self._choices, self._counts)
        if right is None and not word[:1].isupper():
            right = _nearest(low, *_english_words())
        if right is None:
            return None
        return right.capitalize() if word[:1].isupper() else right

    def correct(self, text: str) -> tuple[str, tuple[Correction, ...]]:
        """The text with each correctable word replaced, and what was replaced."""
        corrections: list[Correction] = []

        def replace(match: re.Match[str]) -> str:
            right = self.correct_word(match.group(0))
            if right is None:
                return match.group(0)
            corrections.append(Correction(match.group(0), right))
            return right

        corrected = _WORD.sub(replace, text)
        return corrected, tuple(corrections)


def word_counts(texts: Iterable[str]) -> dict[str, int]:
    """Lower-cased word counts over texts: the vocabulary a SpellingCorrector corrects towards."""
    counts: dict[str, int] = {}
    for text in texts:
        for word in _WORD.findall(text.lower()):
            counts[word] = counts.get(word, 0) + 1
    return counts
