"""Drafting facts from a new article, and how much of each source the facts cover.

``read_article`` turns a saved ``.txt`` or ``.html`` file into the article's text (trafilatura
for HTML; site furniture dropped from both); ``draft_article`` splits that text into sentences
and bullets and proposes one fact per sentence that states a figure or a finding; every quote
is a span of the text, so it passes ``verify_quote`` by construction. ``render_draft`` writes
the YAML, with every fact marked ``draft: true`` until a person has reviewed it.
``coverage`` reports, per source, the figures and sentences that no fact quotes.
Pure: no printing, no Slack; the CLI (``ofsted-bot knowledge draft|coverage``) does the I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import Stemmer

from retrieval.figures import FigureSpan, find_figures
from retrieval.knowledge import HTTP_URL, Fact, Knowledge, Source, verify_quote
from retrieval.textnorm import fold_for_match

# A saved page bigger than this is not one article (a "complete" save with inlined media, or
# the wrong file); it would also make extraction slow.
MAX_INPUT_BYTES = 3 * 1024 * 1024
QUESTIONS_PER_FACT = 4
MAX_TAGS = 3
MAX_RELATED = 3


class DraftInputError(ValueError):
    """The input cannot be drafted from; the message is one line for the person at the terminal."""


# --- reading the article ----------------------------------------------------------------------

# A line that starts the site's furniture after the article: everything from it on is dropped.
_FURNITURE_TAIL = re.compile(
    r"^(?:share this (?:article|story|page)|back to top|subscribe(?: to\b.*)?|post a comment|"
    r"leave a (?:comment|reply)|latest (?:articles|news|stories)|more from\b.*|comments are closed|"
    r"related (?:articles|stories|content)|read more|you may also like.*|sign up.*newsletter.*|"
    r"most (?:read|popular)|recommended for you|about the author)\s*:?\s*\.?$",
    re.IGNORECASE,
)
# A single line of furniture inside the article (a photo credit).
_FURNITURE_LINE = re.compile(r"^(?:photo|photograph|image|picture|credit)s?\s*:", re.IGNORECASE)
_DATELINE = re.compile(r"^(?:published|posted|updated)(?:\s+on)?\b", re.IGNORECASE)
_MONTH_NUMBERS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}


@dataclass(frozen=True)
class Article:
    text: str  # the article as it will be saved: headline, standfirst, body; no furniture
    title: str | None = None
    standfirst: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    url: str | None = None


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise DraftInputError(f"{name}: the file is empty")
    if data.startswith(b"%PDF"):
        raise DraftInputError(
            f"{name}: this is a PDF; save the article from the browser as a web page (.html) "
            "or copy its text into a .txt file"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DraftInputError(f"{name}: the text is UTF-16; save it again as UTF-8")
    head = data[:8192]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or controls > len(head) // 100:
        raise DraftInputError(f"{name}: this is a binary file, not an article's text or HTML")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DraftInputError(
            f"{name}: the text is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it again as UTF-8"
        ) from None


def _looks_like_html(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return True
    return bool(re.match(r"\s*(?:<!doctype html|<html\b)", text[:1000], re.IGNORECASE))


def strip_furniture(text: str) -> str:
    """The article without the site's furniture: the tail from "Share this article" or
    "Latest articles" on, and photo credits; blank-line runs kept to one."""
    kept: list[str] = []
    words_so_far = 0
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        # The tail starts only after some article text, and only at a short line.
        if words_so_far > 30 and len(stripped.split()) <= 12 and _FURNITURE_TAIL.match(stripped):
            break
        if _FURNITURE_LINE.match(stripped):
            continue
        if not stripped and kept and not kept[-1]:
            continue
        kept.append(line)
        words_so_far += len(stripped.split())
    return "\n".join(kept).strip() + "\n"


def _date_in(text: str) -> dt.date | None:
    m = re.search(
        r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(_MONTH_NUMBERS) + r")\s+(\d{4})\b", text, re.IGNORECASE
    )
    if not m:
        return None
    try:
        return dt.date(int(m[3]), _MONTH_NUMBERS[m[2].lower()], int(m[1]))
    except ValueError:
        return None


def _from_html(html: str, name: str) -> Article:
    import trafilatura  # imported here: only `knowledge draft` on an .html page needs it

    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_precision=True, deduplicate=True
    )
    if not text or len(text.split()) < 20:
        raise DraftInputError(f"{name}: no article text found in the page")
    meta = trafilatura.extract_metadata(html)
    title = (meta.title or "").strip() if meta else ""
    standfirst = (meta.description or "").strip() if meta else ""
    body = strip_furniture(text)
    # The saved text starts with the headline and standfirst, like the curated sources.
    head = [t for t in (title, standfirst) if t and fold_for_match(t) not in fold_for_match(body[:2000])]
    full = "\n\n".join([*head, body.strip()]) + "\n"
    # Only a date the article states in a dateline: trafilatura's metadata date may be a guess
    # (from the URL, the page's furniture), and a source's date is never guessed.
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    dateline = next((b for b in blocks[:5] if _DATELINE.match(b)), None)
    published = _date_in(dateline) if dateline else None
    url = meta.url if meta and meta.url and HTTP_URL.match(meta.url) else None
    return Article(
        text=full,
        title=title or None,
        standfirst=standfirst or None,
        publisher=(meta.sitename or "").strip() or None if meta else None,
        published=published,
        url=url,
    )


def _from_text(text: str) -> Article:
    body = strip_furniture(text)
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    title = blocks[0] if blocks and _is_heading(blocks[0]) else None
    standfirst = blocks[1] if title and len(blocks) > 1 and _is_heading(blocks[1], 30) else None
    dateline = next((b for b in blocks[:5] if _DATELINE.match(b)), None)
    return Article(
        text=body, title=title, standfirst=standfirst, published=_date_in(dateline) if dateline else None
    )


def read_article(path: Path) -> Article:
    """The article in a saved ``.txt`` or ``.html`` file; DraftInputError says why not."""
    name = str(path)
    if not path.is_file():
        raise DraftInputError(f"{name}: no such file")
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise DraftInputError(
            f"{name}: {size / 1e6:.1f} MB is too big for one article (limit {MAX_INPUT_BYTES / 1e6:.0f} MB); "
            "save the page as 'HTML only' or copy the article's text into a .txt file"
        )
    text = _decode(path.read_bytes(), name)  # first: says "PDF" or "binary" whatever the name
    if path.suffix.lower() not in (".txt", ".text", ".html", ".htm", ".xhtml", ""):
        raise DraftInputError(f"{name}: give the article as a .txt file or a saved .html page")
    article = _from_html(text, name) if _looks_like_html(path, text) else _from_text(text)
    if not any(u.kind in ("sentence", "bullet") for u in split_units(article.text)):
        raise DraftInputError(
            f"{name}: no article text found (no sentence that states a figure or a finding)"
        )
    return article


# --- sentences and bullets --------------------------------------------------------------------

UnitKind = Literal["sentence", "bullet", "heading", "dateline"]
_BULLET = re.compile(r"^\s*(?:[-*•●▪◦·–—]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?]+[\"”’']*(?=\s+[\"“‘']?[A-Z0-9£])")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "no", "e.g", "i.e", "etc", "vs", "prof", "cllr", "rev"}
_DOUBLE_QUOTES = '"“”„‟'


@dataclass(frozen=True)
class TextUnit:
    start: int  # span in the article text
    end: int
    kind: UnitKind
    block: int  # the paragraph (or list) it belongs to: context for "Three were judged good"

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]


def _is_heading(block: str, max_words: int = 12) -> bool:
    return not re.search(r"[.!?:;\"”’]$", block.strip()) and len(block.split()) < max_words


def split_units(text: str) -> list[TextUnit]:
    """The article's sentences and bullets (and its headings and dateline, marked as such)."""
    units: list[TextUnit] = []
    block = 0
    pos = 0
    previous_bullet = False
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        if not line.strip():
            continue
        bullet = _BULLET.match(line)
        if not (bullet and previous_bullet):
            block += 1
        previous_bullet = bool(bullet) or (previous_bullet and not line.strip())
        body_start = line_start + (bullet.end() if bullet else len(line) - len(line.lstrip()))
        body = text[body_start : line_start + len(line.rstrip())]
        if bullet:
            units.append(TextUnit(body_start, body_start + len(body), "bullet", block))
            continue
        if _DATELINE.match(body) and len(body.split()) <= 8:
            units.append(TextUnit(body_start, body_start + len(body), "dateline", block))
            continue
        if _is_heading(body, 10):
            units.append(TextUnit(body_start, body_start + len(body), "heading", block))
            continue
        for s, e in _sentence_spans(body):
            units.append(TextUnit(body_start + s, body_start + e, "sentence", block))
        # A line ending with ":" introduces the list that follows: same context.
        previous_bullet = body.endswith(":")
    return units


def _sentence_spans(body: str) -> list[tuple[int, int]]:
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


# --- quotes and statements --------------------------------------------------------------------

_SAY = (
    r"(?:said|says|added|adds|stated|states|concluded|concludes|explained|explains|noted|notes|"
    r"warned|warns|reported|reports|wrote|writes|continued|continues|found|finds)"
)
# Who the article quotes when it quotes the report itself (kept out of quotes and statements);
# a named person ("Amanda Spielman said: ...") is kept: who said it matters.
_REPORT_SPEAKER = (
    r"(?:it|the report|the annual report|ofsted(?:['’]s)?(?: annual)? report(?: also)?|ofsted|the regulator|"
    r"the inspectorate|the watchdog|the chief inspector|hmci|the document)"
)
_TAIL = re.compile(
    rf"(?P<cut>[,;]?\s*[{_DOUBLE_QUOTES}]?\s*,?\s+(?:{_REPORT_SPEAKER}\s+{_SAY}|{_SAY}\s+{_REPORT_SPEAKER}))"
    r"\.?\s*$",
    re.IGNORECASE,
)
_LEAD = re.compile(
    rf"^(?:(?:but|and|however|also),?\s+)?{_REPORT_SPEAKER}(?:\s+also)?\s+{_SAY}(?:\s+that)?\s*:?\s*[{_DOUBLE_QUOTES}]",
    re.IGNORECASE,
)
_REPORTING_THAT = re.compile(rf"^{_REPORT_SPEAKER}(?:\s+also)?\s+{_SAY}\s+that\s+", re.IGNORECASE)
_CONNECTIVE = re.compile(
    r"^(?:however|but|indeed|also|and|so|moreover|meanwhile|furthermore),?\s+", re.IGNORECASE
)


def quote_span(text: str, unit: TextUnit) -> tuple[int, int] | None:
    """The part of a sentence to quote: without quotation marks around it and without the
    reported-speech wrapper when the article quotes the report (``"…," said the report.``)."""
    start, end = unit.start, unit.end
    s = text[start:end]
    lead = _LEAD.match(s)
    if lead:
        start += lead.end()
    tail = _TAIL.search(text[start:end])
    # `"…," it added.`: the quote is the speech. `…, the report adds.` (no quotation marks) is
    # kept whole, as written; the statement drops the wrapper.
    had_tail = bool(tail and any(q in tail.group("cut") for q in _DOUBLE_QUOTES))
    if tail and had_tail:
        end = start + tail.start("cut")
    # Drop quotation marks that open or close the quote without their pair.
    while True:
        part = text[start:end]
        n = sum(part.count(q) for q in _DOUBLE_QUOTES)
        if part[:1] in _DOUBLE_QUOTES and (n % 2 or (part[-1:] in _DOUBLE_QUOTES and n == 2)):
            start += 1
            if part[-1:] in _DOUBLE_QUOTES and n == 2:
                end -= 1
        elif (part[-1:] in _DOUBLE_QUOTES and n % 2) or (had_tail and part[-1:] in ",;"):
            end -= 1
        else:
            break
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
    if end - start < 3:
        return None
    return start, end


def clean_quote(raw: str) -> str:
    """The quote as written in YAML: whitespace runs as one space (``verify_quote`` folds them)."""
    return re.sub(r"\s+", " ", raw).strip()


def propose_statement(quote: str) -> str:
    """The quote made to stand on its own: reporting wrappers and a leading connective removed,
    a capital and a full stop. Only ever deletes words, so it says no more than the quote."""
    s = quote.strip()
    tail = _TAIL.search(s)
    if tail:
        s = s[: tail.start("cut")]
    for pattern in (_REPORTING_THAT, _CONNECTIVE, _REPORTING_THAT):
        s = pattern.sub("", s, count=1)
    # A named speaker: `X said: "Y."` → `X said that y.` (drops only the quotation marks).
    said = re.search(rf"\b{_SAY}\s*:\s*[{_DOUBLE_QUOTES}]", s)
    if said:
        rest = s[said.end() :].strip().strip(_DOUBLE_QUOTES).strip()
        s = s[: said.start()] + said.group().split(":")[0].strip() + " that " + _lower_first(rest)
    s = s.strip().strip(_DOUBLE_QUOTES).strip().rstrip(",;")
    if s and s[0].islower():
        s = s[0].upper() + s[1:]
    if s and s[-1] not in ".!?:":
        s += "."
    return s


# --- figures, units and measures --------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*|[^\sA-Za-z]")
_STOP = set(
    [
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "with",
        "by",
        "as",
        "of",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "were",
        "was",
        "are",
        "is",
        "be",
        "been",
        "being",
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
        "do",
        "does",
        "did",
        "not",
        "than",
        "or",
        "but",
        "this",
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
        "each",
        "every",
        "per",
        "since",
        "into",
        "over",
        "under",
        "after",
        "before",
        "during",
        "while",
        "when",
        "where",
        "also",
        "only",
        "still",
        "now",
        "then",
        "so",
        "there",
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
        "remain",
        "remains",
        "face",
        "faces",
        "say",
        "says",
        "show",
        "shows",
        "need",
        "needs",
        "get",
        "gets",
        "receive",
        "receives",
        "continue",
        "continues",
        "impact",
        "impacts",
        "experience",
        "experiences",
        "make",
        "makes",
        "go",
        "goes",
        "rose",
        "fell",
        "rise",
        "rises",
        "fall",
        "falls",
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

    def to_yaml_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "value": _tidy_number(self.value)}
        if self.unit is not None:
            out["unit"] = self.unit
        out["measure"] = self.measure
        return out


def _tidy_number(value: float) -> float | int:
    if value == int(value) and abs(value) < 1e15:
        return int(value)
    return round(value, 3)


def _canonical_noun(words: list[str], synonyms: Mapping[str, str], count: float | None) -> str:
    """ "LAs" → "local authorities" (the knowledge's synonyms, for abbreviations written in
    capitals); "authorities" → "local authorities"; "one LA" → "local authorities"."""
    out: list[str] = []
    for w in words:
        bare = w.rstrip("’'").removesuffix("’s").removesuffix("'s")
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
            if after and after[0] not in _STOP and any(w.endswith("s") or w in _PLURALS for w in after):
                words.append(tok)
                i += 1
                continue
            break
        if low in _STOP or (words and low.endswith("ed")) or (not words and low.endswith("ed")):
            break
        words.append(tok)
        stop_at = tok_end
        i += 1
        if tok.endswith(("’s", "'s", "’", "'")) and len(tok) > 2:
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


def _clause_after(text: str, start: int, limit: int) -> str:
    rest = re.sub(r",\s*(?:though|however|also|too),", "", text[start:limit])
    rest = re.split(r"[.;:,()\"“”]", rest, maxsplit=1)[0].strip()
    if not _CLAUSE_START.match(rest) or not 2 <= len(rest.split()) <= 12:
        return ""
    # The question asks about several: "how many local authorities have declined".
    return re.sub(r"^(has|was|is)\b", lambda m: {"has": "have", "was": "were", "is": "are"}[m[1]], rest)


def read_figures(
    text: str, quote: tuple[int, int], context: Sequence[DraftFigure], synonyms: Mapping[str, str]
) -> list[DraftFigure]:
    """The figures of one quote, each with value, unit, the noun it counts and a measure.

    A figure that names no noun ("Three were judged good", "13% inadequate") counts the noun of
    the figure before it in the same paragraph or list."""
    qs, qe = quote
    out: list[DraftFigure] = []
    for span in find_figures(text[qs:qe]):
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
            unit_word = "local authorities" if noun.endswith("local authorities") else noun.split()[-1]
        else:
            unit_word = None
        measure = _canonical_noun(words, synonyms, None) if words else noun
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
            )
        )
    return out


def _is_fraction(span: FigureSpan) -> bool:
    return bool(re.search(r"(half|third|quarter|fifth|tenth)s?$", span.text, re.IGNORECASE))


def _round_share(value: float, span: FigureSpan) -> float:
    return round(value, 3) if _is_fraction(span) else value


# --- tags, questions, ids ---------------------------------------------------------------------

_stemmer = Stemmer.Stemmer("english")
_TAG_STOP = _STOP | {
    "ofsted",
    "report",
    "annual",
    "said",
    "says",
    "local",
    "authorities",
    "authority",
    "children",
    "child",
    "las",
    "la",
    "lAs",
    "services",
    "service",
}


def _stems(text: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text)]
    return _stemmer.stemWords([w for w in words if w not in _TAG_STOP and len(w) > 2])


@dataclass
class TagModel:
    """Which existing tags a sentence is about: tf-idf of the words of each tag's facts."""

    weights: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def of(cls, facts: Iterable[Fact]) -> TagModel:
        docs: dict[str, Counter[str]] = {}
        for f in facts:
            words = _stems(" ".join([f.statement, f.quote, *(g.measure for g in f.figures)]))
            for tag in f.tags:
                docs.setdefault(tag, Counter()).update(words + _stems(tag.replace("-", " ")) * 3)
        df = Counter(w for doc in docs.values() for w in doc)
        n = len(docs)
        weights: dict[str, dict[str, float]] = {}
        for tag, doc in docs.items():
            vec = {w: (1 + math.log(c)) * math.log(1 + n / df[w]) for w, c in doc.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            weights[tag] = {w: v / norm for w, v in vec.items()}
        return cls(weights)

    def propose(self, text: str) -> list[str]:
        words = set(_stems(text))
        if not words:
            return []
        scores = {
            t: sum(vec.get(w, 0.0) for w in words) / math.sqrt(len(words)) for t, vec in self.weights.items()
        }
        ranked = sorted((s, t) for t, s in scores.items() if s > 0)[::-1]
        if not ranked:
            return []
        best = ranked[0][0]
        return [t for s, t in ranked[:MAX_TAGS] if s >= max(0.12, 0.6 * best)]


def _informal(noun: str, synonyms: Mapping[str, str]) -> str:
    """An everyday word for the report's term, from the knowledge's synonyms ("councils")."""
    for word, meaning in synonyms.items():
        if meaning == noun and " " not in word and len(word) > 3:
            return word
    return noun


_VERBS = {
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "should", "may",
    "continues", "continue", "suggests", "suggest", "found", "find", "finds", "shows", "show", "mean",
    "means", "supports", "outlines", "introduced", "explains", "said", "says", "noted", "remain", "remains",
    "relate", "relates", "face", "faces", "monitor", "conducted", "carries", "carried", "looked",
}  # fmt: skip
_PRONOUNS = {"this", "it", "we", "they", "that", "there", "these", "those", "he", "she"}


_INTRO = re.compile(
    r"^(?:in|on|at|for|to|when|while|after|before|since|by|with|as|more|overall|currently|nationally|"
    r"this|that|last|next|most|indeed|however)\b|^\w+ly\b",
    re.IGNORECASE,
)


def _topic(statement: str) -> str:
    """What a finding is about: the subject of its statement ("grooming gangs"), past a leading
    phrase ("In children's social care, funding for statutory services" → the latter) and a
    reporting verb ("The evidence suggests that these cuts …" → "these cuts …")."""
    words = statement.rstrip(".:").split()
    subject: list[str] = []
    verb_at = len(words)
    for i, w in enumerate(words):
        low = w.lower().strip(",")
        if low in _VERBS:
            if i + 1 < len(words) and words[i + 1].lower().strip(",") == "that" and i + 2 < len(words):
                return _topic(" ".join(words[i + 2 :]))
            verb_at = i
            break
        subject.append(w)
    phrase = " ".join(subject).strip(" ,")
    parts = [p.strip() for p in phrase.split(",") if p.strip()]
    while len(parts) > 1 and _INTRO.match(parts[0]):
        parts = parts[1:]  # "In children's social care, funding …" → "funding …"
    phrase = parts[0] if parts else ""
    if phrase.lower() in ("ofsted", "the report", "the inspectorate", "the regulator", "it", "we"):
        phrase = " ".join(words[verb_at + 1 : verb_at + 7])  # what Ofsted does: its object
    if not phrase or phrase.split()[0].lower() in _PRONOUNS or len(phrase.split()) > 16:
        phrase = " ".join(words[:6])
    return _lower_first(phrase.strip(" ,;:"))


def _lower_first(s: str) -> str:
    """Lower-case the first word unless it starts a name ("Her Majesty's", "Alison Michalska")."""
    words = s.split()
    if not words:
        return s
    first = words[0]
    second_is_name = len(words) > 1 and words[1][:1].isupper() and words[1][1:].islower()
    plain = first[:1].isupper() and (first[1:].islower() or len(first) == 1)
    if plain and not second_is_name and first not in ("Ofsted", "England", "I"):
        return s[0].lower() + s[1:]
    return s


def _tidy(question: str) -> str:
    q = re.sub(r"\s+", " ", question).strip()
    return re.sub(r"\s+([?,])", r"\1", q)


def propose_questions(
    statement: str, figures: Sequence[DraftFigure], synonyms: Mapping[str, str]
) -> list[str]:
    """Four questions a colleague might ask for this fact: a plain one, a short informal one,
    one naming Ofsted and one checking the statement. Drafts: a person rewords them."""
    body = statement.rstrip(".:")
    check = f"Is it true that {_lower_first(body)}?"
    lead_in = re.match(r"^(?P<what>.+?)\s+(?:are|include)\s*:$", statement)
    if lead_in:  # "Common features of LAs that struggle … are:" introduces a list
        what = _lower_first(lead_in["what"])
        what = what if what.lower().startswith("the ") else f"the {what}"
        return [
            _tidy(q)
            for q in (
                f"What are {what}?",
                f"{what.removeprefix('the ')}",
                f"What does Ofsted say are {what}?",
                f"According to the annual report, what are {what}?",
            )
        ]
    if figures and figures[0].noun:
        fig = figures[0]
        noun, informal = fig.noun, _informal(fig.noun, synonyms)
        if fig.clause:
            vp = fig.clause
        elif fig.predicate:
            first = fig.predicate.split()[0].lower()
            vp = (
                "were " if first.endswith("ed") else "" if first.startswith("requir") else "are "
            ) + fig.predicate
        else:
            vp = ""
        if fig.unit == "%" or (fig.unit is None and fig.value < 1):
            qs = (
                [
                    f"What proportion of {noun} {vp}?",
                    f"what % of {informal} {vp}",
                    f"According to Ofsted, what share of {informal} {vp}?",
                ]
                if vp
                else [
                    f"What proportion of {noun} does the report mention?",
                    f"what % of {informal}",
                    f"According to Ofsted, what share of {informal} is it?",
                ]
            )
        else:
            qs = [
                f"How many {noun} {vp or 'are there'}?",
                f"how many {informal} {vp}",
                f"Does Ofsted's annual report say how many {noun} {vp}?",
            ]
        return [_tidy(q) for q in [*qs, check]]
    if figures and figures[0].unit and figures[0].unit[:1] in "£$€":
        m = figures[0].measure
        return [
            _tidy(q)
            for q in (
                f"How big is the {m}?",
                f"{m} how much",
                f"What does Ofsted's report say about the {m}?",
                check,
            )
        ]
    topic = _topic(statement)
    return [
        _tidy(q)
        for q in (
            f"What does Ofsted say about {topic}?",
            f"{topic} ofsted",
            f"What did the annual report find on {topic}?",
            check,
        )
    ]


def slug(words: str, taken: set[str]) -> str:
    content = [
        w for w in re.findall(r"[a-z0-9]+", words.lower()) if w not in _STOP and w not in ("s", "currently")
    ]
    base = "-".join(content[:5]) or "fact"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


# --- duplicates and related facts -------------------------------------------------------------


def _measure_words(measure: str, synonyms: Mapping[str, str]) -> set[str]:
    words: list[str] = []
    for w in re.findall(r"[a-z]+", measure.lower()):
        words.extend(synonyms.get(w, w).lower().split())
    return {s for s in _stemmer.stemWords([w for w in words if w not in _STOP])}


def _same_kind(a_unit: str | None, a_value: float, b_unit: str | None, b_value: float) -> bool:
    def kind(unit: str | None, value: float) -> str:
        if unit == "%" or (unit is None and 0 < value < 1):
            return "share"
        return (unit or "").lower()

    return kind(a_unit, a_value) == kind(b_unit, b_value)


def _measure_match(a: str, b: str, synonyms: Mapping[str, str]) -> float:
    """How far two measures name the same thing: 0, or the Jaccard of their content words when
    the shorter is nearly all in the longer."""
    wa, wb = _measure_words(a, synonyms), _measure_words(b, synonyms)
    if not wa or not wb:
        return 0.0
    inter = len(wa & wb)
    if inter / min(len(wa), len(wb)) < 0.8:
        return 0.0
    jaccard = inter / len(wa | wb)
    return jaccard if jaccard >= 0.5 else 0.0


def _folded(s: str) -> str:
    return fold_for_match(s).lower().strip(" .,;:\"'")


def _same_edition(a: Source, b: Source) -> bool:
    if a.report_year is not None and b.report_year is not None:
        return a.report_year == b.report_year
    return fold_for_match(a.report).lower() == fold_for_match(b.report).lower()


# --- the draft --------------------------------------------------------------------------------


@dataclass
class DraftFact:
    id: str
    quote: str
    statement: str
    figures: list[DraftFigure]
    tags: list[str]
    questions: list[str]
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
        if self.figures:
            out["figures"] = [f.to_yaml_dict() for f in self.figures]
        out["tags"] = self.tags
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
    words = quote.split()
    if figures:
        return len(words) >= 2
    return unit.kind in ("sentence", "bullet") and len(words) >= 5


def draft_article(text: str, source: Source, knowledge: Knowledge | None) -> Draft:
    """One draft fact per sentence or bullet of ``text`` that states a figure or a finding."""
    synonyms = dict(knowledge.synonyms) if knowledge else {}
    existing = list(knowledge.facts) if knowledge else []
    tags = TagModel.of(existing)
    taken = {f.id for f in existing}
    facts: list[DraftFact] = []
    block_figures: dict[int, list[DraftFigure]] = {}
    skip = {source.title.strip()} | ({source.standfirst.strip()} if source.standfirst else set())
    for unit in split_units(text):
        if unit.kind not in ("sentence", "bullet") or unit.text_in(text).strip() in skip:
            continue
        span = quote_span(text, unit)
        if span is None:
            continue
        quote = clean_quote(text[span[0] : span[1]])
        spans = find_figures(quote)
        if not _is_finding(quote, unit, spans) or not verify_quote(quote, text):
            continue
        context = block_figures.setdefault(unit.block, [])
        figures = read_figures(text, span, context, synonyms)
        context.extend(figures)
        statement = propose_statement(quote)
        fid = slug(statement, taken)
        draft = DraftFact(
            id=fid,
            quote=quote,
            statement=statement,
            figures=figures,
            tags=tags.propose(quote),
            questions=propose_questions(statement, figures, synonyms),
        )
        if knowledge:
            _compare_with_knowledge(draft, source, knowledge, synonyms)
        facts.append(draft)
    return Draft(source=source, text=text, facts=facts)


def _compare_with_knowledge(
    draft: DraftFact, source: Source, knowledge: Knowledge, synonyms: Mapping[str, str]
) -> None:
    """Flag restatements of existing facts; propose ``related`` for the same measure in another
    report edition (both ways: the existing fact must link back too)."""
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
                best = max(best, match)
                if match and math.isclose(a.value, b.value, rel_tol=1e-3, abs_tol=1e-3):
                    same_figure = True
        if same_figure and _same_edition(source, other_source):
            draft.duplicate_of.append((fact.id, "same figure and measure, same report edition"))
        elif best and not _same_edition(source, other_source):
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


# --- coverage ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _fold_map(text: str) -> tuple[str, list[int]]:
    """``fold_for_match(text)`` and, for each of its characters, where it is in ``text``."""
    chars: list[str] = []
    where: list[int] = []
    in_space = False
    for i, raw in enumerate(text):
        # fold_for_match on one character is its quote/dash folding: the same table as the validator's.
        ch = " " if raw.isspace() else fold_for_match(raw)
        if ch.isspace():
            if not in_space and chars:
                chars.append(" ")
                where.append(i)
            in_space = True
            continue
        in_space = False
        chars.append(ch)
        where.append(i)
    while chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    folded = "".join(chars)
    assert folded == fold_for_match(text), "fold map out of step with fold_for_match"
    return folded, where


def locate_quote(quote: str, text: str) -> list[tuple[int, int]]:
    """Every place in ``text`` where ``quote`` is, by the validator's folding and word rule."""
    folded, where = _fold_map(text)
    needle = fold_for_match(quote)
    spans: list[tuple[int, int]] = []
    if not needle:
        return spans
    start = folded.find(needle)
    while start != -1:
        end = start + len(needle)
        cuts_before = needle[0].isalnum() and start > 0 and folded[start - 1].isalnum()
        cuts_after = needle[-1].isalnum() and end < len(folded) and folded[end].isalnum()
        if not (cuts_before or cuts_after):
            spans.append((where[start], where[end - 1] + 1))
        start = folded.find(needle, start + 1)
    return spans


@dataclass(frozen=True)
class SourceCoverage:
    source_id: str
    figures_total: int
    figures_covered: int
    uncovered_figures: tuple[tuple[str, str], ...]  # (figure, its sentence)
    sentences_total: int
    sentences_covered: int
    uncovered_sentences: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.figures_covered / self.figures_total if self.figures_total else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source_id,
            "figures_total": self.figures_total,
            "figures_covered": self.figures_covered,
            "figures_share": round(self.share, 4),
            "uncovered_figures": [{"figure": f, "sentence": s} for f, s in self.uncovered_figures],
            "sentences_total": self.sentences_total,
            "sentences_covered": self.sentences_covered,
            "uncovered_sentences": list(self.uncovered_sentences),
        }


# A sentence counts as quoted when this share of its letters and digits is inside some quote.
SENTENCE_COVERED_SHARE = 0.5


def coverage(knowledge: Knowledge) -> list[SourceCoverage]:
    """For each source: its figures and finding sentences that no fact quotes."""
    out: list[SourceCoverage] = []
    for source in knowledge.sources:
        text = knowledge.source_texts[source.id]
        quoted = [
            span for f in knowledge.facts if f.source == source.id for span in locate_quote(f.quote, text)
        ]
        covered = [False] * len(text)
        for s, e in quoted:
            covered[s:e] = [True] * (e - s)
        # The headline and standfirst are the source's own fields, not findings.
        own = {fold_for_match(x) for x in (source.title, source.standfirst) if x}
        units = [
            u
            for u in split_units(text)
            if u.kind in ("sentence", "bullet") and fold_for_match(u.text_in(text)) not in own
        ]
        figures = find_figures(text)
        uncovered_figures = []
        for fig in figures:
            if not any(s <= fig.start and fig.end <= e for s, e in quoted):
                home = next((u for u in units if u.start <= fig.start < u.end), None)
                context = clean_quote(home.text_in(text)) if home else fig.text
                uncovered_figures.append((fig.text, context))
        uncovered_sentences: list[str] = []
        for u in units:
            idx = [i for i in range(u.start, u.end) if text[i].isalnum()]
            if idx and sum(covered[i] for i in idx) / len(idx) < SENTENCE_COVERED_SHARE:
                uncovered_sentences.append(clean_quote(u.text_in(text)))
        out.append(
            SourceCoverage(
                source.id,
                len(figures),
                len(figures) - len(uncovered_figures),
                tuple(uncovered_figures),
                len(units),
                len(units) - len(uncovered_sentences),
                tuple(uncovered_sentences),
            )
        )
    return out
