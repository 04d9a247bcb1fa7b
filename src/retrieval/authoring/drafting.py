"""Drafting facts from a new article (``ofsted-bot knowledge draft``).

``draft_article`` takes the article's sentences and bullets (``sentences.py``) and proposes one
fact per sentence that states a figure or a finding; every quote is a span of the text, so it
passes ``verify_quote`` by construction. It flags a fact that restates one in the knowledge and
proposes related facts. ``render_draft`` writes the YAML, with every fact marked ``draft: true``
until a person has reviewed it. Reading the article lives in ``article.py``, cutting a sentence's
quote and statement in ``quote_cutting.py``, how much of each source the facts cover in
``coverage.py``; their names are re-exported here. Pure: no printing, no Slack; the CLI does the I/O.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from retrieval.authoring.article import (
    MAX_INPUT_BYTES,
    Article,
    DraftInputError,
    read_article,
    strip_furniture,
)
from retrieval.authoring.coverage import SourceCoverage, coverage, locate_quote
from retrieval.authoring.draft_figures import (
    PHRASE_STOP_WORDS,
    DraftFigure,
    counted_figures,
    read_figures,
)
from retrieval.authoring.draft_questions import STEMMER, TagModel, _stems, slug
from retrieval.authoring.periods_and_regions import period_mentions
from retrieval.authoring.quote_cutting import propose_statement, quote_span
from retrieval.authoring.sentences import TextUnit, clean_quote, has_verb, split_units
from retrieval.knowledge.fact_checks import verify_quote
from retrieval.knowledge.figures import FigureSpan
from retrieval.knowledge.schema import Figure, Knowledge, Source
from retrieval.language.textnorm import fold_for_match

MAX_RELATED = 3
# Two measures are the same thing when this share of their content words (stemmed) is shared.
SAME_MEASURE_JACCARD = 0.75
# A proposed tag is kept only when the sentence has this many words that mark it (words of the
# tag's facts that few other tags' facts use), or the tag's own name.
TAG_EVIDENCE_WORDS = 2


# --- duplicates and related facts -------------------------------------------------------------


def _measure_words(measure: str, synonyms: Mapping[str, str]) -> set[str]:
    words: list[str] = []
    for w in re.findall(r"[a-z]+", measure.lower()):
        words.extend(synonyms.get(w, w).lower().split())
    return {s for s in STEMMER.stemWords([w for w in words if w not in PHRASE_STOP_WORDS])}


def _same_kind(a_unit: str | None, a_value: float, b_unit: str | None, b_value: float) -> bool:
    def kind(unit: str | None, value: float) -> str:
        if unit == "%" or (unit is None and 0 < value < 1):
            return "share"
        return (unit or "").lower()

    return kind(a_unit, a_value) == kind(b_unit, b_value)


def _measure_match(a: str, b: str, synonyms: Mapping[str, str]) -> float:
    """How far two measures name the same thing: 0, or the Jaccard of their content words when
    they share nearly all of them ("children" and "children's homes" are two things)."""
    wa, wb = _measure_words(a, synonyms), _measure_words(b, synonyms)
    if not wa or not wb:
        return 0.0
    jaccard = len(wa & wb) / len(wa | wb)
    return jaccard if jaccard >= SAME_MEASURE_JACCARD else 0.0


def _folded(s: str) -> str:
    return fold_for_match(s).lower().strip(" .,;:\"'")


def _same_edition(a: Source, b: Source) -> bool:
    """The same release: the same report as named. A year is not an edition: two releases of
    one year (a main-findings page and a data release) are two editions."""
    return fold_for_match(a.report).lower() == fold_for_match(b.report).lower()


def _same_period(mine: DraftFigure, source: Source, theirs: Figure, other: Source) -> bool:
    """Whether two figures are for the same date or period: their stated periods when both state
    one, else (one states none, so it is its release's own) the same release."""
    if mine.period and theirs.period:
        return _folded(mine.period) == _folded(theirs.period)
    return _same_edition(source, other)


# --- the draft --------------------------------------------------------------------------------


@dataclass
class DraftFact:
    id: str
    quote: str
    statement: str
    figures: list[DraftFigure]
    tags: list[str]
    # None proposed: questions are generated from the fields when the knowledge is indexed
    # (generated_questions.py); the admin adds their own, if any
    questions: list[str] = field(default_factory=list)
    page: int | None = None  # the PDF page the quote is on
    related: list[str] = field(default_factory=list)
    duplicate_of: list[tuple[str, str]] = field(default_factory=list)  # (fact id, why)
    related_back: list[str] = field(default_factory=list)  # existing facts to link back to this one

    def to_yaml_dict(self, source_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "draft": True,
            "source": source_id,
            "statement": self.statement,
            "quote": self.quote,
        }
        if self.page is not None:
            out["page"] = self.page
        if self.figures:
            out["figures"] = [f.to_yaml_dict() for f in self.figures]
        out["tags"] = self.tags
        if self.questions:
            out["questions"] = self.questions
        if self.related:
            out["related"] = self.related
        return out


@dataclass
class Draft:
    source: Source
    text: str
    facts: list[DraftFact]


def _is_finding(quote: str, unit: TextUnit, figures: Sequence[FigureSpan]) -> bool:
    """A sentence or bullet that states something: a clause with a verb ("2,145 homes were
    open"), or a bullet that completes its list's lead-in ("… are:"); never a fragment
    ("inspection outcomes"), a heading or a note (kind "note": captions, links, contents)."""
    if unit.kind not in ("sentence", "bullet"):
        return False
    words = quote.split()
    if len(words) < (2 if figures else 5):
        return False
    # A whole sentence of eight words or more is a clause even when its verb is not one the
    # verb list knows ("The North West accounts for a quarter of all homes.").
    ends = quote.rstrip("”’\"')").endswith((".", "!", "?"))
    whole_sentence = unit.kind == "sentence" and len(words) >= 8 and ends
    return unit.introduced or whole_sentence or has_verb(quote) or _names_a_publication(quote)


# "The Annual Report of Her Majesty’s Chief Inspector of … 2017/18": a line that is the full
# name of a publication says which edition the article is about (a fact people ask for).
_PUBLICATION_WORD = re.compile(r"\b(?:Report|Review|Statistics|Survey|Bulletin|Release|Inquiry)\b")


def _names_a_publication(line: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z’'-]*", line) if len(w) > 3]
    capitalised = sum(w[0].isupper() for w in words)
    return len(words) >= 5 and capitalised >= 0.7 * len(words) and bool(_PUBLICATION_WORD.search(line))


def _tag_evidence(tags: TagModel) -> dict[str, frozenset[str]]:
    """For each tag, the words that mark it: words of its facts that few other tags' facts use
    ("joint", "targeted" for jtai), and the words of its own name."""
    tag_count: dict[str, int] = {}
    for vec in tags.weights.values():
        for w in vec:
            tag_count[w] = tag_count.get(w, 0) + 1
    rare = max(2, len(tags.weights) // 8)
    return {
        tag: frozenset(w for w in vec if tag_count[w] <= rare) | frozenset(_stems(tag.replace("-", " ")))
        for tag, vec in tags.weights.items()
    }


def _supported_tags(proposed: Sequence[str], quote: str, evidence: Mapping[str, frozenset[str]]) -> list[str]:
    """The proposed tags the sentence's own words support: its tag's name, or two words that
    mark it. A tag proposed from one shared common word ("homes", "run") is dropped."""
    words = set(_stems(quote))
    # Every word, stop words too, for the tag's name ("struggling to improve" is improvement).
    every = set(STEMMER.stemWords(re.findall(r"[a-z]+", quote.lower())))
    kept = []
    for tag in proposed:
        name = STEMMER.stemWords(tag.split("-"))
        # "judged" supports judgements: the word's stem begins the name's.
        named = all(any(n.startswith(w) and len(w) >= 4 for w in every) for n in name)
        if named or len(words & evidence.get(tag, frozenset())) >= TAG_EVIDENCE_WORDS:
            kept.append(tag)
    return kept


def _fact_id(source_id: str, statement: str, taken: set[str]) -> str:
    """The source's id and the statement's first content words: unique against the knowledge,
    this draft and any other source's draft (``slug`` numbers repeats)."""
    words = slug(statement, set())
    base = f"{source_id}-{words}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def draft_article(
    text: str,
    source: Source,
    knowledge: Knowledge | None,
    page_starts: Sequence[int] | None = None,
) -> Draft:
    """One draft fact per sentence or bullet of ``text`` that states a figure or a finding.
    ``page_starts`` (for a PDF: where each page starts in ``text``) gives each fact its page."""
    synonyms = dict(knowledge.synonyms) if knowledge else {}
    existing = list(knowledge.facts) if knowledge else []
    tags = TagModel.of(existing)
    evidence = _tag_evidence(tags)
    taken = {f.id for f in existing}
    facts: list[DraftFact] = []
    block_figures: dict[int, list[DraftFigure]] = {}
    # The period the latest sentence of each paragraph stated: for figures whose sentence states none.
    block_period: dict[int, str] = {}
    skip = {source.title.strip()} | ({source.standfirst.strip()} if source.standfirst else set())
    for unit in split_units(text):
        stated = period_mentions(unit.text_in(text))
        context_period = block_period.get(unit.block)
        if stated:
            block_period[unit.block] = stated[-1].label
        if unit.kind not in ("sentence", "bullet") or unit.text_in(text).strip() in skip:
            continue
        span = quote_span(text, unit)
        if span is None:
            continue
        quote = clean_quote(text[span[0] : span[1]])
        spans = counted_figures(quote)
        if not _is_finding(quote, unit, spans) or not verify_quote(quote, text):
            continue
        context = block_figures.setdefault(unit.block, [])
        figures = read_figures(text, span, context, synonyms, context_period)
        context.extend(figures)
        statement = propose_statement(quote)
        draft = DraftFact(
            id=_fact_id(source.id, statement, taken),
            quote=quote,
            statement=statement,
            figures=figures,
            tags=_supported_tags(tags.propose(quote), quote, evidence),
            page=bisect.bisect_right(page_starts, span[0]) if page_starts else None,
        )
        if knowledge:
            _compare_with_knowledge(draft, source, knowledge, synonyms)
        facts.append(draft)
    return Draft(source=source, text=text, facts=facts)


def _compare_with_knowledge(
    draft: DraftFact, source: Source, knowledge: Knowledge, synonyms: Mapping[str, str]
) -> None:
    """Flag restatements of existing facts (the same quote, or the same figure of the same
    measure for the same date or period); propose ``related`` for the same measure at another
    date or period (both ways: the existing fact must link back too)."""
    mine = _folded(draft.quote)
    related: list[tuple[float, str]] = []
    for fact in knowledge.facts:
        theirs = _folded(fact.quote)
        if mine == theirs:
            draft.duplicate_of.append((fact.id, "same quote"))
            continue
        if len(mine) > 20 and len(theirs) > 20 and (mine in theirs or theirs in mine):
            draft.duplicate_of.append((fact.id, "the quotes overlap"))
            continue
        other_source = knowledge.source_of(fact)
        best = 0.0
        same_figure = False
        for a in draft.figures:
            for b in fact.figures:
                if not _same_kind(a.unit, a.value, b.unit, b.value):
                    continue
                match = _measure_match(a.measure, b.measure, synonyms)
                if not match:
                    continue
                if _same_period(a, source, b, other_source):
                    same_figure = same_figure or math.isclose(a.value, b.value, rel_tol=1e-3, abs_tol=1e-3)
                else:
                    best = max(best, match)
        if same_figure:
            draft.duplicate_of.append((fact.id, "same figure and measure, same date or period"))
        elif best:
            related.append((best, fact.id))
    draft.related = [fid for _, fid in sorted(related, reverse=True)[:MAX_RELATED]]
    draft.related_back = list(draft.related)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if value is None:
        return "null"
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(str(value), ensure_ascii=False)


def render_draft(draft: Draft, made_from: str, fact_files: Mapping[str, str] | None = None) -> str:
    """The draft as a YAML file, with comments saying what to check."""
    s = draft.source
    lines = [
        f"# Draft made by `ofsted-bot knowledge draft` from {made_from}.",
        "# Every fact is marked `draft: true`: `knowledge check` refuses this file until each one is",
        '# reviewed (checklist: knowledge/README.md, "Adding a new article with `knowledge draft`")',
        "# and its `draft: true` line deleted. Try it before that with",
        '#   ofsted-bot knowledge try THIS-FILE "a question"',
        "# No example questions are needed: each fact is found by questions generated from its",
        "# statement and figures (see them with `ofsted-bot knowledge questions FACT-ID THIS-FILE`);",
        "# add a `questions:` list to a fact only for ways of asking those miss.",
        f"# The article's text is saved beside this file as {s.text_file}: move it to",
        f"# knowledge/{s.text_file} together with this file.",
        "sources:",
        f"  - id: {s.id}",
        f"    publisher: {_scalar(s.publisher)}",
        f"    title: {_scalar(s.title)}",
    ]
    if s.standfirst:
        lines.append(f"    standfirst: {_scalar(s.standfirst)}")
    lines.append(f"    published: {s.published.isoformat() if s.published else 'null'}")
    if s.published is None:
        lines.append(
            "    # No date found: give it, or keep null and add a date_note saying what the text establishes."
        )
    if s.updated:
        lines.append(f"    updated: {s.updated.isoformat()}")
    if s.date_note:
        lines.append(f"    date_note: {_scalar(s.date_note)}")
    lines.append(f"    url: {_scalar(s.url)}")
    lines.append(f"    report: {_scalar(s.report)}")
    if s.report_year is not None:
        lines.append(f"    report_year: {s.report_year}")
    lines.append(f"    text_file: {s.text_file}")
    lines.append("")
    lines.append("facts:" if draft.facts else "facts: []")
    for fact in draft.facts:
        for fid, why in fact.duplicate_of:
            lines.append(f"  # DUPLICATE of fact '{fid}' ({why}): delete this fact unless it adds to it.")
        for fid in fact.related_back:
            where = f" ({fact_files[fid]})" if fact_files and fid in fact_files else ""
            lines.append(f"  # related: also add '{fact.id}' to the related list of '{fid}'{where}.")
        data = fact.to_yaml_dict(s.id)
        lines.append(f"  - id: {data.pop('id')}")
        for key, value in data.items():
            if key == "figures":
                lines.append("    figures:")
                for fig in value:
                    inner = ", ".join(f"{k}: {_scalar(v)}" for k, v in fig.items())
                    lines.append(f"      - {{{inner}}}")
            elif key == "questions":
                lines.append("    questions:")
                lines.extend(f"      - {_scalar(q)}" for q in value)
            elif isinstance(value, list):
                lines.append(f"    {key}: [{', '.join(value)}]")
            else:
                lines.append(f"    {key}: {_scalar(value)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


__all__ = [
    "MAX_INPUT_BYTES",
    "Article",
    "Draft",
    "DraftFact",
    "DraftFigure",
    "DraftInputError",
    "SourceCoverage",
    "TextUnit",
    "clean_quote",
    "coverage",
    "draft_article",
    "locate_quote",
    "propose_statement",
    "quote_span",
    "read_article",
    "read_figures",
    "render_draft",
    "split_units",
    "strip_furniture",
]
