"""Figures in a draft fact: each number in a sentence with its unit and a proposed measure (the
noun phrase it counts: "42% of local authorities" -> "local authorities")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from retrieval.asking import PHRASE_END_WORDS
from retrieval.figures import FigureSpan, find_figures

# --- figures, units and measures --------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*|[^\sA-Za-z]")
# Where the noun phrase a number counts ends: the words that end a question's measure
# (wording.PHRASE_END_WORDS), plus those an article's sentences also use after it.
PHRASE_STOP_WORDS = PHRASE_END_WORDS | frozenset(
    [
        "of",
        "whom",
        "not",
        "these",
        "those",
        "the",
        "a",
        "an",
        "its",
        "their",
        "his",
        "her",
        "our",
        "since",
        "into",
        "after",
        "before",
        "during",
        "while",
        "when",
        "where",
        "also",
        "only",
        "still",
        "then",
        "so",
        "here",
        "it",
        "they",
        "we",
        "you",
        "he",
        "she",
        "them",
        "us",
        "very",
        "more",
        "less",
        "most",
        "least",
        "about",
        "around",
        "almost",
        "nearly",
        "just",
        "some",
        "all",
        "both",
        "such",
        "other",
        "another",
        "many",
        "much",
        "few",
        "own",
        "same",
        "require",
        "requires",
        "improve",
        "improves",
        "face",
        "faces",
        "say",
        "says",
        "show",
        "shows",
        "receive",
        "receives",
        "continue",
        "continues",
        "impact",
        "impacts",
        "experience",
        "experiences",
        "though",
        "however",
        "although",
        "because",
        "if",
        "whether",
    ]
)
_PLURALS = {"people", "children", "staff", "men", "women"}
_DETERMINERS = {"the", "these", "those", "all", "its", "their", "our", "them", "which"}


@dataclass(frozen=True)
class DraftFigure:
    text: str
    value: float
    unit: str | None
    measure: str
    noun: str  # the thing counted ("local authorities"), for questions and matching
    predicate: str = ""  # what the counted things are ("judged good or outstanding")
    clause: str = ""  # what the sentence says of them, for questions ("are struggling to improve")

    def to_yaml_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "value": _tidy_number(self.value)}
        if self.unit is not None:
            out["unit"] = self.unit
        out["measure"] = self.measure
        return out


def _tidy_number(value: float) -> float | int:
    if value == int(value) and abs(value) < 1e15:
        return int(value)
    return round(value, 3)


def _canonical_noun(words: list[str], synonyms: Mapping[str, str], count: float | None) -> str:
    """ "LAs" → "local authorities" (the knowledge's synonyms, for abbreviations written in
    capitals); "authorities" → "local authorities"; "one LA" → "local authorities"."""
    out: list[str] = []
    for w in words:
        bare = w.rstrip("’'").removesuffix("’s").removesuffix("'s")
        if re.fullmatch(r"[A-Z]{2,}s?", bare) and bare.lower() in synonyms:
            out.extend(synonyms[bare.lower()].split())
        else:
            out.append(bare if re.fullmatch(r"[A-Z]{2,}s?", bare) else bare.lower())
    phrase = " ".join(out)
    if (
        phrase in ("authorities", "authority", "local authority")
        or phrase.endswith(" local authorities")
        or phrase.endswith("local authority")
    ):
        phrase = "local authorities"
    if count == 1 and phrase and not phrase.endswith("s"):
        phrase = phrase[:-1] + "ies" if phrase.endswith("y") else phrase + "s"
    return phrase


def _noun_after(text: str, end: int, limit: int) -> tuple[list[str], int]:
    """The words of the noun phrase a figure counts ("66 monitoring visits" → monitoring visits),
    and where it ends; ([], end) when the figure stands for a noun said before ("Three were")."""
    tokens = [(m.group(), m.start() + end, m.end() + end) for m in _WORD.finditer(text[end:limit])]
    i = 0
    if i < len(tokens) and tokens[i][0].lower() == "of":
        i += 1
        while i < len(tokens) and tokens[i][0].lower() in _DETERMINERS:
            i += 1
    words: list[str] = []
    stop_at = end
    while i < len(tokens) and len(words) < 5:
        tok, _, tok_end = tokens[i]
        low = tok.lower()
        if not tok[0].isalpha():
            break
        if low == "and" and words and i + 1 < len(tokens):
            # "inspections and visits", "children and young people"; not "LAs and held meetings".
            after = [w.lower() for w, _, _ in tokens[i + 1 : i + 3] if w[0].isalpha()]
            if (
                after
                and after[0] not in PHRASE_STOP_WORDS
                and any(w.endswith("s") or w in _PLURALS for w in after)
            ):
                words.append(tok)
                i += 1
                continue
            break
        if low in PHRASE_STOP_WORDS or (words and low.endswith("ed")) or (not words and low.endswith("ed")):
            break
        words.append(tok)
        stop_at = tok_end
        i += 1
        if tok.endswith(("’s", "'s", "’", "'")) and len(tok) > 2:
            break
    if words and words[-1].lower() == "and":
        words.pop()
    return words, stop_at


def _predicate_after(text: str, start: int, limit: int) -> str:
    """ "are judged good or outstanding," → "judged good or outstanding": what the counted
    things are, when the sentence says so right after them."""
    rest = text[start:limit]
    m = re.match(
        r"\s*(?:(?:are|were|is|was|being|to be|have been|has been|had been|as)\s+)?"
        r"(?P<p>(?:(?:judged|rated|graded|found|assessed)\b|requires? improvement\b|inadequate\b|good\b|"
        r"outstanding\b)[^,.;:()\"“”]*)",
        rest,
        re.IGNORECASE,
    )
    if not m:
        return ""
    words = m["p"].split()
    for i, w in enumerate(words):
        # The predicate stops where the next figure or clause starts.
        if find_figures(w) or (
            w.lower() in ("and", "but", "while", "when") and i + 1 < len(words) and find_figures(words[i + 1])
        ):
            words = words[:i]
            break
    return " ".join(words[:8]).strip()


_SHARE_SUBJECT = re.compile(
    r"\b(?:proportion|share|percentage|rate|number)\b(?:\s+of)?(?P<rest>[^,.;:()]*)", re.I
)
_SHARE_REST_END = re.compile(
    r"\s+(?:has|have|had|is|are|was|were|rose|fell|increased|decreased|improved|dropped|from|to|at)\b.*$",
    re.I,
)
# After the counted noun, a clause a question can reuse: "… that were once judged inadequate
# have improved at re-inspection", "… are struggling to improve".
_CLAUSE_START = re.compile(
    r"^(?:that|who|which|are|were|is|was|have|has|had|being|to|will|can|could|judged|rated|graded|"
    r"received|improved|improve|declined|inspected|require|requires|struggle|struggling)\b",
    re.I,
)


def _clause_after(text: str, start: int, limit: int) -> str:
    rest = re.sub(r",\s*(?:though|however|also|too),", "", text[start:limit])
    rest = re.split(r"[.;:,()\"“”]", rest, maxsplit=1)[0].strip()
    if not _CLAUSE_START.match(rest) or not 2 <= len(rest.split()) <= 12:
        return ""
    # The question asks about several: "how many local authorities have declined".
    return re.sub(r"^(has|was|is)\b", lambda m: {"has": "have", "was": "were", "is": "are"}[m[1]], rest)


def read_figures(
    text: str, quote: tuple[int, int], context: Sequence[DraftFigure], synonyms: Mapping[str, str]
) -> list[DraftFigure]:
    """The figures of one quote, each with value, unit, the noun it counts and a measure.

    A figure that names no noun ("Three were judged good", "13% inadequate") counts the noun of
    the figure before it in the same paragraph or list."""
    qs, qe = quote
    out: list[DraftFigure] = []
    for span in find_figures(text[qs:qe]):
        end = qs + span.end
        parsed = span.parsed
        share = parsed.unit == "%" or _is_fraction(span)
        words, np_end = _noun_after(text, end, qe)
        if share and not text[end:qe].lstrip().lower().startswith("of "):
            words, np_end = [], end  # "13% inadequate": a share names its noun with "of"
        earlier = [*context, *out]
        noun = _canonical_noun(words, synonyms, parsed.value) if words else ""
        inherited = not noun
        if inherited and earlier:
            noun = earlier[-1].noun
        after = np_end if words else end
        pred = _predicate_after(text, after, qe)
        clause = _clause_after(text, after, qe)
        if parsed.unit:  # "%" or "£bn": the parser's unit, as the validator expects
            unit_word: str | None = parsed.unit
        elif _is_fraction(span):
            unit_word = None
        elif " and " in noun:
            unit_word = noun
        elif noun:
            unit_word = "local authorities" if noun.endswith("local authorities") else noun.split()[-1]
        else:
            unit_word = None
        measure = _canonical_noun(words, synonyms, None) if words else noun
        if pred:
            measure = f"{measure} {pred}".strip()
        elif inherited:
            # "from 36% to 42%" of "the proportion judged good": the proportion is the measure;
            # "compared to 26%": the same measure as the figure before.
            subject = [m for m in _SHARE_SUBJECT.finditer(text, qs, qs + span.start)]
            if share and subject:
                rest = _SHARE_REST_END.sub("", subject[-1]["rest"]).strip()
                measure = f"{noun + ' ' if noun else ''}{rest}".strip() or measure
            elif out:
                measure = out[-1].measure
        out.append(
            DraftFigure(
                span.text,
                _round_share(parsed.value, span),
                unit_word,
                measure or "(what is counted)",
                noun,
                pred,
                clause,
            )
        )
    return out


def _is_fraction(span: FigureSpan) -> bool:
    return bool(re.search(r"(half|third|quarter|fifth|tenth)s?$", span.text, re.IGNORECASE))


def _round_share(value: float, span: FigureSpan) -> float:
    return round(value, 3) if _is_fraction(span) else value
