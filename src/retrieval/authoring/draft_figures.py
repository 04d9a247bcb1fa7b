"""Figures in a draft fact: each number in a sentence with its unit, a proposed measure (the
noun phrase it counts: "42% of local authorities" -> "local authorities"), the period it is for
("as at 31 March 2022" -> "31 March 2022") and the English region, when the sentence names one.
Numbers that label rather than count ("COVID-19", "(Figure 1)", "1. Introduction") are not
figures. The dates and regions a sentence names are found in ``periods_and_regions.py``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from retrieval.authoring.periods_and_regions import Mention, period_mentions, region_mentions
from retrieval.knowledge.figures import FigureSpan, find_figures
from retrieval.language.asking import PHRASE_END_WORDS

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
    period: str | None = None  # the date or period it is for, as the text words it
    place: str | None = None  # the English region it is for, when the sentence names one

    def to_yaml_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "value": _tidy_number(self.value)}
        if self.unit is not None:
            out["unit"] = self.unit
        out["measure"] = self.measure
        if self.period:
            out["period"] = self.period
        if self.place:
            out["place"] = self.place
        return out


# --- numbers that label, not count ------------------------------------------------------------

# "(Figure 1)", "see Table 3", "in section 2": a number that names a part of the page.
_REFERENCE_BEFORE = re.compile(
    r"\b(?:figure|fig\.|figs?|table|chart|graph|annex|appendix|section|chapter|paragraph|para|page|"
    r"pp?\.|part|step|footnote|note|box|map|question|item|phase|wave|tier|level|stage|year)\s*$",
    re.IGNORECASE,
)


def _labels(text: str, span: FigureSpan) -> bool:
    before = text[: span.start]
    if re.search(r"[A-Za-z]-$", before):  # "COVID-19", "SARS-CoV-2": part of a name
        return True
    if _REFERENCE_BEFORE.search(before[-20:]):
        return True
    # "1. Introduction", "2) Findings": the number of a heading or list item at a line's start.
    line_start = before.rfind("\n") + 1
    return not before[line_start:].strip() and bool(re.match(r"[.)]\s", text[span.end : span.end + 2]))


def counted_figures(text: str) -> list[FigureSpan]:
    """The figures of ``text`` (``find_figures``) less the numbers that label a name, a figure,
    table or section, or a heading ("COVID-19", "(Figure 1)", "1. Introduction")."""
    return [span for span in find_figures(text) if not _labels(text, span)]


# --- the period and the place a figure is for -------------------------------------------------


def _nearest(mentions: Sequence[Mention], start: int, end: int, text: str) -> str | None:
    """The mention nearest the figure, one in the same clause (no ';' or ', while' between)
    first, and one before it on a tie."""
    if not mentions:
        return None

    def distance(m: Mention) -> tuple[int, int, int]:
        between = text[m.end : start] if m.end <= start else text[end : m.start]
        other_clause = int(bool(re.search(r"[;:]|,\s+(?:while|whereas|but|compared)\b", between)))
        return (other_clause, len(between), int(m.start > start))

    return min(mentions, key=distance).label


def _tidy_number(value: float) -> float | int:
    if value == int(value) and abs(value) < 1e15:
        return int(value)
    return round(value, 3)


def _canonical_noun(words: list[str], synonyms: Mapping[str, str], count: float | None) -> str:
    """ "LAs" → "local authorities" (the knowledge's synonyms, for abbreviations written in
    capitals); "authorities" → "local authorities"; "one LA" → "local authorities"."""
    out: list[str] = []
    for n, w in enumerate(words):
        # A possessive inside the phrase stays ("children's homes"); one that ends it goes.
        bare = w.replace("’", "'")
        if n == len(words) - 1 or not bare.endswith("'s"):
            bare = bare.rstrip("'").removesuffix("'s")
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
            # "2,145 children’s homes": a possessive right after the number names the kind of
            # thing counted, which follows it; "152 local authorities’ services" counts the owner.
            following = tokens[i][0] if i < len(tokens) else ""
            classifier = (
                len(words) == 1
                and tok.endswith(("’s", "'s"))
                and following[:1].isalpha()
                and following.lower() not in PHRASE_STOP_WORDS
            )
            if not classifier:
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


# "7% increase in the number of": a share that measures a change of the noun after it.
_CHANGE_IN = re.compile(
    r"\s+(?P<change>increase|decrease|rise|fall|drop|reduction|growth|decline)\s+in\s+"
    r"(?:the\s+)?(?:(?:number|proportion|rate|share)\s+of\s+)?",
    re.IGNORECASE,
)


def _clause_after(text: str, start: int, limit: int) -> str:
    rest = re.sub(r",\s*(?:though|however|also|too),", "", text[start:limit])
    rest = re.split(r"[.;:,()\"“”]", rest, maxsplit=1)[0].strip()
    if not _CLAUSE_START.match(rest) or not 2 <= len(rest.split()) <= 12:
        return ""
    # The question asks about several: "how many local authorities have declined".
    return re.sub(r"^(has|was|is)\b", lambda m: {"has": "have", "was": "were", "is": "are"}[m[1]], rest)


def read_figures(
    text: str,
    quote: tuple[int, int],
    context: Sequence[DraftFigure],
    synonyms: Mapping[str, str],
    context_period: str | None = None,
) -> list[DraftFigure]:
    """The figures of one quote, each with value, unit, the noun it counts, a measure, and the
    period and region it is for.

    A figure that names no noun ("Three were judged good", "13% inadequate") counts the noun of
    the figure before it in the same paragraph or list. A figure's period is the one its sentence
    states nearest to it, else ``context_period`` (what an earlier sentence of the paragraph
    stated); its place, a region its sentence names."""
    qs, qe = quote
    out: list[DraftFigure] = []
    quoted = text[qs:qe]
    periods, regions = period_mentions(quoted), region_mentions(quoted)
    for span in counted_figures(quoted):
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
            unit_word = "local authorities" if noun.endswith("local authorities") else _head_noun(noun)
        else:
            unit_word = None
        measure = _canonical_noun(words, synonyms, None) if words else noun
        change = _CHANGE_IN.match(text, end, qe) if share else None
        if change:
            # "a 7% increase in the number of children's homes": the change is the measure.
            changed, _ = _noun_after(text, change.end(), qe)
            if changed:
                measure = f"{change['change'].lower()} in {_canonical_noun(changed, synonyms, None)}"
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
                period=_nearest(periods, span.start, span.end, quoted) or context_period,
                place=_nearest(regions, span.start, span.end, quoted),
            )
        )
    return out


def _head_noun(noun: str) -> str:
    """The unit of a counted noun phrase: its last word, with a possessive that classifies it
    ("children's homes", not "homes")."""
    words = noun.split()
    head = [words.pop()]
    while words and words[-1].endswith("'s"):
        head.insert(0, words.pop())
    return " ".join(head)


def _is_fraction(span: FigureSpan) -> bool:
    return bool(re.search(r"(half|third|quarter|fifth|tenth)s?$", span.text, re.IGNORECASE))


def _round_share(value: float, span: FigureSpan) -> float:
    return round(value, 3) if _is_fraction(span) else value
