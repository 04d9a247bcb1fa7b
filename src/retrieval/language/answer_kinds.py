"""The kinds of answer a question can want beyond a topic — a count rather than a share, an amount
of money, a name, a date, how long or how often, a forecast … — each declared once, in
``ANSWER_KINDS``: how it is asked, what in a fact's claim gives it, what to say when the best fact
does not, and questions that must and must not be read as asking it (``tests/test_question_rules.py``
runs them). Adding a kind is one entry here; ``matching/decline_rules.py`` declines a match that
does not give the kind asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.language.asking import GRADE_NAMED, asking_sentences
from retrieval.language.lexical import MID_SENTENCE_CAPITAL
from retrieval.language.textnorm import MONTH_NAMES

# "How many LAs (a count, not a percentage) are RI?": a percentage does not answer it.
_NUMBER_NOT_SHARE = re.compile(
    r"\bnot (?:as )?(?:an? |the )?(?:percentages?|proportions?|shares?|rates?)\b|\bnot (?:a )?%"
    r"|\b(?:actual|raw|absolute|real) numbers?\b|\bin numbers\b|\ba count\b|\bheadcount\b",
    re.IGNORECASE,
)

# "per 10,000 children", "per head": a rate, which a count or a share does not give.
_RATE = re.compile(r"\bper\s+(?:\d[\d,.]*\s*k?\b|ten thousand|a thousand|thousand|hundred|capita|head)", re.I)
# "the title of his paper": only a claim that gives a title answers it.
_TITLE_ASKED = re.compile(
    r"\btitle of\b|\b(?:paper|article|study|book|report)(?:'s)? (?:title|is called|was called)\b"
    r"|\bwhat (?:is|was|'s) (?:the |his |her |their )?(?:paper|article|study|book|report) called\b",
    re.IGNORECASE,
)
_TITLE_EVIDENCE = re.compile(r"\b(?i:titled?|entitled|called)\b|\bThe (?:[A-Z][a-z']+ ){2,}")
# "Who was chief inspector before Spielman?", "who took over from…": someone other than the
# person named, which a claim about that person does not give unless it says who came before or after.
_SUCCESSION_ASKED = re.compile(
    r"^\W*who\b[^?]*(?:\b(?:before|after)\s+(?-i:[A-Z])|\b(?:succeeded|replaced|preceded|took over)\b)"
    r"|\b(?:predecessor|successor)\b",
    re.IGNORECASE,
)
_SUCCESSION_EVIDENCE = re.compile(
    r"\b(?:succeed\w*|replac\w*|predecessor|successor|took over|takes over|former|previous|appointed)\b",
    re.IGNORECASE,
)
# "how much" asking for an amount opens its clause ("so how much did…"); "the link between how
# much councils spend and…" and "does how much a council spends predict…?" ask something else.
_HOW_MUCH = (
    r"^\W*(?!(?:does|do|did|is|are|was|were|can|could|has|have|will|would|should)\b)"
    r"(?:\w+\W+){0,2}?how much\b"
)
_MONEY_WORDS = (
    r"cost|costs|spend|spends|spent|spending|budget|pay|paid|salary|fee|fees|worth|money|cash|funding"
)
# The money word is the thing asked ("what budget does…", "the cost of…"), not a word that
# qualifies another ("what budget pressures…" asks about pressures): a verb, a preposition or the
# end comes next.
_MONEY_NOUN_ASKED = (
    r"\b(?:what|which) (?:is|was|are|were)? ?(?:the |its |their )?(?:average |total |annual |mean )?"
    r"(?:cost|budget|salary|fee|spend|spending)\b(?=\s*(?:[?.!,;]|$)|\s+(?:of|for|in|on|at|is|was|are"
    r"|were|does|do|did|has|have|per|to|that|this|last|next|now|and|or|by|from|with)\b)"
)
_MONEY = re.compile(
    rf"{_HOW_MUCH}.*\b(?:{_MONEY_WORDS})\b|{_MONEY_NOUN_ASKED}|\bin pounds\b|\bhow many pounds\b",
    re.IGNORECASE,
)
_COUNT = re.compile(
    rf"\bhow many\b|{_HOW_MUCH}|\bwhat(?:'s| is| was| are| were) the (?:total )?numbers? of\b"
    r"|\bwhat(?:'s| is| was| are| were) the (?:average|mean|median|typical)\b",
    re.IGNORECASE,
)
# Words after which a question word opens an indirect question ("does it say when…", "I'd like to
# know who…"); elsewhere inside a sentence "when" and "who" open a clause ("what happens when a
# council is inadequate", "children who were neglected") and ask for no date or name.
_ASKING = (
    r"(?:^\W*|[,;:(\-–—]\s*"
    r"|\b(?:and|but|so|know|tell me|say|says|remind me|wondering|asking|find out|confirm|check)\s+)"
)
# "When inspectors looked at X, what did they find?": an opening "when" clause says when, and
# the question after its comma asks what.
_THEN_A_QUESTION = r"[^?]*,\s*(?:what|how|who|which|why|did|do|does|is|are|was|were|has|have|can|could)\b"
_DATE = re.compile(
    rf"^\W*when\b(?!{_THEN_A_QUESTION})|{_ASKING}when (?:was|is|did|does|will|were|are|do|has|have)\b"
    r"|\b(?:what|which) (?:year|date|month|day)\b|\bhow long ago\b",
    re.IGNORECASE,
)
_NAME_ASKED = re.compile(
    rf"^\W*who\b|{_ASKING}who (?:is|was|are|were|said|says|did|does|wrote|leads|runs)\b"
    r"|\b(?:which|what) (?:one|organisation|charity|university|person|researcher|academic)\b"
    r"|\bwhich (?:\d+|two|three|four|five|six|seven|eight|nine|ten)\b"
    r"|\bname (?:the|of)\b",
    re.IGNORECASE,
)
# A place asked for by name: only a fact naming a council area answers it (answer.py checks).
# "which councils had …" asks for their names; "which councils will struggle" may be a kind.
_PLACES = r"las|councils|local authorities|authorities|areas|towns|cities"
_PLACE_ASKED = re.compile(
    r"\b(?:which|what) (?:local authority|la|council|authority|area|place|town|city|county|borough"
    rf"|region)\b|\bwhich (?:{_PLACES}) (?:had|got|were|received|was)\b"
    r"|\bwhich (?:are|were) the (?:\w+ ){0,2}(?:las|councils|local authorities|authorities|areas|towns)\b",
    re.IGNORECASE,
)
# "What rating did Northamptonshire get?", "Leeds's current grade": only a fact that gives a
# judgement answers it, not one that only mentions the council.
_GRADE_ASKED = re.compile(
    r"\b(?:what|which) (?:ofsted )?(?:rating|grade|judgement|judgment)s? (?:did|does|has|have|is|was)\b"
    r"|'s (?:current |latest |last |overall )?(?:ofsted )?(?:rating|grade|judgement|judgment)\b"
    r"|\bhow (?:is|was|are|were) \w+(?: \w+)? (?:rated|graded|judged)\b",
    re.IGNORECASE,
)
_GRADE_EVIDENCE = re.compile(rf"\bgood\b|{GRADE_NAMED.pattern}", re.IGNORECASE)
# A question about what will happen: only a fact that looks ahead ("by 2020", "likely to grow")
# answers it; a figure for today is not a forecast.
_FORECAST = re.compile(
    r"\b(?:next (?:year|few years|decade)|in (?:the )?(?:future|years to come|coming years)|forecasts?"
    r"|forecast(?:ed|ing)|predictions?|projected|projections?"
    r"|(?:going to|gonna) (?:be|rise|fall|grow|change)"
    # "will the £2bn gap be closed …?": a will-question however long its subject
    r"|will (?:\S+ ){1,5}be (?:closed|cut|met|filled|raised|reduced|increased|changed|scrapped|replaced)"
    r"|will (?:there )?be|will (?:it|they|that|this|numbers?|the \w+|\w+) (?:rise|fall|go|grow|increase"
    r"|decrease|drop|change|improve|get|keep|continue))\b",
    re.IGNORECASE,
)
_FORECAST_EVIDENCE = re.compile(
    r"\b(?:will|would|likely|unlikely|could|expected|expects?|forecasts?|projected|future|by (?:19|20)\d\d"
    r"|next year|new year|grows?|continues? to)\b",
    re.IGNORECASE,
)
# How long is not how often: "quarterly" answers "how often are they visited?", not "how long
# is a visit?"
_DURATION = re.compile(r"\bhow (?:long|soon|quickly)\b|\bhow many (?:hours|days|weeks|months|years)\b", re.I)
_FREQUENCY = re.compile(r"\bhow (?:often|frequently|regularly)\b|\bhow many (?:times|occasions)\b", re.I)
_SOME = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a"
_UNITS = r"hours?|days?|weeks?|months?|years?"
_DURATION_EVIDENCE = re.compile(rf"\b(?:{_SOME}|several|few)\s+(?:{_UNITS})\b", re.I)
_FREQUENCY_EVIDENCE = re.compile(
    rf"\b(?:{_SOME}|each|every|per)\s+(?:{_UNITS}|times?)\b"
    r"|\b(?:quarterly|annual|annually|monthly|weekly|daily|yearly|regular|regularly|often|frequently|once|twice)\b",
    re.IGNORECASE,
)
# "How many…?" is answered by a number in the claim, or "almost every local authority", "two thirds".
_QUANTITY_EVIDENCE = re.compile(
    r"\d|\b(?:every|all|most|majority|minority|half|halves|thirds?|quarters?|none|dozens?|hundreds?"
    r"|thousands?|millions?|billions?)\b",
    re.IGNORECASE,
)
_MONTHS = "|".join(MONTH_NAMES) + "|today|yesterday|this year|last year|next year|new year|since|until"
_DATE_EVIDENCE = re.compile(rf"\b(?:(?:19|20)\d\d|{_MONTHS})\b", re.IGNORECASE)
_NAME_EVIDENCE = re.compile(MID_SENTENCE_CAPITAL)


@dataclass(frozen=True)
class Claim:
    """What a fact offers an answer kind: its claim (statement and quote) and what its figures are."""

    text: str
    has_figure: bool = False
    has_money: bool = False
    has_count: bool = False  # a figure that is neither a share nor money
    names_place: bool = False  # it names a council area


def claim_matches(pattern: re.Pattern[str]) -> Callable[[Claim], bool]:
    """A kind given by words in the claim (``pattern``)."""
    return lambda claim: bool(pattern.search(claim.text))


@dataclass(frozen=True)
class AnswerKind:
    """One kind of answer: ``asked`` finds it in a question, ``gives`` in a fact, ``no_answer`` is
    the note when the best fact does not give it; ``asks`` and ``asks_not`` are questions that must
    and must not be read as asking it (another kind, or none)."""

    name: str
    asked: re.Pattern[str]
    gives: Callable[[Claim], bool]
    no_answer: str
    asks: tuple[str, ...]
    asks_not: tuple[str, ...] = ()


# In order: the first kind whose ``asked`` matches is the kind ("how many weeks" is a duration
# before it is a count).
ANSWER_KINDS: tuple[AnswerKind, ...] = (
    AnswerKind(
        "number",
        _NUMBER_NOT_SHARE,
        lambda claim: claim.has_count,
        "The reports I know give no count for that.",
        asks=("how many LAs are RI, in raw numbers not %?",),
        asks_not=("what % of LAs are RI?",),
    ),
    AnswerKind(
        "rate",
        _RATE,
        claim_matches(_RATE),
        "The reports I know give no rate per head of population for that.",
        asks=("children in need per 10k?", "how many children are looked after per 10,000 under-18s?"),
        asks_not=("what is spend per child in need?",),  # per child is no rate
    ),
    AnswerKind(
        "money",
        _MONEY,
        lambda claim: claim.has_money,
        "The reports I know give no amount of money for that.",
        asks=(
            "so how much did councils spend?",
            "what budget does Ofsted have?",
            "what is the average spend per child?",
            "what is spend per child in need?",
        ),
        asks_not=(
            "the link between how much councils spend and their grade?",
            "does spend per child predict the grade?",
            "what budget pressures are there?",
        ),
    ),
    AnswerKind(
        "place",
        _PLACE_ASKED,
        lambda claim: claim.names_place,
        "The reports I know do not name the council or place.",
        asks=(
            "which town was it?",
            "which councils got outstanding?",
            "which are the three councils rated outstanding?",
        ),
        asks_not=(
            "which councils struggle most?",  # a kind of council will do
            "which LAs did Ofsted say face the greatest challenges?",
        ),
    ),
    AnswerKind(
        "title",
        _TITLE_ASKED,
        claim_matches(_TITLE_EVIDENCE),
        "The reports I know do not give that title.",
        asks=("what is the title of the annual report?",),
        asks_not=("what's the chief inspector's job title?",),
    ),
    AnswerKind(
        "succession",
        _SUCCESSION_ASKED,
        claim_matches(_SUCCESSION_EVIDENCE),
        "The reports I know do not say who came before or after.",
        asks=("Who ran Ofsted before Amanda Spielman?", "who replaced Alison Michalska at the ADCS?"),
        asks_not=("who is in charge after a council fails?",),
    ),
    AnswerKind(
        "name",
        _NAME_ASKED,
        claim_matches(_NAME_EVIDENCE),
        "The reports I know do not name that.",
        asks=("who said it?", "hi - who is the chief inspector?", "who is in charge after a council fails?"),
        asks_not=("were children who were exploited also abused at home?",),
    ),
    AnswerKind(
        "grade",
        _GRADE_ASKED,
        claim_matches(_GRADE_EVIDENCE),
        "The reports I know give no judgement for that.",
        asks=("how is Kent rated?", "so what grade did Northamptonshire end up with?"),
    ),
    AnswerKind(
        "date",
        _DATE,
        claim_matches(_DATE_EVIDENCE),
        "The reports I know give no date for that.",
        asks=("When was the report published?", "does it say when was the SIF introduced?"),
        asks_not=(
            "what happens when a council is inadequate?",
            "When inspectors visited, what did they find?",
        ),
    ),
    AnswerKind(
        "duration",
        _DURATION,
        claim_matches(_DURATION_EVIDENCE),
        "The reports I know do not say how long.",
        asks=("how long does a re-inspection take?", "how many weeks until the re-inspection?"),
    ),
    AnswerKind(
        "frequency",
        _FREQUENCY,
        claim_matches(_FREQUENCY_EVIDENCE),
        "The reports I know do not say how often.",
        asks=("how often are they visited?", "on how many occasions were they visited?"),
    ),
    AnswerKind(
        "forecast",
        _FORECAST,
        claim_matches(_FORECAST_EVIDENCE),
        "The reports I know make no forecast for that.",
        asks=(
            "what will the RI share be next year?",
            "will the funding gap for councils be closed by 2025?",
            "are RI numbers gonna change?",
        ),
        asks_not=("does spend per child predict the grade?",),
    ),
    AnswerKind(
        "count",
        _COUNT,
        lambda claim: claim.has_figure or bool(_QUANTITY_EVIDENCE.search(claim.text)),
        "The reports I know give no figure for that.",
        asks=(
            "We go live next year. How many councils were rated outstanding?",  # the context asks nothing
            "what's the typical caseload of a social worker?",
        ),
    ),
)
ANSWER_KINDS_BY_NAME = {kind.name: kind for kind in ANSWER_KINDS}


def asked_answer_kind(question: str) -> AnswerKind | None:
    """The kind of answer a question's asking sentences want, when they name one."""
    question = asking_sentences(question)
    return next((kind for kind in ANSWER_KINDS if kind.asked.search(question)), None)
