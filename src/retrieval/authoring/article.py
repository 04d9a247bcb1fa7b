"""A new article as saved by an admin: its text, title, dates and (for a PDF) page starts.

``read_article`` turns a saved ``.txt``, ``.html`` or ``.pdf`` file into the article's text
(trafilatura for HTML, pypdf's text layer for a PDF, with where each page starts; site furniture
— share buttons, newsletter boxes, "latest articles", comments — dropped), or raises
``DraftInputError`` with one line saying why it cannot. Cutting the text into sentences and
bullets lives in ``sentences.py``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.authoring.sentences import _BULLET, _DATELINE, _is_heading, split_units
from retrieval.knowledge.schema import HTTP_URL
from retrieval.language.textnorm import MONTH_NAMES, fold_for_match

# A saved page bigger than this is not one article (a "complete" save with inlined media, or
# the wrong file); it would also make extraction slow.
MAX_INPUT_BYTES = 3 * 1024 * 1024
# A report's PDF carries fonts and charts besides its text: it may be bigger.
MAX_PDF_BYTES = 50 * 1024 * 1024


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
# "Updated 22 September 2020" dates a revision, not the publication.
_UPDATED_LINE = re.compile(r"^(?:last\s+)?updated\b", re.IGNORECASE)
_MONTH_NUMBERS = {m: i + 1 for i, m in enumerate(MONTH_NAMES)}


@dataclass(frozen=True)
class Article:
    text: str  # the article as it will be saved: headline, standfirst, body; no furniture
    title: str | None = None
    standfirst: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    updated: dt.date | None = None  # the page's "Updated …" date, when it gives one
    url: str | None = None
    # For a PDF: where each page (1, 2, …) starts in ``text``; a quote's page is found from it.
    page_starts: tuple[int, ...] | None = None

    def page_at(self, offset: int) -> int | None:
        """The 1-based PDF page that ``offset`` in the text is on; None when not from a PDF."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise DraftInputError(f"{name}: the file is empty")
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


def _datelines(lines: Sequence[str]) -> tuple[dt.date | None, dt.date | None]:
    """(published, updated) from the page's datelines near its top ("Published 7 July 2022",
    "Last updated 22 September 2022"): an update is never taken for the publication date."""
    published: dt.date | None = None
    updated: dt.date | None = None
    for line in lines[:15]:
        line = line.strip()
        if not _DATELINE.match(line) or len(line.split()) > 12:
            continue
        date = _date_in(line)
        if _UPDATED_LINE.match(line):
            updated = updated or date
        else:
            published = published or date
    return published, updated


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
    published, updated = _datelines([x for x in body.splitlines() if x.strip()])
    url = meta.url if meta and meta.url and HTTP_URL.match(meta.url) else None
    return Article(
        text=full,
        title=title or None,
        standfirst=standfirst or None,
        publisher=(meta.sitename or "").strip() or None if meta else None,
        published=published,
        updated=updated,
        url=url,
    )


def _title_line(line: str) -> bool:
    """The first line of a text is its title unless it is a sentence, a dateline or a bullet: a
    headline does not end with a full stop ("Main findings: children's social care in England 2022")."""
    line = line.strip()
    return bool(line) and not line.endswith(".") and not _DATELINE.match(line) and not _BULLET.match(line)


def _from_text(text: str, page_starts: tuple[int, ...] | None = None) -> Article:
    body = text if page_starts else strip_furniture(text)
    lines = [x.strip() for x in body.splitlines() if x.strip()]
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    title = lines[0] if lines and _title_line(lines[0]) else None
    standfirst = (
        blocks[1] if title and blocks[0] == title and len(blocks) > 1 and _is_heading(blocks[1], 30) else None
    )
    if standfirst and _DATELINE.match(standfirst):
        standfirst = None
    published, updated = _datelines(lines)
    return Article(
        text=body,
        title=title,
        standfirst=standfirst,
        published=published,
        updated=updated,
        page_starts=page_starts,
    )


# --- PDF --------------------------------------------------------------------------------------

# A line that is only a page number ("12", "Page 3 of 20"): the page's furniture.
_PAGE_NUMBER_LINE = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"[.!?:;][\"”’')\]]*$")


def _reflow(lines: Sequence[str]) -> list[str]:
    """A PDF page's visual lines joined back into paragraphs, so a sentence wrapped across lines
    is one sentence again. A line continues the one before when that one was wrapped: it ends in
    the space the text layer leaves at a wrap, or it fills most of the width without ending a
    sentence, or this line starts in lower case."""
    widest = max((len(x.rstrip()) for x in lines), default=0)
    paragraphs: list[str] = []
    previous = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            previous = ""
            continue
        wrapped = bool(previous) and (
            previous.endswith(" ")
            or (len(previous.rstrip()) >= 0.75 * widest and not _PARAGRAPH_END.search(previous.rstrip()))
            or line[:1].islower()
        )
        if wrapped and paragraphs and not _BULLET.match(line):
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
        previous = raw
    return paragraphs


def _from_pdf(data: bytes, name: str) -> Article:
    """The PDF's text layer, page by page (pypdf), reflowed into paragraphs, without page numbers
    and the running header and footer that repeat on most pages."""
    import pypdf  # imported here: only `knowledge draft` on a PDF needs it
    from pypdf.errors import PyPdfError

    # pypdf logs what it repairs ("EOF marker not found"); the admin gets one line from us.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DraftInputError(f"{name}: this is a PDF with a password; save an unlocked copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DraftInputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DraftInputError(
            f"{name}: this is a PDF, but its text cannot be read ({type(exc).__name__})"
        ) from None
    if not any(len(p.split()) >= 5 for p in pages):
        raise DraftInputError(
            f"{name}: this PDF has no text layer (a scan?); "
            "run it through OCR or copy its text into a .txt file"
        )
    page_lines = [
        [x for x in p.replace("\r", "\n").split("\n") if not _PAGE_NUMBER_LINE.match(x)] for p in pages
    ]
    # A line at the top or bottom of most pages is the running header or footer.
    edges = Counter(x.strip() for lines in page_lines for x in {*(lines[:2]), *(lines[-2:])} if x.strip())
    running = {x for x, n in edges.items() if len(pages) >= 3 and n >= max(3, len(pages) // 2)}
    parts: list[str] = []
    page_starts: list[int] = []
    offset = 0
    for lines in page_lines:
        paragraphs = _reflow([x for x in lines if x.strip() not in running])
        page_text = "\n\n".join(paragraphs)
        page_starts.append(offset)
        parts.append(page_text)
        offset += len(page_text) + 2
    return _from_text("\n\n".join(parts) + "\n", tuple(page_starts))


def read_article(path: Path) -> Article:
    """The article in a saved ``.txt``, ``.html`` or ``.pdf`` file; DraftInputError says why not."""
    name = str(path)
    if not path.is_file():
        raise DraftInputError(f"{name}: no such file")
    size = path.stat().st_size
    with path.open("rb") as fh:
        is_pdf = fh.read(5) == b"%PDF-"  # by content, whatever the name
    limit = MAX_PDF_BYTES if is_pdf else MAX_INPUT_BYTES
    if size > limit:
        raise DraftInputError(
            f"{name}: {size / 1e6:.1f} MB is too big for one article (limit {limit / 1e6:.0f} MB); "
            "save the page as 'HTML only' or copy the article's text into a .txt file"
        )
    if is_pdf:
        article = _from_pdf(path.read_bytes(), name)
    else:
        text = _decode(path.read_bytes(), name)  # first: says "binary" whatever the name
        if path.suffix.lower() not in (".txt", ".text", ".html", ".htm", ".xhtml", ""):
            raise DraftInputError(f"{name}: give the article as a .txt file, a saved .html page or a PDF")
        article = _from_html(text, name) if _looks_like_html(path, text) else _from_text(text)
    if not any(u.kind in ("sentence", "bullet") for u in split_units(article.text)):
        raise DraftInputError(
            f"{name}: no article text found (no sentence that states a figure or a finding)"
        )
    return article
