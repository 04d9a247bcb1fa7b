"""``knowledge draft`` as files: a new article read, a source entry proposed for it and its facts
drafted, written beside each other outside the knowledge folder for review.

The steps, in the order they are checked: the source id, where the draft goes (never inside the
knowledge folder, never over a file without ``force``), the article, the knowledge folder, a
source id not yet taken, the source's fields (the options given, else what the article says),
the draft itself. A step that cannot go on raises ``DraftRefused`` (``KnowledgeFolderBroken``
when the folder itself has errors), its message one line for the person at the terminal; nothing
is written until every step has passed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from retrieval.authoring.article import Article, DraftInputError, read_article
from retrieval.authoring.drafting import Draft, draft_article, render_draft
from retrieval.knowledge.schema import ID_PATTERN, Knowledge, Source, knowledge_files, load_knowledge

# "Ofsted Annual Report 2017/18" covers the year ending 2018.
_ACADEMIC_YEAR = re.compile(r"\b(20\d\d)/(\d\d)\b")
# A fact's first line in a knowledge file: "  - id: la-judgements-2017-18".
_FACT_ID_LINE = re.compile(r"^\s*-\s*id:\s*([a-z0-9][a-z0-9._-]*)\s*$")


class DraftRefused(ValueError):
    """The draft cannot be made as asked; the message says why, in one line."""


class KnowledgeFolderBroken(DraftRefused):
    """The knowledge folder has errors: a draft is compared with it, so it must load first."""


@dataclass(frozen=True)
class DraftRequest:
    """What to draft from, and the source fields given instead of the article's own."""

    article: str | Path  # a .txt, a saved .html page or a PDF; named as given in messages
    source_id: str
    knowledge_dir: Path
    output: Path | None = None  # default: ``<source-id>.draft.yaml`` in the working directory
    publisher: str | None = None
    title: str | None = None
    published: dt.date | None = None
    report: str | None = None
    report_year: int | None = None
    force: bool = False  # replace an existing draft and its text


@dataclass(frozen=True)
class DraftFiles:
    """A draft written: its YAML file, the article's text beside it, and what was drafted."""

    draft_path: Path
    text_path: Path
    draft: Draft
    # Where each fact of the knowledge is defined ("knowledge/facts/judgements.yaml:4"), to say
    # where to link a related fact back.
    fact_locations: dict[str, str]


def text_file_of(source_id: str) -> str:
    """The source's ``text_file``, relative to the knowledge folder (and to the draft)."""
    return f"sources/{source_id}.txt"


def default_draft_path(source_id: str) -> Path:
    return Path.cwd() / f"{source_id}.draft.yaml"


def report_year_of(report: str) -> int | None:
    """The year a report's period ends, when its name says it: "Annual Report 2017/18" → 2018."""
    match = _ACADEMIC_YEAR.search(report)
    return 2000 + int(match[2]) if match else None


def fact_locations(folder: Path) -> dict[str, str]:
    """Where each fact is defined ("knowledge/facts/judgements.yaml:4"), to say where to link back."""
    where: dict[str, str] = {}
    for path in knowledge_files(folder):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            match = _FACT_ID_LINE.match(line)
            if match:
                where.setdefault(match[1], f"{path}:{number}")
    return where


def draft_paths(request: DraftRequest) -> tuple[Path, Path]:
    """The draft's file and the article text's file, checked: outside the knowledge folder, and
    not already there unless ``force``."""
    if not re.match(ID_PATTERN, request.source_id):
        raise DraftRefused(
            f"--source-id '{request.source_id}' must be lowercase letters, digits, '.', '_' or '-'"
        )
    draft_path = request.output or default_draft_path(request.source_id)
    folder = request.knowledge_dir
    if draft_path.resolve().is_relative_to(folder.resolve()):
        raise DraftRefused(
            f"{draft_path} is inside the knowledge folder ({folder}): "
            "write the draft elsewhere, review it, then move it in"
        )
    text_path = draft_path.parent / text_file_of(request.source_id)
    for path in (draft_path, text_path):
        if path.exists() and not request.force:
            raise DraftRefused(f"{path} already exists (give --force to replace it)")
    return draft_path, text_path


def existing_knowledge(request: DraftRequest) -> Knowledge:
    """The knowledge the draft is compared with; refused when it has errors or the source id
    is already taken."""
    folder = request.knowledge_dir
    knowledge = load_knowledge(folder).knowledge
    if knowledge is None:
        raise KnowledgeFolderBroken(
            f"the knowledge folder {folder} has errors: run `ofsted-bot knowledge check`"
        )
    source_id = request.source_id
    if source_id in knowledge.sources_by_id or (folder / text_file_of(source_id)).exists():
        raise DraftRefused(f"source id '{source_id}' already exists in {folder}: choose another --source-id")
    return knowledge


def proposed_source(request: DraftRequest, article: Article) -> Source:
    """The new source entry: the fields given, else what the article says."""
    publisher = request.publisher or article.publisher
    title = request.title or article.title  # a .txt's first line, a page's title
    for value, option in ((publisher, "--publisher"), (title, "--title"), (request.report, "--report")):
        if not value:
            raise DraftRefused(f"{option} is required: the article does not say it")
    assert publisher and title and request.report  # refused above when missing
    year = request.report_year
    if year is None:
        year = report_year_of(request.report)
    try:
        return Source(
            id=request.source_id,
            publisher=publisher,
            title=title,
            standfirst=article.standfirst if article.standfirst != title else None,
            published=request.published or article.published,
            updated=article.updated,
            url=article.url,
            report=request.report,
            report_year=year,
            text_file=text_file_of(request.source_id),
        )
    except ValidationError as exc:
        raise DraftRefused(
            "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors())
        ) from exc


def write_draft(request: DraftRequest) -> DraftFiles:
    """Draft the article's source and facts and write them, with its text, for review."""
    draft_path, text_path = draft_paths(request)
    try:
        article = read_article(Path(request.article))
    except DraftInputError as exc:
        raise DraftRefused(str(exc)) from exc
    knowledge = existing_knowledge(request)
    source = proposed_source(request, article)
    draft = draft_article(article.text, source, knowledge, article.page_starts)
    if not draft.facts:
        raise DraftRefused(f"{request.article}: no sentence in the article states a figure or a finding")
    where = fact_locations(request.knowledge_dir)
    text_path.parent.mkdir(parents=True, exist_ok=True)
    text_path.write_text(article.text, encoding="utf-8")
    draft_path.write_text(render_draft(draft, str(request.article), where), encoding="utf-8")
    return DraftFiles(draft_path=draft_path, text_path=text_path, draft=draft, fact_locations=where)
