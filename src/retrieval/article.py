"""A new article as saved by an admin: its text, and its sentences and bullets.

``read_article`` turns a saved ``.txt`` or ``.html`` file into the article's text (trafilatura
for HTML; site furniture — share buttons, newsletter boxes, "latest articles", comments — dropped
from both), or raises ``DraftInputError`` with one line saying why it cannot. ``split_units``
cuts the text into the sentences and bullets a fact may quote.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from retrieval.knowledge import HTTP_URL
from retrieval.textnorm import MONTH_NAMES, fold_for_match

# A saved page bigger than this is not one article (a "complete" save with inlined media, or
# the wrong file); it would also make extraction slow.
MAX_INPUT_BYTES = 3 * 1024 * 1024


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
_MONTH_NUMBERS = {m: i + 1 for i, m in enumerate(MONTH_NAMES)}


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


def clean_quote(raw: str) -> str:
    """The quote as written in YAML: whitespace runs as one space (``verify_quote`` folds them)."""
    return re.sub(r"\s+", " ", raw).strip()
