"""Knowledge: the YAML schema (sources, facts, figures) and its loader.

``load_knowledge(folder)`` reads every ``*.yaml``/``*.yml`` under the folder, validates it and
returns a ``LoadResult``: the ``Knowledge`` (sources and facts) when there are no errors, and
the list of ``KnowledgeIssue`` (errors and warnings), each naming file, line and fact id.
The rules each fact must keep live in ``fact_checks.py``. The schema lives here and only here;
``knowledge/README.md`` documents it for admins.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from retrieval.knowledge.fact_checks import KnowledgeIssue as KnowledgeIssue  # re-export: loading reports it
from retrieval.knowledge.fact_checks import _check_fact, _duplicate_statement_warnings

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
# A source's url, and any other address the bot is given: http(s), no spaces.
HTTP_URL = re.compile(r"^https?://\S+$")
DRAFT_MESSAGE = (
    "draft: review the statement, figures, measures, tags and questions against the quote "
    "(knowledge/README.md, 'Adding a new article with `knowledge draft`'), then delete `draft: true`"
)


class _Strict(BaseModel):
    # Unknown keys are errors: they are nearly always typos ("qoute:") that would otherwise
    # silently drop data.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Figure(_Strict):
    text: str = Field(min_length=1, description="The figure exactly as it appears in the quote.")
    value: float
    unit: str | None = None
    measure: str = Field(min_length=1)
    # The date or period the figure is for, as the source words it ("31 March 2022",
    # "2021 to 2022", "2017/18"); None means the source's own report period. A question naming
    # another date is never answered with this figure as if it were for that date.
    period: str | None = None
    # Where the figure is for ("England", "North West"); None means England as a whole.
    place: str | None = None


class Source(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1)
    standfirst: str | None = None
    published: dt.date | None
    # The page's "Updated" date, when it gives one: a later revision, never the publication date.
    updated: dt.date | None = None
    # What the text does establish about its date when ``published`` is null.
    date_note: str | None = None
    url: str | None
    report: str = Field(min_length=1)
    # Full title of the report edition, when the article gives it.
    report_title: str | None = None
    # Orders report editions newest first (the year the reporting period ends).
    report_year: int | None = None
    text_file: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, v: str | None) -> str | None:
        if v is not None and not HTTP_URL.match(v):
            raise ValueError("url must start with http:// or https://")
        return v

    @property
    def published_label(self) -> str:
        """ "4 December 2018", or "date not stated" when the article gives none."""
        if self.published is None:
            return "date not stated"
        return f"{self.published.day} {self.published:%B %Y}"

    def to_ref(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "publisher": self.publisher,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "report": self.report,
            "url": self.url,
        }


class Fact(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    source: str = Field(min_length=1)
    statement: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    # The page of a PDF source the quote is on (1-based), shown in the citation.
    page: int | None = Field(default=None, ge=1)
    figures: list[Figure] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    # Facts worth showing alongside; a related fact from another report edition is always
    # answered together with this one, newest report first.
    related: list[str] = Field(default_factory=list)
    # Set by ``ofsted-bot knowledge draft`` on every proposed fact: a person must review it and
    # delete the key before the fact can go live (``knowledge try`` accepts it, for trying).
    draft: bool = False


class KnowledgeFile(_Strict):
    sources: list[Source] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    # Everyday words colleagues use for the report's terms ("kids": "children"). A question
    # using the word is also matched on what it means, and the word counts as known.
    synonyms: dict[str, str] = Field(default_factory=dict)

    @field_validator("synonyms")
    @classmethod
    def _synonyms_not_blank(cls, v: dict[str, str]) -> dict[str, str]:
        for word, meaning in v.items():
            if not str(word).strip() or not str(meaning).strip():
                raise ValueError("a synonym and its meaning must both be non-empty text")
        return v


@dataclass(frozen=True)
class Knowledge:
    folder: Path
    sources: tuple[Source, ...]
    facts: tuple[Fact, ...]
    source_texts: Mapping[str, str]
    files: tuple[str, ...]
    synonyms: Mapping[str, str] = field(default_factory=dict)
    sources_by_id: Mapping[str, Source] = field(init=False)
    facts_by_id: Mapping[str, Fact] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources_by_id", {s.id: s for s in self.sources})
        object.__setattr__(self, "facts_by_id", {f.id: f for f in self.facts})

    def source_of(self, fact: Fact) -> Source:
        return self.sources_by_id[fact.source]

    def without_example_questions(self) -> Knowledge:
        """The same knowledge with every hand-written example question removed: what an admin's
        new source looks like, for measuring how well facts are found from their fields alone."""
        facts = tuple(f.model_copy(update={"questions": []}) for f in self.facts)
        return Knowledge(self.folder, self.sources, facts, self.source_texts, self.files, self.synonyms)

    @property
    def reports(self) -> list[str]:
        """Report editions covered, newest first."""
        ordered = sorted(self.sources, key=lambda s: -(s.report_year or 0))
        return list(dict.fromkeys(s.report for s in ordered))


@dataclass(frozen=True)
class LoadResult:
    knowledge: Knowledge | None
    issues: tuple[KnowledgeIssue, ...]

    @property
    def errors(self) -> list[KnowledgeIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[KnowledgeIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.knowledge is not None


class KnowledgeError(Exception):
    """Raised by ``require_knowledge`` when the folder does not validate."""

    def __init__(self, issues: Iterable[KnowledgeIssue]) -> None:
        self.issues = [i for i in issues if i.severity == "error"]
        super().__init__("\n".join(str(i) for i in self.issues))


def knowledge_files(folder: Path) -> list[Path]:
    """Every YAML file under the folder, in a stable order; hidden files and folders skipped."""
    found = [
        p
        for p in folder.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found)


# --- YAML with line numbers -------------------------------------------------------------------


def _node_at(node: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node:
    """The deepest YAML node along a pydantic error location (for its line number)."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = value
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _item_lines(root: yaml.Node, section: str) -> list[int]:
    node = _node_at(root, (section,))
    if isinstance(node, yaml.SequenceNode):
        return [item.start_mark.line + 1 for item in node.value]
    return []


@dataclass
class _ParsedFile:
    rel: str
    root: yaml.Node | None
    model: KnowledgeFile | None


def _parse_file(path: Path, rel: str, issues: list[KnowledgeIssue]) -> _ParsedFile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(KnowledgeIssue(rel, None, f"cannot read file: {exc}"))
        return _ParsedFile(rel, None, None)
    try:
        # SafeLoader only: a !!python/object tag is an error here, never an object.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.SafeLoader(text).get_single_data() if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        issues.append(KnowledgeIssue(rel, line, f"invalid YAML: {problem}"))
        return _ParsedFile(rel, None, None)
    if root is None or data is None:
        return _ParsedFile(rel, root, KnowledgeFile())
    if not isinstance(data, dict):
        issues.append(KnowledgeIssue(rel, 1, "the file must be a mapping with 'sources:' and/or 'facts:'"))
        return _ParsedFile(rel, root, None)
    try:
        model = KnowledgeFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _node_at(root, loc).start_mark.line + 1
            fact_id = _fact_id_at(data, loc)
            where = ".".join(str(p) for p in loc)
            issues.append(KnowledgeIssue(rel, line, f"{where}: {err['msg']}", fact_id))
        return _ParsedFile(rel, root, None)
    return _ParsedFile(rel, root, model)


def _fact_id_at(data: dict[str, Any], loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "facts" and isinstance(loc[1], int):
        facts = data.get("facts")
        if isinstance(facts, list) and loc[1] < len(facts) and isinstance(facts[loc[1]], dict):
            fid = facts[loc[1]].get("id")
            return str(fid) if fid is not None else None
    return None


# --- loading the folder -----------------------------------------------------------------------


def load_knowledge(
    folder: str | Path, extra_files: Iterable[Path] = (), allow_drafts: bool = False
) -> LoadResult:
    """Load and validate every YAML file under ``folder`` (plus ``extra_files``).

    ``allow_drafts`` (``knowledge try``) lets facts marked ``draft: true`` in ``extra_files``
    load; in the folder itself a draft is always an error, so it cannot go live unreviewed.
    """
    folder = Path(folder)
    issues: list[KnowledgeIssue] = []
    if not folder.is_dir():
        issues.append(KnowledgeIssue(str(folder), None, "knowledge folder not found"))
        return LoadResult(None, tuple(issues))

    extra = [Path(p) for p in extra_files]
    paths = knowledge_files(folder) + extra
    parsed = [_parse_file(p, _display(p, folder), issues) for p in paths]
    # A draft made by `knowledge draft` keeps its text beside it (sources/<id>.txt), the same
    # path it will have under the folder; an extra file's source text is looked for there first.
    extra_dirs = {pf.rel: p.parent for p, pf in zip(paths, parsed, strict=True) if p in extra}
    drafts_ok = {pf.rel for pf in parsed if pf.rel in extra_dirs} if allow_drafts else set()

    sources: dict[str, tuple[Source, str, int]] = {}
    facts: dict[str, tuple[Fact, str, int]] = {}
    synonyms: dict[str, str] = {}
    for pf in parsed:
        if pf.model is None or pf.root is None:
            continue
        synonyms.update({k.lower().strip(): v for k, v in pf.model.synonyms.items()})
        kinds: tuple[tuple[str, Sequence[Source | Fact], list[int], dict[str, Any]], ...] = (
            ("source", pf.model.sources, _item_lines(pf.root, "sources"), sources),
            ("fact", pf.model.facts, _item_lines(pf.root, "facts"), facts),
        )
        for kind, items, lines, seen in kinds:
            for item, line in zip(items, lines, strict=True):
                if item.id in seen:
                    _, other_rel, other_line = seen[item.id]
                    fid = item.id if kind == "fact" else None
                    issues.append(
                        KnowledgeIssue(
                            pf.rel,
                            line,
                            f"duplicate {kind} id '{item.id}' (first defined at {other_rel}:{other_line})",
                            fid,
                        )
                    )
                else:
                    seen[item.id] = (item, pf.rel, line)

    texts: dict[str, str] = {}
    for source, rel, line in sources.values():
        text_path = folder / source.text_file
        if rel in extra_dirs and (extra_dirs[rel] / source.text_file).is_file():
            text_path = extra_dirs[rel] / source.text_file
        try:
            texts[source.id] = text_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(KnowledgeIssue(rel, line, f"source '{source.id}': cannot read text_file: {exc}"))

    for fact, rel, line in facts.values():
        issues.extend(_check_fact(fact, rel, line, sources, facts, texts))
        if fact.draft and rel not in drafts_ok:
            issues.append(KnowledgeIssue(rel, line, DRAFT_MESSAGE, fact.id))

    issues.extend(_duplicate_statement_warnings(facts))

    if any(i.severity == "error" for i in issues):
        return LoadResult(None, tuple(issues))
    knowledge = Knowledge(
        folder=folder,
        sources=tuple(s for s, _, _ in sources.values()),
        facts=tuple(f for f, _, _ in facts.values()),
        source_texts=texts,
        files=tuple(pf.rel for pf in parsed),
        synonyms=synonyms,
    )
    return LoadResult(knowledge, tuple(issues))


def require_knowledge(
    folder: str | Path, extra_files: Iterable[Path] = (), allow_drafts: bool = False
) -> Knowledge:
    result = load_knowledge(folder, extra_files, allow_drafts)
    if result.knowledge is None:
        raise KnowledgeError(result.issues)
    return result.knowledge


def _display(path: Path, folder: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
