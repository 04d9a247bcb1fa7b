"""An article's text cut into the sentences and bullets a fact may quote.

``split_units`` marks each line's kind, telling a finding's sentence or bullet from the lines
around it that are not findings (headings, datelines, captions, "This release contains:" lists,
"For more information" links); ``sentence_spans`` cuts one paragraph into sentences; ``has_verb``
tells a clause from a fragment; ``clean_quote`` writes a quote as the YAML holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from retrieval.language.textnorm import SAYING_VERBS

# "note": a line that is about the page, not a finding: a caption ("Figure 1: …"), a pointer
# ("For more information, visit …"), a line introducing a list ("… are:"), the list of what a
# release contains.
UnitKind = Literal["sentence", "bullet", "heading", "dateline", "note"]
_BULLET = re.compile(r"^\s*(?:[-*•●▪◦·–—]|\d{1,2}[.)])\s+")
# "Published 7 July 2022", "Last updated …": a dateline (article.py reads its date).
_DATELINE = re.compile(r"^(?:last\s+)?(?:published|posted|updated)(?:\s+on)?\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]+[\"”’']*(?=\s+[\"“‘']?[A-Z0-9£])")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "no", "e.g", "i.e", "etc", "vs", "prof", "cllr", "rev"}
_DOUBLE_QUOTES = '"“”„‟'

# "Figure 1: …", "Table 2. …", "Source: …", "Notes: …": a caption or a note under a chart.
_CAPTION = re.compile(
    r"^(?:figure|fig\.|table|chart|graph|map|diagram|source|sources|note|notes)\s*(?:\d+[a-z]?)?\s*[:.–—-]\s",
    re.IGNORECASE,
)
# "For more information, visit …", "Find out more …", "See the …": where to read on.
_POINTER = re.compile(
    r"^(?:for (?:more|further) (?:information|detail|details|data)|(?:find|read) (?:out )?more|"
    r"please (?:see|visit|refer|read|contact|note)\b|"
    r"more (?:information|detail)|see (?:also|the|our|annex|appendix|section)|visit\b|download\b|"
    r"view (?:the|our)\b|contact\b|enquiries\b|you can (?:find|read|see|view|download))",
    re.IGNORECASE,
)
# The page describing itself: "This release contains:", "This report covers …", "In this release".
_ABOUT_THE_PAGE = re.compile(
    r"^(?:(?:this|the following)\s+(?:statistical\s+|official\s+)?(?:release|report|publication|"
    r"document|page|bulletin|update|section|chapter|collection|guidance|statistics|data(?:set)?|"
    r"summary)\s+(?:also\s+)?(?:contains?|covers?|includes?|provides?|presents?|sets? out|"
    r"summari[sz]es?|describes?|brings? together|is about|looks? at)\b|in this (?:release|report|"
    r"publication|document|section|page)\b|contents\b)",
    re.IGNORECASE,
)

# Words that make a clause of a line: a finding has a subject and a verb ("2,145 homes were
# open"); a fragment has none ("inspection outcomes", "Summary"). Forms that are as often nouns
# ("need", "needs", "increase", "lives") are left out; the regular past ends in -ed.
_FINITE_VERBS = frozenset([
    "is", "are", "was", "were", "be", "been", "am", "has", "have", "had", "will", "would", "can",
    "could", "should", "may", "might", "must", "shall", "do", "does", "did", "isn't", "aren't",
    "wasn't", "weren't", "hasn't", "haven't", "won't", "can't", "don't", "doesn't", "didn't",
    "there's", "it's", "rose", "fell", "grew", "grows", "saw", "sees", "made", "makes", "took",
    "takes", "gave", "gives", "became", "becomes", "went", "goes", "came", "comes", "told", "meant",
    "means", "showed", "shows", "shown", "met", "left", "kept", "keeps", "held", "led", "won",
    "lost", "spent", "spends", "paid", "pays", "brought", "began", "begins", "ran", "stood",
    "remain", "remains", "continue", "continues", "include", "includes", "require", "requires",
    "suggest", "suggests", "indicate", "indicates", "represent", "represents", "provide",
    "provides", "receive", "receives", "improve", "improves", "struggle", "struggles", "relate",
    "relates", "monitors", "carries", "helps", "affect", "affects", "outlines", "warn", "warns",
    "conclude", "concludes", "highlights", "demonstrate", "demonstrates", "stays", "exist",
    "exists", "happen", "happens", "occur", "occurs", "apply", "applies", "contain", "contains",
    "reaches", "employ", "employs", "find", "finds", "get", "gets", "keep", "know", "knows",
    "think", "thinks", "seem", "seems", "appear", "appears", "say", "says", "want", "wants",
    "operate", "operates", "serve", "serves",
])  # fmt: skip
_SUBJECT_PRONOUNS = frozenset(["i", "we", "they", "you", "he", "she", "it", "who"])
# Words ending in -ed that are not a verb's past.
_NOT_PAST = frozenset(
    ["need", "hundred", "indeed", "speed", "red", "bed", "seed", "feed", "shed", "breed", "greed"]
)


def has_verb(text: str) -> bool:
    """Whether a line reads as a clause (it has a verb), not a fragment such as a heading or a
    list item ("inspection outcomes")."""
    words = [w.lower().strip("’'") for w in re.findall(r"[A-Za-z][A-Za-z’'-]*", text)]
    if re.search(rf"\b{SAYING_VERBS}\b", text, re.IGNORECASE):
        return True
    return any(
        w in _FINITE_VERBS
        or (i > 0 and len(w) > 4 and w.endswith("ed") and w not in _NOT_PAST)
        # "We monitor …", "They run …": the word after a subject pronoun is its verb.
        or (i > 0 and words[i - 1] in _SUBJECT_PRONOUNS)
        for i, w in enumerate(words)
    )


@dataclass(frozen=True)
class TextUnit:
    start: int  # span in the article text
    end: int
    kind: UnitKind
    block: int  # the paragraph (or list) it belongs to: context for "Three were judged good"
    # A bullet that completes the clause of the line introducing its list ("Common features of
    # LAs that struggle are:" → "a failure to address …"): a finding without a verb of its own.
    introduced: bool = False

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]


def _is_heading(block: str, max_words: int = 12) -> bool:
    return not re.search(r"[.!?:;\"”’]$", block.strip()) and len(block.split()) < max_words


def _is_note(body: str) -> bool:
    return bool(_CAPTION.match(body) or _POINTER.match(body) or _ABOUT_THE_PAGE.match(body))


def split_units(text: str) -> list[TextUnit]:
    """The article's sentences and bullets (and its headings, datelines and notes, marked as
    such). Bullets under a line about the page ("This release contains:") are notes; bullets
    under a finding's lead-in ("… are:") complete it."""
    units: list[TextUnit] = []
    block = 0
    pos = 0
    previous_bullet = False
    # What the list under the last line ending in ":" is: None (no list), "finding" or "note".
    list_of: str | None = None
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        if not line.strip():
            continue
        bullet = _BULLET.match(line)
        body_start = line_start + (bullet.end() if bullet else len(line) - len(line.lstrip()))
        body = text[body_start : line_start + len(line.rstrip())]
        # "1. Introduction": a numbered heading, not a list item.
        if bullet and bullet.group().strip()[:1].isdigit() and _is_heading(body, 8) and not has_verb(body):
            bullet = None
            body_start = line_start + len(line) - len(line.lstrip())
            body = text[body_start : line_start + len(line.rstrip())]
        if not (bullet and previous_bullet):
            block += 1
        if not bullet:
            list_of = None
        previous_bullet = bool(bullet) or (previous_bullet and not line.strip())
        if bullet:
            if list_of == "note" or _is_note(body):
                kind: UnitKind = "note"
            else:
                kind = "bullet"
            units.append(TextUnit(body_start, body_start + len(body), kind, block, list_of == "finding"))
            continue
        if _DATELINE.match(body) and len(body.split()) <= 8:
            units.append(TextUnit(body_start, body_start + len(body), "dateline", block))
            continue
        if _is_note(body):
            units.append(TextUnit(body_start, body_start + len(body), "note", block))
            # "This release contains:" or "Contents": the list after it is the page's contents.
            previous_bullet = body.endswith(":") or bool(_ABOUT_THE_PAGE.match(body))
            list_of = "note" if previous_bullet else None
            continue
        if _is_heading(body, 10):
            units.append(TextUnit(body_start, body_start + len(body), "heading", block))
            continue
        spans = sentence_spans(body)
        for s, e in spans:
            # A sentence ending with ":" introduces what follows: not a finding on its own.
            lead_in = body[s:e].rstrip().endswith(":")
            kind = "note" if lead_in else "sentence"
            units.append(TextUnit(body_start + s, body_start + e, kind, block))
        # A line ending with ":" introduces the list that follows: same context.
        previous_bullet = body.endswith(":")
        if previous_bullet and spans:
            last = body[spans[-1][0] : spans[-1][1]]
            # "This release contains:" lists the page's parts; "Common features are:" is
            # completed by each item; "During 2024 to 2025:" only dates items that stand alone.
            list_of = "note" if _ABOUT_THE_PAGE.match(last) else "finding" if has_verb(last) else "items"
    return units


def sentence_spans(body: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence of one paragraph; "Mr.", "e.g." and a full stop inside
    brackets end none."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(body):
        before = body[start : m.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        if body.count("(", start, m.start()) > body.count(")", start, m.start()):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(body) and body[start].isspace():
            start += 1
    if start < len(body):
        spans.append((start, len(body.rstrip())))
    return [(s, e) for s, e in spans if body[s:e].strip()]


def clean_quote(raw: str) -> str:
    """The quote as written in YAML: whitespace runs as one space (``verify_quote`` folds them)."""
    return re.sub(r"\s+", " ", raw).strip()
