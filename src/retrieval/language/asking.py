"""What a question asks, beyond its topic: the thing a figure question counts ("how many social
workers" -> "social workers"), the period it names (a year, "now"), and the kind of answer it
wants is in ``answer_kinds``; the grades and other services it names, whose words it asks for.
``matching/decline_rules`` declines a match that answers a different question.
"""

from __future__ import annotations

import re
from importlib import resources

import yaml

from retrieval.language.textnorm import MONTH_NAMES, SAYING_VERBS
from retrieval.language.wording import english_zipf

# --- what a figure question counts, and when -----------------------------------------------------

_COUNT_PHRASE = re.compile(
    # "% of" has no word boundary before it
    r"(?:\b(?:how many|how much|(?:the |total )?numbers? of|no\.? of|proportion of|percentage of|share of"
    r"|fraction of|count of|rate of|ratio of)|%\s*of)"
    r"\s+(?:the |all |of |those |these |our |english |england's )*"
    r"(?P<phrase>[a-z][a-z'’\-]*(?:\s+[a-z][a-z'’\-]*){0,4})",
    re.IGNORECASE,
)
# Words that end the thing counted without being a noun of it: auxiliaries, prepositions and
# conjunctions (``function_words``), verbs, subjects (phrase_words.yaml, beside this module).
_PHRASE_WORDS: dict[str, list[str]] = yaml.safe_load(
    resources.files("retrieval.language").joinpath("phrase_words.yaml").read_text(encoding="utf-8")
)
_AUXILIARY_OR_FUNCTION_WORDS = frozenset(_PHRASE_WORDS["function_words"])
# Where the thing counted ends: those words, or a verb.
PHRASE_END_WORDS = frozenset(word for words in _PHRASE_WORDS.values() for word in words)


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
# "I'm a virtual school head …", "locum TM here …". Only the acronym is case-sensitive.
_I_AM_A = r"\b(?i:i'?m|i am|we'?re|we are|as)\s+(?i:an?|the|one of the)\s+"
_ACRONYM_ROLE = r"[A-Z]{2,}s?\b"
_ASKER_ROLE = re.compile(
    rf"{_I_AM_A}(?:[a-z]+\s+){{0,2}}?{_ACRONYM_ROLE}"
    rf"|{_I_AM_A}(?:[\w'-]+\s+){{0,3}}?{_ROLE_NOUN}\b"
    rf"|^\W*(?:[\w'-]+\s+){{0,2}}?{_ROLE_NOUN}\s+(?i:here)\b"
    rf"|\b(?i:our|my)\s+{_ACRONYM_ROLE}(?=\s+(?i:team|service|colleagues|group|forum|network)\b)"
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


# "What are JTAIs?", "what does ILACS stand for?", "sorry if this is basic but what does JTAI
# mean?", "define SIF": a term to define, answered by the fact that spells it out ("joint
# targeted area inspections (JTAIs)"). The question may open with context; the term ends it.
_DEFINITION = re.compile(
    r"(?:^|[,;:.!?(\-–—]\s*|\b(?:but|so|and|just|quick(?:ly)?|remind me|tell me)\s+)\W*"
    r"(?:what(?:'s|\s+is|\s+are|\s+does|\s+do)\s+(?:an?\s+|the\s+)?(?P<term>[A-Za-z]{2,10}?)s?"
    r"(?:\s+(?:stand\s+for|mean|short\s+for|an?\s+(?:acronym|abbreviation)\s+for))?"
    r"|(?:define|meaning of|definition of)\s+(?:an?\s+|the\s+)?(?P<defined>[A-Za-z]{2,10}?)s?)"
    r"\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def defined_term(question: str) -> str | None:
    """The one word a question asks to have defined ("What are JTAIs?" -> "JTAI"), or None."""
    match = _DEFINITION.search(question)
    return (match.group("term") or match.group("defined")) if match else None


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


# --- whose words a question asks for ----------------------------------------------------------

# "What did Alison Michalska say about…?", "did Rick Hood comment on…": a person's own words.
_PERSON = r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?"
_SPEAKER_ASKED = re.compile(
    rf"\b(?:did|does|has|have|do)\s+({_PERSON})\s+(?:say|said|think|thought|comment|commented|argue"
    r"|warn|make of|respond|mention|write|wrote|talk)\b"
    rf"|\b(?:what|how) (?:was|is) ({_PERSON})'s (?:view|reaction|response|comment|opinion)\b"
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


# The grades a question names; "good" is left out, being everyday English ("is there good news?").
GRADE_NAMED = re.compile(r"\b(?:outstanding|requires? improvement|ri|inadequate)\b", re.IGNORECASE)


def grades_named(question: str) -> tuple[str, ...]:
    """The Ofsted grades a question names ("were RI or inadequate?" -> ("RI", "inadequate"))."""
    return tuple(dict.fromkeys(m.group(0) for m in GRADE_NAMED.finditer(question)))
