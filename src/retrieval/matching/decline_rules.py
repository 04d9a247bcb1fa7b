"""The rules that decline before any score is weighed, one declarative entry each in
``DECLINE_RULES``: what the question asks that the best fact must give, the reason (a
``DeclineReason``), the note shown to the user, and questions it must decline and let through on
the shipped knowledge (``tests/test_question_rules.py`` runs them).

The rules are about what was asked, not how close the match is: a place or a name the reports
never mention, jargon they never use, a thing counted, another service, a kind of answer (a name,
a grade, a forecast …), a person's own words, a grade, a period or a region that the best fact is
not about — its figure would answer a different question. Adding a rule is one entry here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from retrieval.language.answer_kinds import AnswerKind, asked_answer_kind
from retrieval.language.asking import (
    PREVIOUS_EDITION,
    asked_measure,
    asked_speaker,
    grades_named,
    months_in,
    quotes_speaker,
    services_named,
    years_in,
)
from retrieval.language.places import regions_in
from retrieval.matching.claim_check import figures_to_check
from retrieval.matching.fact_scope import (
    GOOD_OR_OUTSTANDING,
    claim_names,
    claim_text,
    gives_kind,
    measure_agrees,
    period_covered,
    states_outstanding_alone,
)
from retrieval.matching.index import FactIndex
from retrieval.matching.scoring import MatchingConfig, ScoredFacts, period_wanted

DeclineReason = Literal[
    "unknown_name",
    "unknown_terms",
    "other_measure",
    "other_service",
    "other_kind",
    "other_speaker",
    "other_grade",
    "other_period",
    "other_place",
]


@dataclass(frozen=True)
class Question:
    """A question as the rules read it: its scored facts, and what it asks, each read once."""

    index: FactIndex
    scored: ScoredFacts
    config: MatchingConfig

    @property
    def text(self) -> str:
        return self.scored.question.text

    @property
    def best(self) -> int:
        return self.scored.best

    @functools.cached_property
    def measure(self) -> str | None:
        return asked_measure(self.text)

    @functools.cached_property
    def kind(self) -> AnswerKind | None:
        return asked_answer_kind(self.text)

    @functools.cached_property
    def years(self) -> frozenset[int]:
        return years_in(self.text)

    @property
    def asks_a_figure(self) -> bool:
        """No kind asked, or a count: a grade named is then what is counted."""
        return self.kind is None or self.kind.name in ("count", "number")


@dataclass(frozen=True)
class DeclineRule:
    """One rule: ``note`` gives what to tell the user when the best fact does not give what is
    asked, None when it does (or the question asks no such thing). ``declines``: (question, words
    its note holds) that this rule declines first; ``lets_through``: questions it lets pass."""

    name: str
    reason: DeclineReason
    note: Callable[[Question], str | None]
    declines: tuple[tuple[str, str], ...]
    lets_through: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decline:
    rule: DeclineRule
    note: str


def _unknown_place(q: Question) -> str | None:
    places = q.scored.terms.unknown_places
    if not places:
        return None
    named = " or ".join(place.title() if place.islower() else place for place in places)
    return f"The reports I know say nothing about {named}."


def _unknown_name(q: Question) -> str | None:
    return "" if q.scored.terms.unknown_names else None


def _unknown_terms(q: Question) -> str | None:
    rare = q.scored.terms.unknown_rare and float(q.scored.dense[q.best]) < q.config.unknown_term_min_dense
    return "" if rare else None


def _other_measure(q: Question) -> str | None:
    if q.measure is None or measure_agrees(q.index, q.measure, q.best):
        return None
    return f"I don't have a figure for {q.measure} in the reports I know."


def _unchecked_figure(q: Question) -> str | None:
    unchecked = figures_to_check(q.index, q.best, q.text)
    if not unchecked:
        return None
    return f"I can't check {unchecked[0]}: the reports I know give no such figure for that."


def _other_service(q: Question) -> str | None:
    services = [s for s in services_named(q.text) if not claim_names(q.index, s, q.best)]
    return f"The reports I know say nothing about {' or '.join(services)}." if services else None


def _other_kind(q: Question) -> str | None:
    if q.kind is None or gives_kind(q.index, q.kind, q.best):
        return None
    return q.kind.no_answer


def _other_speaker(q: Question) -> str | None:
    speaker = asked_speaker(q.text)
    # "what did Community Care say…" asks what the article says, not for someone's own words
    if (
        speaker is None
        or speaker.lower() in q.index.publishers
        or quotes_speaker(claim_text(q.index.facts[q.best]), speaker)
    ):
        return None
    return f"The reports I know do not quote {speaker} on that."


def _other_grade(q: Question) -> str | None:
    # a grade named in a figure question is what is counted ("what % were RI in 2016?"); in
    # "which report has the 42% good or outstanding figure?" it only points at the figure
    grades = [g for g in grades_named(q.text) if not claim_names(q.index, g, q.best)]
    if not grades or not q.asks_a_figure:
        return None
    return f"The nearest facts I know give no figure for {grades[0]}."


def _outstanding_alone(q: Question) -> str | None:
    # "42% good or outstanding" is not the share that is outstanding
    if (
        q.asks_a_figure
        and q.measure is not None
        and [g.lower() for g in grades_named(q.text)] == ["outstanding"]
        and not GOOD_OR_OUTSTANDING.search(q.text)
        and not states_outstanding_alone(q.index, q.best)
    ):
        return "The nearest facts I know give good and outstanding only together."
    return None


def _other_year(q: Question) -> str | None:
    index = q.index
    if not q.years or period_covered(q.years, index.fact_years[q.best], index.fact_year_ends[q.best]):
        return None
    return other_period_note(index, q.years)


def _other_month(q: Question) -> str | None:
    # "as at 31 March 2018" is not "as at 30 September 2018", though both are 2018
    asked, stated = months_in(q.text), q.index.fact_months[q.best]
    if not asked or not stated or asked & stated:
        return None
    dates = " and ".join(q.index.fact_dates[q.best])
    return f"I don't have that for the date you asked; the nearest facts I know are for {dates}."


def _other_region(q: Question) -> str | None:
    regions = sorted(regions_in(q.text) - q.index.fact_regions[q.best])
    return f"The nearest facts I know give no figure for {' or '.join(regions)}." if regions else None


def _earlier_edition(q: Question) -> str | None:
    if q.years or not PREVIOUS_EDITION.search(q.text):
        return None
    wanted = period_wanted(q.index, q.text)
    if wanted is None or wanted[q.best]:
        return None
    return "The nearest facts I know are from the latest report, not an earlier one."


def other_period_note(index: FactIndex, asked: frozenset[int]) -> str:
    """What to say when the best fact is not about the period asked."""
    first, last = min(asked), max(asked)
    period = f"{first}/{last % 100:02d}" if last - first == 1 else ", ".join(map(str, sorted(asked)))
    if any(
        period_covered(asked, years, ends)
        for years, ends in zip(index.fact_years, index.fact_year_ends, strict=True)
    ):
        return f"I don't have that for {period}; the nearest facts I know are from other years."
    # an edition's label without its aside: "Ofsted Annual Report 2016/17 (the edition before …)"
    editions = " and ".join(sorted({re.sub(r"\s*\([^)]*\)", "", s.report) for s in index.knowledge.sources}))
    return f"I don't have figures for {period} in the reports I know: they cover {editions}."


# In order: the first rule whose note is not None declines.
DECLINE_RULES: tuple[DeclineRule, ...] = (
    DeclineRule(
        "unknown_place",
        "unknown_name",
        _unknown_place,
        declines=(
            ("How many children are in care in Scotland?", "nothing about Scotland"),
            # a place in lower case is still a place; a council area the knowledge never names
            ("how many kids are in care in wales", "nothing about Wales"),
            ("what percentage of scottish councils are rated good?", "nothing about Scottish"),
            ("is leeds rated good for children's services?", "nothing about Leeds"),
            ("how many children are in care in Herts?", "nothing about Hertfordshire"),
            ("what's the situation in Yorkshire?", "nothing about Yorkshire"),  # not in ISO 3166
        ),
        lets_through=(
            "roughly how many children in need are there in England?",  # a place it knows
            "what did Ofsted say went wrong in Northants?",  # a county written short
        ),
    ),
    DeclineRule(
        "unknown_name",
        "unknown_name",
        _unknown_name,
        declines=(("how many SGOs were granted?", ""),),
        lets_through=("what does JTAI stand for?",),
    ),
    DeclineRule(
        "unknown_terms",
        "unknown_terms",
        _unknown_terms,
        # jargon the knowledge never uses, and no fact close enough
        declines=(("what about special guardianship?", ""),),
        lets_through=("how many focussed visits were there?",),  # the knowledge's own spelling
    ),
    DeclineRule(
        "other_measure",
        "other_measure",
        _other_measure,
        declines=(
            ("how many social workers are there in England?", "figure for social workers"),
            ("how many foster carers does England have?", "figure for foster carers"),
            # "% of" counts a thing too
            ("what % of social workers are on agency contracts?", "figure for social workers"),
        ),
        lets_through=(
            # the thing counted is the last noun of the phrase, however often its stem repeats
            "How many final Single Inspection Framework inspections took place?",
            "how many monitoring visits took place?",
        ),
    ),
    DeclineRule(
        "unchecked_figure",
        "other_measure",
        _unchecked_figure,
        # a claim check whose figure the nearest fact has nothing of the kind to compare with
        declines=(
            ("Is it true the chief inspector called for an extra £3bn for councils?", "can't check £3bn"),
        ),
        lets_through=("Is it true that 45% of local authorities are good or outstanding?",),
    ),
    DeclineRule(
        "other_service",
        "other_service",
        _other_service,
        declines=(
            # another service than children's social care: close wording, a different subject
            ("what did the chief inspector say about funding for schools?", "nothing about schools"),
            ("what does the report say about police funding?", "nothing about police"),
        ),
        # the asker's job names a school: no other service is asked about
        lets_through=("As a virtual school head, how many children are in care in England?",),
    ),
    DeclineRule(
        "other_kind",
        "other_kind",
        _other_kind,
        declines=(
            ("name the councils still stuck at inadequate", "do not name"),
            # a council's grade, where the fact only mentions the council
            ("so what grade did Northamptonshire end up with?", "no judgement"),
            ("which councils had a joint targeted area inspection?", "do not name"),
            ("what's the mean spend per child in need, in pounds?", "no amount of money"),
            # a count asked for where only percentages are known
            ("how many councils are rated good - the actual number, not a percentage?", "no count"),
            ("what will the share of inadequate councils be next year?", "no forecast"),
            ("which town got the best judgement?", "do not name the council"),
            # "the average" asks a figure, which a fact only saying caseloads are high does not give
            ("what's the typical caseload of a social worker?", "no figure"),
            # how long is not how often: "quarterly" says nothing of a visit's length
            ("how long does a monitoring visit last?", "how long"),
            ("which are the seven LAs that are still struggling?", "do not name the council"),
            ("how many children are looked after per 10,000 under-18s?", "no rate"),
            # a title, where the fact only says where the paper appeared
            ("what's the title of the paper the Kingston University academic wrote?", "title"),
            # who came after someone, where the fact is about that person
            ("who replaced Alison Michalska at the ADCS?", "before or after"),
        ),
        lets_through=(
            "how often are inadequate councils visited?",  # "quarterly"
            "which council is the cautionary tale about?",  # a place asked, and named
            "roughly how many LAs did Ofsted hold engagement meetings with?",  # "almost every"
        ),
    ),
    DeclineRule(
        "other_speaker",
        "other_speaker",
        _other_speaker,
        # a person's own words, where the nearest fact does not quote them
        declines=(("what did Rick Hood say when the annual report came out?", "do not quote Rick Hood"),),
        lets_through=("what did Community Care say about deprivation and ratings?",),  # a publisher
    ),
    DeclineRule(
        "other_grade",
        "other_grade",
        _other_grade,
        declines=(
            # a grade counted that the nearest fact (good or outstanding, in 2016-17) does not state
            (
                "back when just over a third were good or outstanding, what share were inadequate?",
                "for inadequate",
            ),
        ),
        lets_through=("what share of LAs get an inadequate judgment?",),
    ),
    DeclineRule(
        "outstanding_alone",
        "other_grade",
        _outstanding_alone,
        declines=(("what share of councils are outstanding?", "only together"),),
        lets_through=("what per cent of LAs got a good or outstanding grade",),
    ),
    DeclineRule(
        "other_year",
        "other_period",
        _other_year,
        declines=(
            ("what percentage of councils were inadequate in 2023?", "figures for 2023"),
            # 2016-17 is an edition the knowledge has, but not this fact's: 2017/18 also names 2017
            ("how many focused visits took place in 2016-17?", "I don't have that for 2016/17"),
        ),
        lets_through=("what share of councils were good or outstanding in 2016-17?",),
    ),
    DeclineRule(
        "other_month",
        "other_period",
        _other_month,
        # the previous edition's figure is dated 1 April 2016: another month of that year is not it
        declines=(("what share of councils were good or outstanding on 1 September 2016?", "1 April 2016"),),
        lets_through=("what share of councils were good or outstanding at 1 April 2016?",),
    ),
    DeclineRule(
        "other_region",
        "other_place",
        _other_region,
        declines=(
            ("what share of councils in the north east are good or outstanding?", "for North East"),
            ("how many children are in care in the south-west?", "for South West"),
        ),
        lets_through=("roughly how many children in need are there in England?",),
    ),
    DeclineRule(
        "earlier_edition",
        "other_period",
        _earlier_edition,
        declines=(("in last year's report, what share of councils were RI?", "not an earlier one"),),
        # "last year's report" is the edition before the newest: its fact, not this year's
        lets_through=("in last year's report, what share of councils were good or outstanding?",),
    ),
)


def rule_decline(index: FactIndex, scored: ScoredFacts, config: MatchingConfig) -> Decline | None:
    """The first rule that declines the best fact for this question, with its note; None if none."""
    question = Question(index, scored, config)
    for rule in DECLINE_RULES:
        note = rule.note(question)
        if note is not None:
            return Decline(rule, note)
    return None
