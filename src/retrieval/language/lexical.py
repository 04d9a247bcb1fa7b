"""The lexical side of matching: tokens, stop words, BM25 over one document per fact, synonyms.

``tokenize`` lower-cases, drops stop words and stems ("inspections" -> "inspect"), with number
words as digits; ``QueryTerms`` is a question's lexical view, each token with what its synonyms
add. ``FactIndex`` (``index.py``) builds these per fact and per question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from retrieval.language.textnorm import DAY_NAMES, MONTH_NAMES, fold_for_match
from retrieval.language.wording import NUMBER_WORDS

_STEMMER = Stemmer.Stemmer("english")
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*")
# bm25s's English list (words only: the tokenizer splits "don't" anyway), plus the words a
# question is framed with ("how many", "please tell me", "information on") that say nothing about
# which fact answers it.
QUESTION_FRAMING_WORDS = frozenset(
    [
        "could",
        "would",
        "many",
        "much",
        "give",
        "know",
        "say",
        "says",
        "said",
        "show",
        "tell",
        "whats",
        "please",
        "information",
        "info",
        "detail",
        "details",
        "explain",
        # what the asker wants back, not what it is about: "children in care figure"
        "figure",
        "figures",
        "stat",
        "stats",
        "statistic",
        "statistics",
        "data",
    ]
)
# "now" asks for the newest edition: it stays a word that matches ("now" in a fact's text).
MEANINGFUL_WORDS = frozenset(["now"])
STOPWORDS = (
    frozenset(w for w in STOPWORDS_EN_PLUS if "'" not in w) - MEANINGFUL_WORDS
) | QUESTION_FRAMING_WORDS


# A capitalised word that does not start a sentence: a place, an organisation, an acronym.
# A capitalised word inside a sentence, not one that starts it: a person, place or organisation
# ("Northamptonshire", "Spielman"); names the knowledge never mentions, and the name answer kind.
MID_SENTENCE_CAPITAL = r"(?<![.?!:;\-–—(\"'‘“]\s)(?<=\s)[A-Z][a-z][A-Za-z]*"
_NAME = re.compile(rf"{MID_SENTENCE_CAPITAL}|\b[A-Z]{{2,}}s?\b")


def name_words(question: str) -> list[str]:
    """The words of a question written as names ("how many children in Scotland" -> ["Scotland"]).

    A question typed all in capitals has none: its capitals say nothing.
    """
    letters = [c for c in question if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return []
    # a day or a month ("Saturday's paper", "in March") is a date, not a subject
    return [w for w in _NAME.findall(question) if w.lower().removesuffix("s") not in _CALENDAR_WORDS]


_CALENDAR_WORDS = frozenset([*MONTH_NAMES, *DAY_NAMES])


def raw_words(text: str) -> list[str]:
    """The word and number tokens of a text, lower-cased, stop words kept, not stemmed."""
    return _TOKEN.findall(fold_for_match(text).lower())


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word and number tokens without stopwords ("66", "2bn" -> "2", "bn");
    number words as digits ("seven" -> "7")."""
    words = _TOKEN.findall(fold_for_match(text).lower().replace("%", " "))
    words = [NUMBER_WORDS.get(w, w).replace(",", "") for w in words if w not in STOPWORDS]
    return _STEMMER.stemWords(words)


def surface_tokens(text: str) -> list[tuple[str, str]]:
    """(word as written, lower-cased; its token) for each token of a text, in order."""
    words = _TOKEN.findall(fold_for_match(text).lower().replace("%", " "))
    words = [w.replace(",", "") for w in words if w not in STOPWORDS]
    stems = _STEMMER.stemWords([NUMBER_WORDS.get(w, w) for w in words])
    return list(zip(words, stems, strict=True))


# An acronym as written in a question: "CH", "SEN", "IFAs".
ACRONYM = re.compile(r"\b([A-Z]{2,5})s?\b")


def initialisms(texts: Iterable[str], known: Iterable[str] = ()) -> dict[str, str]:
    """The acronyms the knowledge's texts spell out, lower-cased: "ifa" -> "independent fostering
    agencies" where a text defines it ("independent fostering agencies (IFAs)"), and "ch" ->
    "children homes" for a phrase of two to four words seen at least five times, none a stop
    word, a number or an -ed or -ly form (of the phrases one acronym could stand for, the most
    frequent). Acronyms in ``known`` (the synonyms) are left to those."""
    skip = {k.lower() for k in known}
    defined: dict[str, str] = {}
    counts: dict[tuple[str, ...], int] = {}
    for text in texts:
        for m in _DEFINED_ACRONYM.finditer(text):
            spelled = _spelled_before(text[: m.start()], m.group(1).lower())
            if spelled:
                defined.setdefault(m.group(1).lower(), spelled)
        # "children's" is "children" then "s": the possessive is no word of the phrase
        words = [w for w in raw_words(text) if w != "s"]
        for i in range(len(words)):
            for n in (2, 3, 4):
                window = tuple(words[i : i + n])
                if len(window) < n or any(not _names_a_thing(w) for w in window):
                    break
                counts[window] = counts.get(window, 0) + 1
    best: dict[str, tuple[int, str]] = {}
    for phrase, count in counts.items():
        acronym = "".join(w[0] for w in phrase)
        if count >= 5 and count > best.get(acronym, (0, ""))[0]:
            best[acronym] = (count, " ".join(phrase))
    found = {acronym: phrase for acronym, (_, phrase) in best.items()} | defined
    return {acronym: phrase for acronym, phrase in found.items() if acronym not in skip}


# "independent fostering agencies (IFAs)": a text defining its acronym.
_DEFINED_ACRONYM = re.compile(r"\(([A-Z]{2,6})s?\)")


def _spelled_before(before: str, acronym: str) -> str | None:
    """The words just before a bracketed acronym whose initials spell it (stop words between
    them allowed: "children in need (CIN)"), or None."""
    words = [w for w in raw_words(before)[-3 * len(acronym) :] if w != "s"]
    letters = list(acronym)
    phrase: list[str] = []
    for word in reversed(words):
        if letters and word[0] == letters[-1]:
            letters.pop()
            phrase.append(word)
        elif word in STOPWORDS and phrase and letters:
            phrase.append(word)
        else:
            break
        if not letters:
            return " ".join(reversed(phrase))
    return None


def spelled_out(text: str, acronym: str) -> str | None:
    """The words a text spells an acronym out with, as written: "joint targeted area inspections"
    for "JTAI" in "… joint targeted area inspections (JTAIs) …"; None when it does not."""
    match = re.search(rf"\(\s*{re.escape(acronym)}s?\s*\)", text, re.IGNORECASE)
    if match is None:
        return None
    phrase = _spelled_before(text[: match.start()], re.sub(r"s$", "", match.group(0)[1:-1].strip()).lower())
    if not phrase:
        return None
    return " ".join(text[: match.start()].split()[-len(phrase.split()) :])


_WRITTEN_WORD = re.compile(r"[A-Za-z][A-Za-z’'\-]*")


def spelled_in(text: str, acronym: str) -> str | None:
    """Words of a text whose initials spell an acronym of three or more letters, stop words
    between them allowed: "Her Majesty’s Chief Inspector" for "HMCI"; None when none do."""
    letters = acronym.lower()
    if len(letters) < 3:
        return None  # two letters are spelled by chance ("rated inadequate" for RI)
    words = list(_WRITTEN_WORD.finditer(text))
    for i, first in enumerate(words):
        if first.group(0)[0].lower() != letters[0]:
            continue
        spelled = ""
        for j in range(i, min(len(words), i + 2 * len(letters))):
            word = re.sub(r"[’']s$", "", words[j].group(0)).lower()
            if word == letters or re.search(
                r"[.!?;:\n]", text[words[j - 1].end() : words[j].start()] if j > i else ""
            ):
                break  # the acronym itself spells nothing; a phrase stays in its sentence
            if word in STOPWORDS and spelled:
                continue
            spelled += word[0]
            if not letters.startswith(spelled):
                break
            if spelled == letters:
                return text[first.start() : words[j].end()]
    return None


def _names_a_thing(word: str) -> bool:
    """Whether a word can be part of a thing's name: no stop word, number, or -ed or -ly form."""
    return (
        word.isalpha()
        and word not in STOPWORDS
        and word not in NUMBER_WORDS
        and not word.endswith(("ed", "ly"))
    )


class LexicalIndex:
    """BM25 over one document per fact; scores for every fact at once."""

    def __init__(self, document_tokens: Sequence[list[str]]) -> None:
        """``document_tokens``: each fact's document, already through ``tokenize``."""
        self._bm25 = bm25s.BM25()
        self._bm25.index(list(document_tokens), show_progress=False)
        self.size = len(document_tokens)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        if not query_tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float32)


@dataclass(frozen=True)
class QueryTerms:
    """A question's lexical view: its tokens, each with the tokens its synonyms add."""

    tokens: tuple[str, ...]
    alternatives: tuple[frozenset[str], ...]  # per token: itself plus what its synonyms mean
    unknown: tuple[str, ...]  # tokens the knowledge never uses and no synonym explains
    unknown_names: tuple[str, ...] = ()  # of those, the ones written as a name ("Scotland", "SEND")
    # of those, the ones that are not ordinary English either: jargon the knowledge does not use
    # ("caseloads", "SGOs"); "took", "fall", "shielded" are ordinary English and never here.
    unknown_rare: tuple[str, ...] = ()
    # per token: how common its word is in English (wordfreq's Zipf scale; numbers count as common)
    zipf: tuple[float, ...] = ()
    # places named that the knowledge never mentions, as written ("wales", "Birmingham")
    unknown_places: tuple[str, ...] = ()

    @property
    def expanded(self) -> list[str]:
        return list(dict.fromkeys(t for alts in self.alternatives for t in sorted(alts)))


def synonym_table(synonyms: Mapping[str, str]) -> dict[tuple[str, ...], tuple[str, ...]]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for word, meaning in synonyms.items():
        key = tuple(tokenize(word))
        if key:
            table[key] = tuple(tokenize(meaning))
    return table


def synonym_pattern(synonyms: Mapping[str, str]) -> re.Pattern[str] | None:
    if not synonyms:
        return None
    words = sorted(synonyms, key=len, reverse=True)  # longest first: "looked after" before "looked"
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
