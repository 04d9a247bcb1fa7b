"""What a fact is about: the words of its claim (statement and quote), the periods, dates and
regions it is for, the kinds of figure it states — read from each ``Fact`` when the index is
built — and, asked of the index at a fact's position, the thing it counts, the grades and the
kinds of answer it gives. The decline rules and the ranking ask these of the best few facts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from retrieval.knowledge.schema import Fact, Figure, Knowledge
from retrieval.language.answer_kinds import AnswerKind, Claim
from retrieval.language.asking import DAY_MONTH_YEAR, months_in, years_in
from retrieval.language.lexical import raw_words
from retrieval.language.places import names_council_area, regions_in

if TYPE_CHECKING:
    from retrieval.matching.index import FactIndex


def fact_document(fact: Fact) -> str:
    """The text BM25 sees for a fact: everything a colleague might echo in a question."""
    parts = [fact.statement, fact.quote, *fact.questions, " ".join(fact.tags)]
    parts += [f.measure for f in fact.figures]
    return "\n".join(parts)


def claim_text(fact: Fact) -> str:
    """What a fact claims: its statement, its quote and what its figures count."""
    return "\n".join([fact.statement, fact.quote, *(f.measure for f in fact.figures)])


def fact_years(fact: Fact, knowledge: Knowledge) -> frozenset[int]:
    """The years a fact is about: when its figures give periods, theirs and the years its claim
    names other than in a full date (a claim also names the dates it compares with: "a 7%
    increase as at 31 March 2022 compared with 31 March 2021" is no figure for 2021, but "up
    41% since 2021" is about 2021); else named in its claim, its edition's label or its
    publication.

    A label's aside names other editions ("2016/17 (the edition before 2017/18)"), not this one's."""
    periods = figure_periods(fact)
    if periods:
        return years_in(periods) | years_in(DAY_MONTH_YEAR.sub(" ", claim_text(fact)))
    source = knowledge.source_of(fact)
    label = re.sub(r"\([^)]*\)", " ", source.report)
    years = set(years_in(f"{claim_text(fact)} {figure_periods(fact)} {label} {source.report_title or ''}"))
    # The year a page came out says when a fact was true only when the fact states no date.
    if source.published is not None and not fact_dates(fact):
        years.add(source.published.year)
    if source.report_year is not None:
        years.add(source.report_year)
    return frozenset(years)


def figure_periods(fact: Fact) -> str:
    """The dates or periods its figures are for, as the knowledge words them."""
    return "; ".join(dict.fromkeys(f.period for f in fact.figures if f.period))


def fact_dates(fact: Fact) -> tuple[str, ...]:
    """The dates a fact is for ("31 March 2022"): its figures' periods when they give any, else
    the dates its claim states."""
    text = figure_periods(fact) or claim_text(fact)
    return tuple(dict.fromkeys(" ".join(m.group(0).split()) for m in DAY_MONTH_YEAR.finditer(text)))


def financial_year_ends(dates: Sequence[str]) -> frozenset[int]:
    """The years of the dates that fall in January to March: each ends a financial year that
    began the year before ("31 March 2021" ends 2020-21)."""
    return frozenset(
        year
        for date in dates
        if (months := months_in(date)) and months <= {1, 2, 3}
        for year in years_in(date)
    )


def fact_regions(fact: Fact) -> frozenset[str]:
    """England's regions a fact names: in its claim or as the place its figures are for."""
    return regions_in(f"{claim_text(fact)}\n" + "\n".join(f.place or "" for f in fact.figures))


def _shingles(text: str, size: int = 6) -> set[tuple[str, ...]]:
    words = raw_words(text)
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))}


def same_evidence(facts: Sequence[Fact]) -> tuple[frozenset[int], ...]:
    """For each fact, the positions of the other facts that quote the same words or are related."""
    shingles = [_shingles(f.quote) for f in facts]
    position = {f.id: i for i, f in enumerate(facts)}
    owners: dict[tuple[str, ...], set[int]] = {}
    for i, fact_shingles in enumerate(shingles):
        for shingle in fact_shingles:
            owners.setdefault(shingle, set()).add(i)
    out: list[set[int]] = [set() for _ in facts]
    for members in owners.values():
        for i in members:
            out[i] |= members
    for i, fact in enumerate(facts):
        for ref in fact.related:
            if ref in position:
                out[i].add(position[ref])
                out[position[ref]].add(i)
        out[i].discard(i)
    return tuple(frozenset(o) for o in out)


def is_money(figure: Figure) -> bool:
    """An amount of money ("£2bn")."""
    return "£" in figure.text or (figure.unit or "").startswith(("£", "$", "€"))


def is_share(figure: Figure) -> bool:
    """A percentage or a fraction ("42%", "two thirds")."""
    return figure.unit == "%" or (0 < figure.value < 1)


def claim_names(index: FactIndex, phrase: str, position: int) -> bool:
    """Whether the fact's claim names every word of a phrase ("adult social care"; "RI" through
    its synonym "requires improvement")."""
    claim = index.claim_tokens[position]
    return all(alternatives & claim for alternatives in index.query_terms(phrase).alternatives)


def measure_agrees(index: FactIndex, measure: str, position: int) -> bool:
    """Whether the thing a figure question counts is what the fact's claim is about: the head word
    of "social workers" must be in its statement, quote or figure measures (through synonyms)."""
    terms = index.query_terms(measure)
    head = index.query_terms(measure.split()[-1]).tokens
    if not terms.tokens or not head:
        return True
    # the head's alternatives through the whole phrase's synonyms ("looked after children" ~ CLA);
    # the phrase's tokens are unique, so "inspection framework inspections" ends in "framework"
    alternatives = (
        terms.alternatives[terms.tokens.index(head[-1])] if head[-1] in terms.tokens else {head[-1]}
    )
    return bool(alternatives & index.claim_tokens[position])


def period_covered(
    asked: frozenset[int], years: frozenset[int], year_ends: frozenset[int] = frozenset()
) -> bool:
    """Whether a fact about ``years`` (whose dates end the financial years ``year_ends``,
    ``index.financial_year_ends``) is about the period asked. Two years in a row are one edition
    or financial year ("2016-17" is not "2017/18", though both name 2017), and "2020-21" is "as at
    31 March 2021"; a single year or a span is met by any year in common."""
    if len(asked) == 2 and max(asked) - min(asked) == 1:
        return asked <= years or max(asked) in year_ends
    return bool(asked & years)


def claim_states_figures(index: FactIndex, values: frozenset[float], position: int) -> bool:
    """Whether the fact's claim states every one of these figure values."""
    return values <= index.claim_figure_values[position]


_OUTSTANDING = re.compile(r"\boutstanding\b", re.IGNORECASE)


GOOD_OR_OUTSTANDING = re.compile(
    r"\bgood\W{0,3}(?:or|and|/)\W{0,3}outstanding\b|\boutstanding\W{0,3}(?:or|and|/)\W{0,3}good\b",
    re.IGNORECASE,
)


def states_outstanding_alone(index: FactIndex, position: int) -> bool:
    """Whether the fact's claim names outstanding other than in "good or outstanding"."""
    return bool(_OUTSTANDING.search(GOOD_OR_OUTSTANDING.sub(" ", claim_text(index.facts[position]))))


def gives_kind(index: FactIndex, kind: AnswerKind, position: int) -> bool:
    """Whether the fact at ``position`` gives the kind of answer asked (``AnswerKind.gives``)."""
    text = claim_text(index.facts[position])
    claim = Claim(
        text,
        has_figure=bool(index.has_figures[position]),
        has_money=bool(index.has_money_figure[position]),
        has_count=bool(index.has_count_figure[position]),
        names_place=kind.name == "place" and names_council_area(text),
    )
    return kind.gives(claim)
