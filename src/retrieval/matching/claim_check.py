"""A claim to check: "Our draft says 15% of councils are inadequate - is that accurate?" states a
figure or a name and asks whether it is right. The fact that answers it is found as for any
question; the verdict compares each figure claimed with the fact's figure of the same measure —
the one whose ``measure`` shares most words with the claim — so "45% of LAs are good or
outstanding" is wrong (42%), though 45% is in the same quote (the share that requires
improvement); and each name claimed with the names in the fact's claim ("was it Wokingham that
went from inadequate to good?" — it was West Berkshire).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from retrieval.knowledge.figures import FigureSpan, find_figures
from retrieval.knowledge.schema import Figure
from retrieval.language.asking import DAY_MONTH_YEAR
from retrieval.language.lexical import name_words, tokenize
from retrieval.language.places import places_in
from retrieval.matching.fact_scope import claim_text
from retrieval.matching.index import FactIndex

Verdict = Literal["right", "roughly", "wrong"]

# What asks whether a stated figure is right: "is that accurate?", "can you confirm …", "our draft
# says …", "… - correct?"; or a yes/no question that states it ("Are 13% of councils inadequate?").
_CHECK_CUE = re.compile(
    r"\b(?:is|was) (?:it|that|this) (?:true|right|correct|accurate|so)\b"
    r"|\bis that (?:the )?right\b|\b(?:true|right|correct|accurate)\s*\?*\s*$"
    r"|\b(?:confirm|verify|double[- ]check|fact[- ]check|claim check|sanity check|checking|am i right)\b"
    r"|\b(?:our|my|the) (?:draft|copy|press release|release|briefing|paper|notes|line|story|piece|slide)\b"
    r"|\bwe(?:'ve| have| are|'re)? (?:got|have|say|said|wrote|saying|quoting)\b"
    r"|\bi (?:heard|read|was told|think|thought)\b|\b(?:someone|somebody) (?:said|says|told me)\b",
    re.IGNORECASE,
)
_YES_NO = re.compile(r"^\W*(?:is|are|was|were|did|does|do|has|have|had)\b", re.IGNORECASE)
# "was it Wokingham that …?", "it was West Berkshire, right?"
_WHICH_ONE = re.compile(r"\b(?:was it|is it|it was|it's)\s+(?:the\s+)?[A-Z]", re.IGNORECASE)
_HEDGE = re.compile(r"\b(?:around|about|roughly|approximately|approx|nearly|almost|some|circa|c\.)\s*$", re.I)
_ROUGHLY = 0.05  # a hedged figure within 5% of the fact's ("about 40%" for 42%) is roughly right


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict on one claimed figure: what was claimed, what the fact states for that measure."""

    verdict: Verdict
    claimed: str
    stated: str
    measure: str
    # what the claimed figure is in the fact, when it is another measure's ("45%": requires improvement)
    claimed_is: str | None = None
    about: Literal["figure", "name", "date"] = "figure"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "verdict": self.verdict,
            "claimed": self.claimed,
            "stated": self.stated,
            "measure": self.measure,
            "claimed_is": self.claimed_is,
            "about": self.about,
        }

    def summary(self) -> str:
        """One plain line: "Not quite — the report says 13% (local authorities judged
        inadequate), not 15%."."""
        if self.about == "date":
            return f"Not quite — the report gives {self.stated}, not {self.claimed}."
        if self.about == "name":
            if self.verdict == "right":
                return f"Yes — the report says this of {self.claimed} (its words below)."
            if self.stated:
                return f"Not quite — it was {self.stated}, not {self.claimed}."
            return f"Not quite — the report does not say that of {self.claimed}. What it says:"
        if self.verdict == "right":
            return f"Yes — the report says {self.stated} ({self.measure})."
        if self.verdict == "roughly":
            return f"Roughly — the report says {self.stated} ({self.measure}), not {self.claimed}."
        other = f"; {self.claimed} is {self.claimed_is}" if self.claimed_is else ""
        return f"Not quite — the report says {self.stated} ({self.measure}), not {self.claimed}{other}."


def asks_to_check(question: str) -> bool:
    """Whether a question asks if what it states is right ("… - correct?", "can you confirm …",
    "Are 13% of councils …?", "was it Wokingham that …?")."""
    return bool(_CHECK_CUE.search(question) or _YES_NO.match(question) or _WHICH_ONE.search(question))


# A statement asked as a question ("west berks went inadequate to good?"): no question word.
_QUESTION_WORD = re.compile(
    r"\b(?:what|whats|how|which|who|whom|whose|when|where|why|any|anything|tell|give|list|show)\b", re.I
)


def states_as_question(question: str) -> bool:
    return question.rstrip().endswith("?") and not _QUESTION_WORD.search(question)


def claimed_figures(question: str) -> list[FigureSpan]:
    """The figures a claim states: numerals, and number words ("half", "two thirds") where the
    question says plainly that it checks a claim — not "one of the reasons…", "the top two
    grades?" in a yes/no question."""
    explicit = bool(_CHECK_CUE.search(question) or _WHICH_ONE.search(question))
    return [
        span
        for span in find_figures(question)
        if any(c.isdigit() for c in span.text) or (explicit and span.text.strip().lower() != "one")
    ]


def is_claim_check(question: str) -> bool:
    """Whether a question states a figure and asks if it is right."""
    return bool(claimed_figures(question)) and asks_to_check(question)


_NAME_RUN = re.compile(r"[A-Z][\w'’\-]*(?:\s+(?:of\s+(?:the\s+)?|and\s+)?[A-Z][\w'’\-]*)*")


def claimed_names(index: FactIndex, question: str) -> list[str]:
    """The names a question states (places, people, organisations: "Local Government
    Association"), without the report's own (a publisher, "Ofsted": words a fifth or more of the
    facts use)."""
    places = list(places_in(question))
    name_set = set(name_words(question))
    runs = []
    for run in _NAME_RUN.findall(question):
        words = run.split()
        while words and words[0] not in name_set:  # "Is", "Can": a sentence's first word
            words.pop(0)
        name = re.sub(r"['’]s$", "", " ".join(words))
        if name and not any(name in p or p in name for p in places):
            runs.append(name)
    facts = max(len(index.claim_tokens), 1)
    names = []
    for name in [*(p if p[0].isupper() else p.title() for p in places), *runs]:
        tokens = tokenize(name)
        common = all(sum(1 for c in index.claim_tokens if t in c) / facts >= 0.2 for t in tokens)
        if tokens and not common and name.lower() not in index.publishers:
            names.append(name)
    return names


def _check_names(index: FactIndex, position: int, question: str) -> ClaimCheck | None:
    names = claimed_names(index, question)
    if not names:
        return None
    claim = set(tokenize(claim_text(index.facts[position])))
    missing = [n for n in names if not set(tokenize(n)) <= claim]
    if not missing:
        return ClaimCheck("right", " and ".join(names), "", "", about="name")
    # a place claimed where the fact names another: that one is the answer
    stated = [p for p in places_in(claim_text(index.facts[position])) if p not in names]
    is_place = bool(set(missing) & set(places_in(question)))
    return ClaimCheck("wrong", missing[0], stated[0] if is_place and stated else "", "", about="name")


def _same_kind(claimed: FigureSpan, figure: Figure) -> bool:
    unit = claimed.parsed.unit
    if unit == "%":
        return figure.unit == "%"
    if unit and unit.startswith("£"):
        return bool(figure.unit and figure.unit.startswith("£"))
    return figure.unit != "%" and not (figure.unit or "").startswith("£")


def _agrees(claimed: FigureSpan, figure: Figure, hedged: bool) -> Verdict:
    value, stated = claimed.parsed.value, figure.value
    if abs(value - stated) <= 1e-6 * max(1.0, abs(stated)):
        return "right"
    if hedged and abs(value - stated) <= _ROUGHLY * abs(stated):
        return "roughly"
    return "wrong"


def claimed_date(question: str) -> str | None:
    """The date or year a claim check states ("published on 4 November 2018 - correct?")."""
    if not asks_to_check(question):
        return None
    match = DAY_MONTH_YEAR.search(question) or re.search(r"\b(?:19|20)\d\d(?:[/\-–]\d\d)?\b", question)
    return match.group(0) if match else None


def date_check(index: FactIndex, position: int, claimed: str) -> ClaimCheck:
    """A claimed date the fact is not for: the first date it is for, or its report edition."""
    fact = index.facts[position]
    dates = index.fact_dates[position]
    return ClaimCheck(
        "wrong", claimed, dates[0] if dates else index.knowledge.source_of(fact).report, "", about="date"
    )


def figures_to_check(index: FactIndex, position: int, question: str) -> list[str]:
    """The figures a claim check states that the fact has no figure of the same kind to check
    against ("an extra £1bn", where the fact states no money); empty when it is no claim check
    or one of its figures can be checked."""
    if not is_claim_check(question):
        return []
    figures = index.facts[position].figures
    claimed = claimed_figures(question)
    if any(_same_kind(c, f) for c in claimed for f in figures):
        return []
    # only a written number is reason enough to decline ("my two grandchildren" is context)
    return [c.text.strip() for c in claimed if any(ch.isdigit() for ch in c.text)]


def check_claim(index: FactIndex, position: int, question: str) -> ClaimCheck | None:
    """The verdict on the figure a claim-check question states, against the fact at ``position``;
    None when it is no claim check, or the fact states no figure of that kind to compare."""
    if not claimed_figures(question):
        # a name is checked when asked about, or stated as a question
        if asks_to_check(question) or states_as_question(question):
            return _check_names(index, position, question)
        return None
    if not asks_to_check(question):
        return None
    figures = index.facts[position].figures
    claims = claimed_figures(question)
    checks: list[ClaimCheck] = []
    for n, claimed in enumerate(claims):
        same_kind = [f for f in figures if _same_kind(claimed, f)]
        if not same_kind:
            continue
        # the figure whose measure shares most words with what the claim says the figure counts:
        # the words after it (to the next figure), else those before it; a tie goes to the one
        # the claimed figure agrees with
        end = claims[n + 1].start if n + 1 < len(claims) else len(question)
        after = index.query_terms(question[claimed.end : end]).alternatives[:8]
        before = index.query_terms(question[: claimed.start]).alternatives[-8:]

        def overlap(figure: Figure, words: tuple[frozenset[str], ...]) -> int:
            measure = set(tokenize(figure.measure))
            return sum(1 for alternatives in words if alternatives & measure)

        words = after if any(overlap(f, after) for f in same_kind) else before
        hedged = bool(_HEDGE.search(question[: claimed.start]))
        best = max(same_kind, key=lambda f: (overlap(f, words), _agrees(claimed, f, hedged) != "wrong"))
        verdict = _agrees(claimed, best, hedged)
        claimed_is = next(
            (f.measure for f in same_kind if f is not best and _agrees(claimed, f, False) == "right"), None
        )
        checks.append(ClaimCheck(verdict, claimed.text.strip(), best.text, best.measure, claimed_is))
    if not checks:
        return None
    # the first wrong figure is the news; else the first
    return next((c for c in checks if c.verdict == "wrong"), checks[0])
