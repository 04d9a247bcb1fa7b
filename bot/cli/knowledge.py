"""``ofsted-bot knowledge``: check, list, try, questions, draft and coverage of the knowledge
files."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.answers import format_answer_text
from bot.cli.parsing import Converted, Group
from bot.cli.shared import json_option, knowledge_or_print_errors, load_index, output_option, pass_settings
from bot.runtime.settings import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Settings
from retrieval.knowledge.schema import KnowledgeIssue, load_knowledge
from retrieval.matching.answer import answer_question

if TYPE_CHECKING:
    from retrieval.knowledge.schema import Knowledge
    from retrieval.matching.index import FactIndex

knowledge = Group("knowledge", dest="knowledge_command", help="check or list the knowledge files")


def print_issues(issues: Iterable[KnowledgeIssue]) -> None:
    """Each issue of a load: errors to stderr, warnings to stdout."""
    for issue in issues:
        print(issue, file=sys.stderr if issue.severity == "error" else sys.stdout)


@knowledge.command("check")
@click.argument("folder", metavar="[DIR]", required=False)
@pass_settings
def check(settings: Settings, folder: str | None) -> int:
    """validate the knowledge folder; non-zero exit on any error

    DIR is the folder to check (default: KNOWLEDGE_DIR or knowledge/).
    """
    result = load_knowledge(Path(folder) if folder else settings.knowledge_dir)
    print_issues(result.issues)
    if not result.ok:
        print(f"knowledge check failed: {len(result.errors)} error(s)", file=sys.stderr)
        return EXIT_ERROR
    loaded = result.knowledge
    assert loaded is not None
    counts = f"{len(loaded.sources)} source(s), {len(loaded.facts)} fact(s) in {len(loaded.files)} file(s)"
    warnings = f", {len(result.warnings)} warning(s)" if result.warnings else ""
    print(f"knowledge OK: {counts}{warnings}")
    return EXIT_OK


@knowledge.command("list")
@json_option()
@pass_settings
def list_facts(settings: Settings, as_json: bool) -> int:
    """list every fact"""
    loaded = knowledge_or_print_errors(settings)
    if loaded is None:
        return EXIT_ERROR
    facts = [
        {
            "id": fact.id,
            "statement": fact.statement,
            "quote": fact.quote,
            "figures": [figure.model_dump() for figure in fact.figures],
            "source": loaded.source_of(fact).to_ref(),
            "tags": fact.tags,
            "questions": fact.questions,
        }
        for fact in loaded.facts
    ]
    if as_json:
        print(json.dumps(facts, ensure_ascii=False, indent=2))
    else:
        for fact_dict in facts:
            print(f"{fact_dict['id']}: {fact_dict['statement']}")
    return EXIT_OK


@knowledge.command("try")
@click.argument("file")
@click.argument("question")
@pass_settings
def try_file(settings: Settings, file: str, question: str) -> int:
    """see which fact would answer, with a new file added

    FILE is a YAML file with new sources/facts (not yet in the folder).
    """
    extra = Path(file)
    if not extra.is_file():
        print(f"no such file: {extra}", file=sys.stderr)
        return EXIT_USAGE
    if extra.resolve().is_relative_to(settings.knowledge_dir.resolve()):
        extra_files: list[Path] = []  # already part of the folder
    else:
        extra_files = [extra]
    # A draft (`knowledge draft`, facts still marked `draft: true`) can be tried before review.
    result = load_knowledge(settings.knowledge_dir, extra_files, allow_drafts=True)
    print_issues(result.issues)
    if not result.ok:
        print(f"{extra}: not loaded: fix the error(s) above", file=sys.stderr)
        return EXIT_ERROR
    assert result.knowledge is not None
    if any(fact.draft for fact in result.knowledge.facts):
        index = index_of_drafts(settings, result.knowledge)
    else:
        index = load_index(settings, extra_files)
    answer = answer_question(index, question)
    print(format_answer_text(answer))
    if answer.best is not None:
        before = load_knowledge(settings.knowledge_dir).knowledge
        known_before = {fact.id for fact in before.facts} if before else set()
        where = "already in the knowledge" if answer.best.fact.id in known_before else "from your file"
        print(f"\n=> answered by fact '{answer.best.fact.id}' ({where})")
    return EXIT_OK


def index_of_drafts(settings: Settings, loaded: Knowledge) -> FactIndex:
    """The index of knowledge already loaded with its drafts (``load_fact_index`` refuses drafts)."""
    from bot.runtime.loading import shared_encoder
    from retrieval.matching.answer import warm_up
    from retrieval.matching.index import FactIndex

    index = FactIndex.build(loaded, shared_encoder(settings.embedding_model), cache_dir=settings.cache_dir)
    warm_up(index)
    return index


@knowledge.command("questions")
@click.argument("fact_id", metavar="FACT-ID")
@click.argument("file", required=False)
@json_option()
@pass_settings
def questions(settings: Settings, fact_id: str, file: str | None, as_json: bool) -> int:
    """a fact's example questions: hand-written, and generated from its fields

    FILE is a draft or new YAML file the fact is in (not yet in the folder).
    """
    from retrieval.matching.index import generated_for

    extra = [Path(file)] if file else []
    result = load_knowledge(settings.knowledge_dir, extra, allow_drafts=True)
    if result.knowledge is None:
        for issue in result.errors:
            print(issue, file=sys.stderr)
        return EXIT_ERROR
    fact = result.knowledge.facts_by_id.get(fact_id)
    if fact is None:
        print(f"no fact '{fact_id}' (see `ofsted-bot knowledge list`)", file=sys.stderr)
        return EXIT_USAGE
    generated = generated_for(fact, result.knowledge)
    if as_json:
        print(json.dumps({"id": fact.id, "written": fact.questions, "generated": list(generated)}, indent=1))
        return EXIT_OK
    print(f"{fact.id}: {len(fact.questions)} written, {len(generated)} generated from its fields")
    for kind, listed in (("written", fact.questions), ("generated", generated)):
        for listed_question in listed:
            print(f"  [{kind}] {listed_question}")
    return EXIT_OK


@knowledge.command("draft")
@click.argument("path")
@click.option(
    "--source-id",
    required=True,
    metavar="SOURCE_ID",
    help="id of the new source, e.g. example-news-2019-12-03",
)
@click.option("--publisher", metavar="PUBLISHER", help="who published it (default: the page's site name)")
@click.option(
    "--title", metavar="TITLE", help="the headline (default: the page's title, or the text's first line)"
)
@click.option(
    "--published", type=Converted(dt.date.fromisoformat), metavar="YYYY-MM-DD", help="publication date"
)
@click.option(
    "--report", metavar="REPORT", help="the report edition it covers, e.g. 'Ofsted Annual Report 2018/19'"
)
@click.option("--report-year", type=Converted(int), metavar="N", help="the year the reporting period ends")
@output_option("draft file (default: <source-id>.draft.yaml here)", metavar="OUT.yaml")
@click.option("--force", is_flag=True, help="replace an existing draft and its text")
@pass_settings
def draft(
    settings: Settings,
    path: str,
    source_id: str,
    publisher: str | None,
    title: str | None,
    published: dt.date | None,
    report: str | None,
    report_year: int | None,
    output: str | None,
    force: bool,
) -> int:
    """draft a source and its facts from an article (.txt, saved .html or .pdf), outside the folder

    PATH is the article: a .txt file, an .html page saved from the browser, or a PDF with text.
    """
    from retrieval.authoring.draft_files import DraftRefused, DraftRequest, KnowledgeFolderBroken, write_draft

    request = DraftRequest(
        article=path,
        source_id=source_id,
        knowledge_dir=settings.knowledge_dir,
        output=Path(output) if output else None,
        publisher=publisher,
        title=title,
        published=published,
        report=report,
        report_year=report_year,
        force=force,
    )
    try:
        written = write_draft(request)
    except DraftRefused as exc:
        print(f"knowledge draft: {exc}", file=sys.stderr)
        return EXIT_ERROR if isinstance(exc, KnowledgeFolderBroken) else EXIT_USAGE
    facts = written.draft.facts
    with_figures = sum(1 for fact in facts if fact.figures)
    print(
        f"wrote {written.draft_path}: {len(facts)} draft fact(s), {with_figures} with figures; "
        f"text in {written.text_path}"
    )
    for fact in facts:
        for duplicate_id, why in fact.duplicate_of:
            print(f"  duplicate: '{fact.id}' restates '{duplicate_id}' ({why})")
        for related_id in fact.related_back:
            print(
                f"  related: '{fact.id}' <-> '{related_id}': also add '{fact.id}' to related of "
                f"'{related_id}' ({written.fact_locations.get(related_id, '?')})"
            )
    print(
        "next: review each fact and delete its `draft: true`; try it with: "
        f'ofsted-bot knowledge try {written.draft_path} "a question"'
    )
    return EXIT_OK


@knowledge.command("coverage")
@json_option()
@pass_settings
def coverage_report(settings: Settings, as_json: bool) -> int:
    """per source: figures and sentences that no fact quotes"""
    from retrieval.authoring.coverage import coverage

    loaded = knowledge_or_print_errors(settings)
    if loaded is None:
        return EXIT_ERROR
    report = coverage(loaded)
    if as_json:
        print(json.dumps([source.to_dict() for source in report], ensure_ascii=False, indent=2))
        return EXIT_OK
    for source in report:
        print(
            f"{source.source_id}: figures {source.figures_covered}/{source.figures_total} covered "
            f"({source.share:.0%}); sentences {source.sentences_covered}/{source.sentences_total} quoted"
        )
        for figure, sentence in source.uncovered_figures:
            print(f"  figure not quoted: {figure!r} in: {sentence}")
        for sentence in source.uncovered_sentences:
            print(f"  sentence not quoted: {sentence}")
    return EXIT_OK
