"""What a question asks, beyond its topic: the thing a figure question counts ("how many social
workers" -> "social workers"), the period it names (a year, "now"), and the kind of answer it
wants (money, a count, a date, a name, how long or how often) — and whether a fact's claim gives
that kind. ``answer.rule_decline`` declines a match that answers a different question.
"""

from __future__ import annotations

import re
from typing import Literal

from retrieval.language.textnorm import MONTH_NAMES
from retrieval.language.wording import english_zipf

# --- what a figure question counts, and when -----------------------------------------------------

_COUNT_PHRASE = re.compile(
    # "% of" has no word boundary before it
    r"(?:\b(?:how many|how much|(?:the |total )?numbers? of|proportion of|percentage of|share of"
    r"|fraction of|count of|rate of|ratio of)|%\s*of)"
    r"\s+(?:the |all |of |those |these |our |english |england's )*"
    r"(?P<phrase>[a-z][a-z'’\-]*(?:\s+[a-z][a-z'’\-]*){0,4})",
    re.IGNORECASE,
)
# Words that end the thing counted without being a verb: auxiliaries, prepositions, conjunctions
# ("how much funding do councils get" counts funding; "how much councils spend" counts no noun).
_AUXILIARY_OR_FUNCTION_WORDS = frozenset(
    [
        "are",
        "is",
        "were",
        "was",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "in",
        "at",
        "on",
        "by",
        "for",
        "from",
        "with",
        "within",
        "to",
        "that",
        "who",
        "which",
        "whose",
        "there",
        "than",
        "and",
        "or",
        "but",
        "as",
        "under",
        "over",
        "per",
        "across",
    ]
)
# Where the thing counted ends: those words, or a verb.
PHRASE_END_WORDS = _AUXILIARY_OR_FUNCTION_WORDS | frozenset(
    [
        "got",
        "get",
        "gets",
        "nationally",
        "currently",
        "now",
        "today",
        "this",
        "last",
        "each",
        "every",
        "need",
        "needs",
        "live",
        "lives",
        "go",
        "goes",
        "went",
        "come",
        "comes",
        "make",
        "makes",
        "made",
        "take",
        "takes",
        "took",
        "see",
        "sees",
        "saw",
        "remain",
        "remains",
        "stay",
        "stays",
        "become",
        "becomes",
        "seem",
        "seems",
        "look",
        "looks",
        "fall",
        "falls",
        "rise",
        "rises",
        "compare",
        "compares",
        "differ",
        "differs",
        "vary",
        "varies",
        "change",
        "changes",
        "rank",
        "ranks",
        "fare",
        "fares",
        "stand",
        "stands",
        "spend",
        "spends",
        "pay",
        "pays",
        "cost",
        "costs",
        "receive",
        "receives",
        "show",
        "shows",
        "happen",
        "happens",
        "say",
        "says",
        "face",
        "faces",
        "include",
        "includes",
        # a subject: "how much a council pays", "how many we have" count nothing named
        "a",
        "an",
        "we",
        "they",
        "you",
        "i",
        "it",
        "he",
        "she",
        # irregular past tenses (the -ed ones end a phrase by their ending)
        "came",
        "became",
        "fell",
        "rose",
        "grew",
        "gave",
        "left",
        "kept",
        "held",
        "won",
        "lost",
        "ended",
    ]
)


def _ends_phrase(word: str) -> bool:
    low = word.lower()
    # past tenses and -ing forms are verbs here: "how many inspections resulted in …"; an adverb
    # ("historically", "weekly" — but not "family") ends it too
    return (
        low in PHRASE_END_WORDS
        or (len(low) >= 5 and low.endswith(("ed", "ing")) and not low.endswith("eed"))
        or (len(low) >= 6 and low.endswith("ly") and english_zipf(low[:-2]) >= 3.0)
    )


def _is_plural_noun(word: str) -> bool:
    """A regular plural ("councils", "LAs"), not "ILACS" nor a word ending in -ss, -us or -is."""
    low = word.lower()
    # an acronym in capitals ends in its own S ("ILACS"); "LAs", "JTAIs" are plurals
    return (
        len(low) >= 3
        and word[-1] == "s"
        and not word.isupper()
        and not low.endswith(("ss", "us", "is", "'s", "’s"))
    )


_COMPARATIVES = frozenset(
    ["better", "worse", "more", "less", "fewer", "higher", "lower", "bigger", "smaller", "greater", "larger"]
)
# Nouns of quantity: in "how much inspection activity" the thing counted is inspections.
_TIME_UNITS = frozenset(["times", "occasions", "hours", "days", "weeks", "months", "years"])
_QUANTITY_NOUNS = frozenset(
    ["activity", "activities", "work", "amount", "amounts", "level", "levels", "volume", "volumes", "total"]
)


# Services and sectors beside local authorities' children's services — Ofsted's other remits and
# the services around them. A question about one of them is not answered by a fact about
# children's social care that never names it ("what did Spielman say about school funding?").
OTHER_SERVICES = re.compile(
    r"\b(?:schools?|academy|academies|colleges?|further education|universit(?:y|ies)|nurser(?:y|ies)"
    r"|early years|childminders?|apprenticeships?|adult social care|adults'? services|police|policing"
    r"|nhs|hospitals?|gps?|prisons?|probation|care homes? for (?:older people|adults))\b",
    re.IGNORECASE,
)


# The words people name their job with: "virtual school head", "Cafcass children's guardian".
_ROLE_NOUN = (
    r"(?i:head|worker|manager|officer|guardian|lead|nurse|teacher|governor|carer|councillor|member"
    r"|student|practitioner|director|chair|adviser|advisor|analyst|commissioner|reporter|journalist"
    r"|researcher|visitor|coordinator|inspector|trainee|caseworker|parent|TM|SW|DSL|IRO)s?"
)
# Who is asking, not what is asked: "I'm an IRO …", "as a new DSL …", "our IRO service is …",
# "I'm a virtual school head …", "locum TM here …".
_ASKER_ROLE = re.compile(
    r"\b(?i:i'?m|i am|we'?re|we are|as)\s+(?i:an?|the|one of the)\s+(?:[a-z]+\s+){0,2}?[A-Z]{2,}s?\b"
    rf"|\b(?i:i'?m|i am|we'?re|we are|as)\s+(?i:an?|the|one of the)\s+(?:[\w'-]+\s+){{0,3}}?{_ROLE_NOUN}\b"
    rf"|^\W*(?:[\w'-]+\s+){{0,2}}?{_ROLE_NOUN}\s+(?i:here)\b"
    r"|\b(?i:our|my)\s+[A-Z]{2,}s?(?=\s+(?i:team|service|colleagues|group|forum|network)\b)"
)


def without_asker_role(question: str) -> str:
    """The question without the asker's own role ("I'm an IRO - what share…" -> "  - what share…"):
    a role the reports never name says nothing about what is asked."""
    return _ASKER_ROLE.sub(" ", question)


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def asking_sentences(question: str) -> str:
    """The sentences of a message that ask (those ending in "?"), or the whole message when none
    does: in "We're preparing for an inspection next year. How many were outstanding?" the context
    before the question asks for no forecast, and "I'm a virtual school head." names no service."""
    asking = [s for s in _SENTENCE_BREAK.split(question.strip()) if s.rstrip().endswith("?")]
    return " ".join(asking) if asking else question


def services_named(question: str) -> tuple[str, ...]:
    """The other services a question asks about ("school funding" -> ("school",)), lower-cased;
    not one that is part of a name ("the Kingston University study" names a researcher's
    employer), nor one only in the context before the question or in the asker's job ("as a
    virtual school head, …")."""
    question = asking_sentences(without_asker_role(question))
    return tuple(
        dict.fromkeys(
            m.group(0).lower() for m in OTHER_SERVICES.finditer(question) if not _part_of_name(question, m)
        )
    )


_NAME_BEFORE = re.compile(r"\b[A-Z][a-z]+\s+$")
_NAME_AFTER = re.compile(r"^\s+of\s+[A-Z]")


def _part_of_name(question: str, match: re.Match[str]) -> bool:
    """A title-case service word beside a capitalised word: "Kingston University", "University of Bath"."""
    word = match.group(0)
    return (
        word[0].isupper()
        and not word.isupper()
        and bool(_NAME_BEFORE.search(question[: match.start()]) or _NAME_AFTER.match(question[match.end() :]))
    )


# "What are JTAIs?", "what does ILACS stand for?": a term to define, answered by the fact that
# spells it out ("joint targeted area inspections (JTAIs)").
_DEFINITION = re.compile(
    r"^\W*what(?:'s|\s+is|\s+are|\s+does|\s+do)\s+(?:an?\s+|the\s+)?(?P<term>[A-Za-z]{2,10}?)s?"
    r"(?:\s+(?:stand\s+for|mean|short\s+for))?\s*\??\s*$",
    re.IGNORECASE,
)


def defined_term(question: str) -> str | None:
    """The one word a question asks to have defined ("What are JTAIs?" -> "JTAI"), or None."""
    match = _DEFINITION.match(question)
    return match.group("term") if match else None


def asked_measure(question: str) -> str | None:
    """What a figure question counts: "how many social workers are there" -> "social workers".

    None when the question asks no count or share, or names no thing ("how much has it fallen").
    """
    match = _COUNT_PHRASE.search(question)
    if match is None:
        return None
    words: list[str] = []
    for word in match.group("phrase").split():
        if _ends_phrase(word):
            # "how much councils spend": an amount of spending, not of councils ("how much
            # funding do councils get" counts funding: the auxiliary only turns it into a question)
            if (
                match.group(0).lower().startswith("how much")
                and word.lower() not in _AUXILIARY_OR_FUNCTION_WORDS
            ):
                return None
            break
        if words and _is_plural_noun(words[-1]):
            # a noun phrase ends in its head noun: after "councils" comes the verb ("how many
            # councils sit in…", "the number of good councils keeps rising")
            break
        words.append(word)
    if len(words) > 1 and words[-1].lower() in _QUANTITY_NOUNS:
        words.pop()
    if len(words) == 1 and words[0].lower() in _COMPARATIVES:
        # "how much better is it…": a degree, not a thing counted
        return None
    if words and words[0].lower() in _TIME_UNITS:
        # "how many times…", "how many weeks after…": how often or how long (the frequency or
        # duration kind), not a thing the claim must name
        return None
    return " ".join(words) or None


_YEAR = re.compile(r"\b((?:19|20)\d\d)(?:\s*[/\-–]\s*(\d\d))?\b")
# A question about now: the newest report edition.
NOW = re.compile(
    r"\b(?:now|currently|current|latest|this year|today|at the moment|at present|these days|nowadays)\b",
    re.IGNORECASE,
)
# A question about the edition before the newest: "in last year's report", "the previous edition".
PREVIOUS_EDITION = re.compile(
    r"\b(?:last year'?s|previous|prior|preceding|earlier|older|the year before'?s)"
    r"(?: ofsted)?(?: annual)? (?:report|edition)s?\b",
    re.IGNORECASE,
)
_PERIOD = re.compile(
    rf"(?:\b(?:in|for|by|during|since|from|at)\s+)?(?:the\s+)?"
    rf"(?:{_YEAR.pattern}|{PREVIOUS_EDITION.pattern}|{NOW.pattern})",
    re.IGNORECASE,
)


def without_period(text: str) -> str:
    """The text with the years and "now" words it names taken out ("… in 2016/17?" -> "…?")."""
    return re.sub(r"\s+([?.!,])", r"\1", " ".join(_PERIOD.sub(" ", text).split()))


def without_years(text: str) -> str:
    """The text with the years it names taken out: a year asked is a period, which a fact is
    about through its report edition (``period_covered``), not a word its text must contain."""
    return " ".join(_YEAR.sub(" ", text).split())


def names_period(text: str) -> bool:
    """Whether a text names a year, the previous report edition, or asks about now."""
    return bool(years_in(text)) or bool(PREVIOUS_EDITION.search(text)) or bool(NOW.search(text))


_MONTH = re.compile(
    r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may(?=\s+\d)|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?",
    re.IGNORECASE,
)
# A date as statistics give it: "31 March 2022", "30 September 2018".
DAY_MONTH_YEAR = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)? )?(?:{'|'.join(MONTH_NAMES)}) (?:19|20)\d\d\b", re.IGNORECASE
)


def months_in(text: str) -> frozenset[int]:
    """Months a text names (1-12): "as at 31 March 2018" -> {3}, "sept 18" -> {9}."""
    return frozenset(MONTH_NUMBERS[m.group(1).lower()[:3]] for m in _MONTH.finditer(text))


MONTH_NUMBERS = {name[:3]: i + 1 for i, name in enumerate(MONTH_NAMES)}


def years_in(text: str) -> frozenset[int]:
    """Years a text names: "2017/18" -> {2017, 2018}, "by 2025" -> {2025}."""
    years: set[int] = set()
    for match in _YEAR.finditer(text):
        first = int(match.group(1))
        years.add(first)
        if match.group(2):
            years.add(first // 100 * 100 + int(match.group(2)))
    return frozenset(years)


# --- what kind of answer a question wants --------------------------------------------------------

AnswerKind = Literal[
    "number",
    "rate",
    "money",
    "count",
    "date",
    "place",
    "title",
    "succession",
    "name",
    "grade",
    "duration",
    "frequency",
    "forecast",
]

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
# "What did Alison Michalska say about…?", "did Rick Hood comment on…": a person's own words.
_PERSON = r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?"
_SPEAKER_ASKED = re.compile(
    rf"\b(?:did|does|has|have|do)\s+({_PERSON})\s+(?:say|said|think|thought|comment|commented|argue"
    r"|warn|make of|respond|mention|write|wrote|talk)\b"
    rf"|\b(?:what|how) (?:was|is) ({_PERSON})'s (?:view|reaction|response|comment|opinion)\b"
)
# Said, warned, found …: how an article reports someone's words (drafting.py cuts them out of quotes).
SAYING_VERBS = (
    r"(?:said|says|saying|added|adds|stated|states|concluded|concludes|explained|explains|noted|notes|"
    r"warned|warns|reported|reports|wrote|writes|continued|continues|found|finds|told|tells|argued|"
    r"argues|commented|called for)"
)


def asked_speaker(question: str) -> str | None:
    """The person whose words a question asks for ("what did Alison Michalska say…" -> "Alison
    Michalska"); None when it asks for no one's words, or for an organisation's ("did Ofsted say")."""
    match = _SPEAKER_ASKED.search(question)
    if match is None:
        return None
    person = match.group(1) or match.group(2)
    if person.split()[0] in _NOT_A_PERSON:
        return None
    return person


_NOT_A_PERSON = frozenset(["Ofsted", "It", "They", "He", "She", "We", "You", "I", "The"])


def quotes_speaker(claim: str, person: str) -> bool:
    """Whether the claim reports the person's own words: their surname near a verb of saying."""
    surname = re.escape(person.split()[-1])
    return bool(
        re.search(
            rf"\b{surname}\b[^.]{{0,120}}\b{SAYING_VERBS}\b|\b{SAYING_VERBS}\b[^.]{{0,40}}\b{surname}\b",
            claim,
        )
    )


# "how much" asking for an amount opens its clause ("so how much did…"); "the link between how
# much councils spend and…" and "does how much a council spends predict…?" ask something else.
_HOW_MUCH = (
    r"^\W*(?!(?:does|do|did|is|are|was|were|can|could|has|have|will|would|should)\b)"
    r"(?:\w+\W+){0,2}?how much\b"
)
_MONEY = re.compile(
    _HOW_MUCH + r".*\b(?:cost|costs|spend|spends|spent|spending|budget|pay|paid"
    r"|salary|fee|fees|worth|money|cash|funding)\b"
    r"|\b(?:what|which) (?:is|was|are|were)? ?(?:the |its |their )?(?:average |total |annual |mean )?"
    # the money word is the thing asked ("what budget does…", "the cost of…"), not a word that
    # qualifies another ("what budget pressures…" asks about pressures)
    r"(?:cost|budget|salary|fee|spend|spending)\b(?=\s*(?:[?.!,;]|$)|\s+(?:of|for|in|on|at|is|was|are|were"
    r"|does|do|did|has|have|per|to|that|this|last|next|now|and|or|by|from|with)\b)"
    r"|\bin pounds\b|\bhow many pounds\b",
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
_DATE = re.compile(
    # "When inspectors looked at X, what did they find?": the opening clause says when, the
    # question after the comma asks what
    r"^\W*when\b(?![^?]*,\s*(?:what|how|who|which|why|did|do|does|is|are|was|were|has|have|can|could)\b)"
    rf"|{_ASKING}when (?:was|is|did|does|will|were|are|do|has|have)\b"
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
_PLACE_ASKED = re.compile(
    r"\b(?:which|what) (?:local authority|la|council|authority|area|place|town|city|county|borough"
    r"|region)\b"
    # "which councils had …" asks for their names; "which councils will struggle" may be a kind
    r"|\bwhich (?:las|councils|local authorities|authorities|areas|towns|cities)"
    r" (?:had|got|were|received|was)\b"
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
# The grades a question names; "good" is left out, being everyday English ("is there good news?").
_GRADE_NAMED = re.compile(r"\b(?:outstanding|requires? improvement|ri|inadequate)\b", re.IGNORECASE)


def grades_named(question: str) -> tuple[str, ...]:
    """The Ofsted grades a question names ("were RI or inadequate?" -> ("RI", "inadequate"))."""
    return tuple(dict.fromkeys(m.group(0) for m in _GRADE_NAMED.finditer(question)))


_GRADE_EVIDENCE = re.compile(rf"\bgood\b|{_GRADE_NAMED.pattern}", re.IGNORECASE)
# A question about what will happen: only a fact that looks ahead ("by 2020", "likely to grow")
# answers it; a figure for today is not a forecast.
_FORECAST = re.compile(
    r"\b(?:next (?:year|few years|decade)|in (?:the )?(?:future|years to come|coming years)|forecasts?"
    r"|forecast(?:ed|ing)|predictions?|projected|projections?"
    r"|going to (?:be|rise|fall|grow|change)"
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
# A capitalised word inside a sentence, not one that starts it: a person, place or organisation
# ("Northamptonshire", "Spielman"). The index uses it too, for names the knowledge never mentions.
MID_SENTENCE_CAPITAL = r"(?<![.?!:;\-–—(\"'‘“]\s)(?<=\s)[A-Z][a-z][A-Za-z]*"
_NAME_EVIDENCE = re.compile(MID_SENTENCE_CAPITAL)


# How each kind is asked, in order: the first that matches names the kind ("how many weeks" is
# a duration before it is a count).
_KIND_ASKED: tuple[tuple[AnswerKind, re.Pattern[str]], ...] = (
    ("number", _NUMBER_NOT_SHARE),
    ("rate", _RATE),
    ("money", _MONEY),
    ("place", _PLACE_ASKED),
    ("title", _TITLE_ASKED),
    ("succession", _SUCCESSION_ASKED),
    ("name", _NAME_ASKED),
    ("grade", _GRADE_ASKED),
    ("date", _DATE),
    ("duration", _DURATION),
    ("frequency", _FREQUENCY),
    ("forecast", _FORECAST),
    ("count", _COUNT),
)
# What in a fact's claim gives each kind that its figures do not tell.
_KIND_EVIDENCE: dict[AnswerKind, re.Pattern[str]] = {
    "count": _QUANTITY_EVIDENCE,
    "rate": _RATE,
    "title": _TITLE_EVIDENCE,
    "succession": _SUCCESSION_EVIDENCE,
    "date": _DATE_EVIDENCE,
    "name": _NAME_EVIDENCE,
    "grade": _GRADE_EVIDENCE,
    "duration": _DURATION_EVIDENCE,
    "frequency": _FREQUENCY_EVIDENCE,
    "forecast": _FORECAST_EVIDENCE,
}


def asked_answer_kind(question: str) -> AnswerKind | None:
    """What kind of answer a question wants, when it names one: a count rather than a share, a rate
    ("per 10,000"), an amount of money, a name ("which council…", "who said…"), a title, who came
    before or after someone, a grade, a date, a duration or frequency ("how often…"), a forecast
    ("what will … be next year?") or a figure."""
    question = asking_sentences(question)
    return next((kind for kind, asked in _KIND_ASKED if asked.search(question)), None)


def gives_answer_kind(
    kind: AnswerKind,
    claim: str,
    has_figure: bool,
    has_money: bool,
    has_count: bool = False,
    names_place: bool = False,
) -> bool:
    """Whether a fact's claim (statement and quote) holds that kind of answer; ``has_count``: it
    states a figure that is neither a share nor money; ``names_place``: it names a council area."""
    if kind == "place":
        return names_place
    if kind == "number":
        return has_count
    if kind == "money":
        return has_money
    if kind == "count" and has_figure:
        return True
    return bool(_KIND_EVIDENCE[kind].search(claim))
