"""Overview questions — "what are the main findings?", "tl;dr?", "summarise the report" — have no
topic to match: they are answered with the headline findings of the newest report edition (or
of the edition a question names). The rule, for any knowledge: a news article and a statistics
release both lead with their main findings, so the headlines are the facts each of the edition's
sources states first, taken in turn from each source, one per piece of evidence (``same_evidence``),
facts with a figure first, at most ``MAX_HEADLINES``.
"""

from __future__ import annotations

import re

from retrieval.knowledge.schema import Fact, Source
from retrieval.language.asking import PREVIOUS_EDITION, years_in
from retrieval.language.lexical import tokenize
from retrieval.matching.index import FactIndex

MAX_HEADLINES = 5

_OVERVIEW = re.compile(
    r"\b(?:main|key|top|headline|big|biggest|major|important|notable|core|general)\s+"
    r"(?:findings?|points?|messages?|takeaways?|facts?|figures?|stats?|statistics|themes?|issues?"
    r"|conclusions?|results?|numbers?|bits?)\b"
    r"|\btl\W{0,2}dr\b|\bheadlines?\b|\bnutshell\b|\bgist\b|\bhighlights?\b"
    r"|\bwhat(?:'s| is) in (?:the|this|ofsted'?s?) (?:\w+ ){0,2}report\b"
    # a summary or overview of the report ("summarise it", not "a good case summary")
    r"|\b(?:summ(?:ary|aris\w*|ariz\w*)|overview)\b(?=.*\b(?:report|it|this|that|article|piece|findings"
    r"|ofsted)\b)|\b(?:report|article|piece|findings)\b.*\bsumm(?:ary|aris\w*|ariz\w*)\b",
    re.IGNORECASE,
)
# "what does the report say?" asks for an overview only when it is all that is asked
_WHAT_IT_SAYS = re.compile(
    r"^\W*what does (?:the|this) (?:\w+ ){0,2}report (?:say|find|show|conclude)\W*$", re.IGNORECASE
)
# The words an overview question is made of; anything else is a topic ("key findings on neglect"
# asks about neglect, and is matched like any question).
_OVERVIEW_WORDS = frozenset(
    tokenize(
        "main key top headline headlines big biggest major important notable core general findings"
        " finding points point messages takeaways facts figures stats statistics themes issues"
        " conclusions results numbers bits summary summarise summarize summarising tl dr nutshell"
        " overview gist highlights report reports ofsted annual latest new newest recent say says"
        " find found show shows conclude give tell quick brief briefly short bullet bullets few"
        " couple list edition year previous last earlier older please thanks pls plz"
    )
)


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# A word that a fifth or more of the facts use is the report's own subject ("councils",
# "children's services"), not a topic within it.
SUBJECT_SHARE = 0.2


def asks_overview(index: FactIndex, question: str) -> bool:
    """Whether a question asks for the report's main findings, with no topic of its own: none of
    its other words is one that only some facts use ("key findings on neglect" has one). Words the
    knowledge never uses ("for my supervision notes", "2 mins before my mtg") are context, as are
    the sentences around the one that asks ("I'm new here. Could you summarise the report?")."""
    if _WHAT_IT_SAYS.match(question):
        return True
    facts = max(len(index.claim_tokens), 1)
    unknown_names = set(index.query_terms(question).unknown_names)

    def is_topic(token: str) -> bool:
        # a name the reports never use ("the Munro review") is a topic too: theirs to decline
        share = sum(1 for claim in index.claim_tokens if token in claim) / facts
        if token in unknown_names:
            return True
        return token not in _OVERVIEW_WORDS and not token.isdigit() and 0 < share < SUBJECT_SHARE

    asking = [s for s in _SENTENCE.split(question) if _OVERVIEW.search(s)]
    return any(not any(is_topic(token) for token in tokenize(sentence)) for sentence in asking)


def sources_asked(index: FactIndex, question: str) -> tuple[str, list[Source]]:
    """The sources an overview question is about, and how to call them: a publisher's named in
    it ("the Community Care piece"), else the edition it names (a year of it, "last year's
    report"), else the newest edition's."""
    sources = sorted(index.knowledge.sources, key=lambda s: -(s.report_year or 0))
    if not sources:
        return "", []
    low = question.lower()
    named = [s for s in sources if s.publisher.lower() in low]
    if named:
        return f"{named[0].publisher}'s {named[0].title}", [s for s in named if s.id == named[0].id]
    years = years_in(question)
    report = sources[0].report
    if years:
        # an edition is named by the year its period ends: "2017/18" is report_year 2018
        ends = {max(years)} if len(years) == 2 and max(years) - min(years) == 1 else years
        in_year = [s for s in sources if s.report_year in ends]
        if not in_year:
            return "", []  # an edition the knowledge does not have
        report = in_year[0].report
    elif PREVIOUS_EDITION.search(question) and (older := [s for s in sources if s.report != report]):
        report = older[0].report
    return report, [s for s in sources if s.report == report]


def _first_stated(fact: Fact, text: str) -> int:
    found = text.find(fact.quote[:80])
    return found if found >= 0 else len(text)


def headline_facts(index: FactIndex, sources: list[Source]) -> list[int]:
    """The positions of the sources' headline facts (the module's rule), in the order shown."""
    knowledge = index.knowledge
    sources = sorted(
        sources, key=lambda s: (s.published is None, -(s.published.toordinal() if s.published else 0))
    )
    queues: list[list[int]] = []
    for source in sources:
        text = knowledge.source_texts.get(source.id, "")
        own = [i for i, f in enumerate(index.facts) if f.source == source.id]
        # each source's facts in the order it states them, those with a figure first
        own.sort(key=lambda i: (not index.facts[i].figures, _first_stated(index.facts[i], text)))
        queues.append(own)
    chosen: list[int] = []
    while len(chosen) < MAX_HEADLINES and any(queues):
        for queue in queues:
            while queue:
                position = queue.pop(0)
                if not any(position in index.same_evidence[c] for c in chosen):
                    chosen.append(position)
                    break
            if len(chosen) == MAX_HEADLINES:
                break
    return chosen


def other_editions_hint(index: FactIndex, sources: list[Source]) -> str:
    """How to ask for another edition's findings, when the knowledge has another."""
    shown = {s.report for s in sources}
    others = [r for r in index.knowledge.reports if r not in shown]
    if not others:
        return ""
    label = re.sub(r"\s*\([^)]*\)", "", others[0])
    return f" (for {label}, ask for its main findings)"
