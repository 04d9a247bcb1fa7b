"""``ofsted-bot``: ask, chat, eval, knowledge check/list/try, serve."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import io
import json
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.runtime.settings import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Settings, SettingsError, configuration_error
from retrieval.evaluation.calibrate import DEFAULT_TARGET_DECLINED
from retrieval.evaluation.evaluate import (
    FOLLOW_UP_KINDS,
    MISS_KINDS,
    FollowUpSet,
    QuestionSet,
    evaluate_follow_ups,
    evaluate_splits,
    invariance,
    read_yaml,
)
from retrieval.knowledge.schema import ID_PATTERN, KnowledgeError, knowledge_files, load_knowledge
from retrieval.language.textnorm import without_surrogates
from retrieval.matching.answer import Answer, answer_question
from retrieval.matching.followup import PreviousTurn, answer_in_thread
from retrieval.safety.screening import Screening, screen_question

if TYPE_CHECKING:
    from retrieval.knowledge.schema import Knowledge
    from retrieval.matching.index import FactIndex


def format_answer_text(answer: Answer) -> str:
    """An Answer for a person at a terminal: statement, figures, quote, citation."""
    head = [f"Following up on: {answer.follows}"] if answer.follows else []
    if answer.corrected_question:
        head.append(f"Showing results for: {answer.corrected_question}")
    lines: list[str]
    if not answer.answered:
        lines = [*head, answer.decline_message]
        if answer.suggestions:
            lines.append("Nearest facts I do know:")
            lines += [f"  - {s.statement}  [{s.fact_id}]" for s in answer.suggestions]
        return "\n".join(lines)
    lines = list(head)
    for item in answer.answers:
        fact, source = item.fact, item.source
        label = "" if item.role == "best" else f"From the {source.report}: "
        lines.append(label + fact.statement)
        for fig in fact.figures:
            lines.append(f"  Figure: {fig.text} ({fig.measure})")
        lines += textwrap.wrap(f'"{fact.quote}"', width=100, initial_indent="  > ", subsequent_indent="  > ")
        lines.append(
            f'  Source: {source.publisher}, "{source.title}", {source.published_label}; {source.report}'
            + (f", p. {fact.page}" if fact.page else "")
            + (f" <{source.url}>" if source.url else "")
        )
        lines.append(f"  [fact {fact.id}, score {item.score:.2f}]")
        lines.append("")
    if answer.suggestions:
        lines.append("Did you mean:")
        lines += [f"  - {s.statement}  [{s.fact_id}]" for s in answer.suggestions]
    return "\n".join(lines).rstrip()


def _load_index(settings: Settings, extra_files: Sequence[Path] = ()) -> FactIndex:
    from bot.runtime.loading import load_fact_index  # imports torch: only for commands that need it

    return load_fact_index(settings, extra_files)


def screened_dict(screening: Screening) -> dict[str, object]:
    """The JSON for a question that was not searched; the question itself is not echoed."""
    return {
        "question": "" if screening.verdict == "personal_data" else screening.cleaned,
        "answered": False,
        "answers": [],
        "suggestions": [],
        "screened": screening.verdict,
        "kinds": list(screening.kinds),
        "message": screening.reply,
    }


def lenient_stdin() -> None:
    """Bytes on stdin that are not UTF-8 become U+FFFD instead of stopping the command."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")


def ask_one(
    index: Callable[[], FactIndex], question: str, as_json: bool, previous: PreviousTurn | None = None
) -> tuple[int, Answer | None]:
    """Print the answer to one question (read as a follow-up of ``previous`` when given); exit
    code 2 when it held personal data. The answer is None for a question that was not searched.

    ``index`` is called only for a question that is searched: a refusal needs no model.
    """
    # Bytes in argv that were not UTF-8 arrive as lone surrogates, which the tokenizer rejects.
    question = without_surrogates(question)
    screening = screen_question(question)
    if screening.verdict != "ok" and question.strip():
        if as_json:
            print(json.dumps(screened_dict(screening), ensure_ascii=False), flush=True)
        else:
            print(screening.reply, file=sys.stderr if screening.verdict == "personal_data" else sys.stdout)
        return (EXIT_USAGE if screening.verdict == "personal_data" else EXIT_OK), None
    answer = answer_in_thread(index(), screening.cleaned or question, previous)
    if as_json:
        print(json.dumps(answer.to_dict() | {"question": question}, ensure_ascii=False), flush=True)
    else:
        print(format_answer_text(answer))
    return EXIT_OK, answer


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    index = functools.cache(lambda: _load_index(settings))
    if args.question == "-":
        lenient_stdin()
        codes = [ask_one(index, line.rstrip("\n"), as_json=True)[0] for line in sys.stdin]
        return max(codes, default=EXIT_OK)
    return ask_one(index, args.question, as_json=args.json)[0]


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    print("Loading the Ofsted report knowledge…", file=sys.stderr)
    lenient_stdin()
    loaded = _load_index(settings)

    def index() -> FactIndex:
        return loaded

    print(
        f"Ask about {', '.join(loaded.knowledge.reports)}. Type a question; 'quit' or Ctrl-D to leave.",
        file=sys.stderr,
    )
    previous: PreviousTurn | None = None
    while True:
        try:
            question = input("ofsted> ")
        except (EOFError, KeyboardInterrupt):
            print(file=sys.stderr)
            return EXIT_OK
        if question.strip().lower() in ("quit", "exit", ":q"):
            return EXIT_OK
        if not question.strip():
            print("Type a question about the Ofsted annual report, e.g. 'How many children are in care?'")
            continue
        # Each question is read with the last one answered, so "and the year before?" follows up.
        # A question that was screened (personal data) is never kept as context.
        _, answer = ask_one(index, question, as_json=False, previous=previous)
        if answer is not None:
            previous = PreviousTurn.of(answer)
        print()


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if FollowUpSet.is_follow_up_file(read_yaml(args.file)):
            return _eval_follow_ups(FollowUpSet.from_file(args.file), settings, args.json)
        questions = QuestionSet.from_file(args.file)
    except (OSError, ValueError) as exc:
        print(f"cannot read question set {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.split and args.split not in questions.splits:
        known = ", ".join(questions.splits) or "none"
        print(f"{args.file} has no split {args.split!r} (its splits: {known})", file=sys.stderr)
        return EXIT_USAGE
    if args.split:
        questions = questions.only(args.split)
    if args.without_example_questions:
        from bot.runtime.loading import index_without_example_questions

        index = index_without_example_questions(settings)
    else:
        index = _load_index(settings)
    if args.invariance:
        return _print_invariance(questions, lambda q: answer_question(index, q), args.json)
    reports = evaluate_splits(questions, lambda q: answer_question(index, q))
    if args.json:
        data = {name: report.to_dict() for name, report in reports.items()}
        print(json.dumps(data if len(data) > 1 else data["all"], ensure_ascii=False, indent=2))
        return EXIT_OK
    misses = reports["all"].misses
    for kind in MISS_KINDS:
        for miss in (m for m in misses if m["miss"] == kind):
            got = f"got {miss['got']}"
            if not miss["answered"]:
                got = f"declined ({miss['reason']}; nearest {miss['got']})"
            split = f" [{miss['split']}]" if miss["split"] else ""
            print(f"MISS {kind}{split}: {miss['question']!r}: {got} (score {miss['score']:.3f})")
    for name, report in reports.items():
        if name == "all" and len(reports) > 1:
            name = "all splits"
        counts = ", ".join(f"{k} {v}" for k, v in report.miss_counts().items())
        print(
            f"{name}: in-scope top-1 {report.in_scope_correct}/{report.in_scope_total} = {report.top1:.3f}; "
            f"out-of-scope declined {report.out_of_scope_declined}/{report.out_of_scope_total}"
            f" = {report.declined_share:.3f}; misses: {counts}"
        )
    return EXIT_OK


def _eval_follow_ups(pairs: FollowUpSet, settings: Settings, as_json: bool) -> int:
    """A follow-up set: each pair's previous question asked, then the follow-up in its thread."""
    index = _load_index(settings)
    result = evaluate_follow_ups(
        pairs,
        lambda q: answer_question(index, q),
        lambda q, before: answer_in_thread(index, q, PreviousTurn.of(before)),
    )
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_OK
    for miss in result["misses"]:
        got = f"got {miss['got']}" if miss["answered"] else f"declined ({miss['reason']})"
        print(f"MISS {miss['kind']} [{miss['split']}]: {miss['previous']!r} → {miss['follow_up']!r}: {got}")
    for kind in FOLLOW_UP_KINDS:
        for split, tally in result.get(kind, {}).items():
            alone = ""
            if "same_as_alone" in tally:
                alone = f"; answered as if alone {tally['same_as_alone']}/{tally['total']}"
            print(f"{kind} [{split}]: right {tally['right']}/{tally['total']} = {tally['share']:.3f}{alone}")
    return EXIT_OK


def _print_invariance(questions: QuestionSet, ask: Callable[[str], Answer], as_json: bool) -> int:
    results = invariance(questions, ask)
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return EXIT_OK
    for name, result in results.items():
        for text in result["broken"]:
            print(f"BROKEN by {name}: {text!r}")
    kept = sum(r["kept"] for r in results.values())
    total = sum(r["total"] for r in results.values())
    for name, result in results.items():
        print(f"{name}: {result['kept']}/{result['total']} = {result['share']:.3f} stay right")
    print(f"overall: {kept}/{total} = {kept / total if total else 1.0:.3f}")
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.evaluation.calibrate import calibrate
    from retrieval.matching.decision import DEFAULT_MODEL_PATH, models_to_json

    sets: dict[str, QuestionSet] = {}
    for spec in args.sets:
        path, _, split = spec.partition(":")
        try:
            questions = QuestionSet.from_file(path)
        except (OSError, ValueError) as exc:
            print(f"cannot read question set {path}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if split:
            if split not in questions.splits:
                print(f"{path} has no split {split!r}", file=sys.stderr)
                return EXIT_USAGE
            questions = questions.only(split)
        sets[f"{Path(path).name}{':' + split if split else ''}"] = questions
    names = list(sets)
    in_scope = sum(len(qs.in_scope) for qs in sets.values())
    out_of_scope = sum(len(qs.out_of_scope) for qs in sets.values())
    if not in_scope or not out_of_scope:
        print("calibrate needs answerable and unanswerable questions", file=sys.stderr)
        return EXIT_USAGE
    from bot.runtime.loading import index_without_example_questions

    indexes = [_load_index(settings), index_without_example_questions(settings)]
    models, figures = calibrate(indexes, sets, target_declined=args.target)
    out = Path(args.output) if args.output else DEFAULT_MODEL_PATH
    out.write_text(models_to_json(models), encoding="utf-8")
    counts = f"{in_scope} answerable and {out_of_scope} unanswerable questions"
    print(f"fitted on {counts}")
    print(f"  ({', '.join(names)})")
    for (name, fig), model in zip(figures.items(), models, strict=True):
        print(
            f"{name}: cross-validated ({'each set held out' if fig['held_out_by_set'] else 'folds'}) "
            f"answerable answered right {fig['cv_in_scope_right']:.3f}, "
            f"unanswerable declined {fig['cv_out_of_scope_declined']:.3f}; best fact right "
            f"{fig['ranking_right']:.3f}; threshold {model.threshold:.4f}"
        )
    print(f"wrote {out}")
    return EXIT_OK


def cmd_knowledge_check(args: argparse.Namespace, settings: Settings) -> int:
    folder = Path(args.dir) if args.dir else settings.knowledge_dir
    result = load_knowledge(folder)
    for issue in result.issues:
        print(issue, file=sys.stderr if issue.severity == "error" else sys.stdout)
    if not result.ok:
        print(f"knowledge check failed: {len(result.errors)} error(s)", file=sys.stderr)
        return EXIT_ERROR
    k = result.knowledge
    assert k is not None
    print(
        f"knowledge OK: {len(k.sources)} source(s), {len(k.facts)} fact(s) in {len(k.files)} file(s)"
        + (f", {len(result.warnings)} warning(s)" if result.warnings else "")
    )
    return EXIT_OK


def _knowledge_or_print_errors(settings: Settings) -> Knowledge | None:
    """The knowledge folder, loaded; None (its errors printed to stderr) when it does not load."""
    result = load_knowledge(settings.knowledge_dir)
    for issue in result.errors if result.knowledge is None else ():
        print(issue, file=sys.stderr)
    return result.knowledge


def cmd_knowledge_list(args: argparse.Namespace, settings: Settings) -> int:
    k = _knowledge_or_print_errors(settings)
    if k is None:
        return EXIT_ERROR
    facts = [
        {
            "id": f.id,
            "statement": f.statement,
            "quote": f.quote,
            "figures": [fig.model_dump() for fig in f.figures],
            "source": k.source_of(f).to_ref(),
            "tags": f.tags,
            "questions": f.questions,
        }
        for f in k.facts
    ]
    if args.json:
        print(json.dumps(facts, ensure_ascii=False, indent=2))
    else:
        for f in facts:
            print(f"{f['id']}: {f['statement']}")
    return EXIT_OK


def cmd_knowledge_try(args: argparse.Namespace, settings: Settings) -> int:
    """Load the knowledge plus one new file and show which fact would answer the question."""
    extra = Path(args.file)
    if not extra.is_file():
        print(f"no such file: {extra}", file=sys.stderr)
        return EXIT_USAGE
    if extra.resolve().is_relative_to(settings.knowledge_dir.resolve()):
        extra_files: list[Path] = []  # already part of the folder
    else:
        extra_files = [extra]
    # A draft (`knowledge draft`, facts still marked `draft: true`) can be tried before review.
    result = load_knowledge(settings.knowledge_dir, extra_files, allow_drafts=True)
    for issue in result.issues:
        print(issue, file=sys.stderr if issue.severity == "error" else sys.stdout)
    if not result.ok:
        print(f"{extra}: not loaded: fix the error(s) above", file=sys.stderr)
        return EXIT_ERROR
    assert result.knowledge is not None
    if any(f.draft for f in result.knowledge.facts):
        index = _index_of_drafts(settings, result.knowledge)
    else:
        index = _load_index(settings, extra_files)
    answer = answer_question(index, args.question)
    print(format_answer_text(answer))
    if answer.best is not None:
        before = load_knowledge(settings.knowledge_dir).knowledge
        known_before = {f.id for f in before.facts} if before else set()
        where = "already in the knowledge" if answer.best.fact.id in known_before else "from your file"
        print(f"\n=> answered by fact '{answer.best.fact.id}' ({where})")
    return EXIT_OK


def cmd_knowledge_questions(args: argparse.Namespace, settings: Settings) -> int:
    """The example questions a fact is found by: the hand-written ones and those generated from
    its fields (a draft's facts too, with the draft file given)."""
    from retrieval.matching.index import generated_for

    extra = [Path(args.file)] if args.file else []
    result = load_knowledge(settings.knowledge_dir, extra, allow_drafts=True)
    if result.knowledge is None:
        for issue in result.errors:
            print(issue, file=sys.stderr)
        return EXIT_ERROR
    fact = result.knowledge.facts_by_id.get(args.fact_id)
    if fact is None:
        print(f"no fact '{args.fact_id}' (see `ofsted-bot knowledge list`)", file=sys.stderr)
        return EXIT_USAGE
    generated = generated_for(fact, result.knowledge)
    if args.json:
        print(json.dumps({"id": fact.id, "written": fact.questions, "generated": list(generated)}, indent=1))
        return EXIT_OK
    print(f"{fact.id}: {len(fact.questions)} written, {len(generated)} generated from its fields")
    for kind, questions in (("written", fact.questions), ("generated", generated)):
        for question in questions:
            print(f"  [{kind}] {question}")
    return EXIT_OK


def _index_of_drafts(settings: Settings, knowledge: Knowledge) -> FactIndex:
    """The index of knowledge already loaded with its drafts (``load_fact_index`` refuses drafts)."""
    from bot.runtime.loading import shared_encoder
    from retrieval.matching.answer import warm_up
    from retrieval.matching.index import FactIndex

    index = FactIndex.build(knowledge, shared_encoder(settings.embedding_model), cache_dir=settings.cache_dir)
    warm_up(index)
    return index


def _fact_lines(folder: Path) -> dict[str, str]:
    """Where each fact is defined ("knowledge/facts/judgements.yaml:4"), to say where to link back."""
    where: dict[str, str] = {}
    for path in knowledge_files(folder):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for n, line in enumerate(lines, 1):
            m = re.match(r"^\s*-\s*id:\s*([a-z0-9][a-z0-9._-]*)\s*$", line)
            if m:
                where.setdefault(m[1], f"{path}:{n}")
    return where


def cmd_knowledge_draft(args: argparse.Namespace, settings: Settings) -> int:
    """Propose a source entry and draft facts for a new article, in a file outside the folder."""
    from pydantic import ValidationError

    from retrieval.authoring.article import DraftInputError, read_article
    from retrieval.authoring.drafting import draft_article, render_draft
    from retrieval.knowledge.schema import Source

    def refuse(message: str, code: int = EXIT_USAGE) -> int:
        print(f"knowledge draft: {message}", file=sys.stderr)
        return code

    sid = args.source_id
    if not re.match(ID_PATTERN, sid):
        return refuse(f"--source-id '{sid}' must be lowercase letters, digits, '.', '_' or '-'")
    out = Path(args.output) if args.output else Path.cwd() / f"{sid}.draft.yaml"
    folder = settings.knowledge_dir
    if out.resolve().is_relative_to(folder.resolve()):
        return refuse(
            f"{out} is inside the knowledge folder ({folder}): "
            "write the draft elsewhere, review it, then move it in"
        )
    text_rel = f"sources/{sid}.txt"
    text_out = out.parent / text_rel
    for path in (out, text_out):
        if path.exists() and not args.force:
            return refuse(f"{path} already exists (give --force to replace it)")
    try:
        article = read_article(Path(args.path))
    except DraftInputError as exc:
        return refuse(str(exc))
    result = load_knowledge(folder)
    if result.knowledge is None:
        return refuse(
            f"the knowledge folder {folder} has errors: run `ofsted-bot knowledge check`", EXIT_ERROR
        )
    knowledge = result.knowledge
    if sid in knowledge.sources_by_id or (folder / text_rel).exists():
        return refuse(f"source id '{sid}' already exists in {folder}: choose another --source-id")
    publisher = args.publisher or article.publisher
    title = args.title or article.title  # a .txt's first line, a page's title
    for value, option in ((publisher, "--publisher"), (title, "--title"), (args.report, "--report")):
        if not value:
            return refuse(f"{option} is required: the article does not say it")
    assert publisher and title  # refused above when missing
    year = args.report_year
    if year is None and (m := re.search(r"\b(20\d\d)/(\d\d)\b", args.report)):
        year = 2000 + int(m[2])  # "Ofsted Annual Report 2017/18" covers the year ending 2018
    try:
        source = Source(
            id=sid,
            publisher=publisher,
            title=title,
            standfirst=article.standfirst if article.standfirst != title else None,
            published=args.published or article.published,
            updated=article.updated,
            url=article.url,
            report=args.report,
            report_year=year,
            text_file=text_rel,
        )
    except ValidationError as exc:
        return refuse("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    draft = draft_article(article.text, source, knowledge, article.page_starts)
    if not draft.facts:
        return refuse(f"{args.path}: no sentence in the article states a figure or a finding")
    where = _fact_lines(folder)
    text_out.parent.mkdir(parents=True, exist_ok=True)
    text_out.write_text(article.text, encoding="utf-8")
    out.write_text(render_draft(draft, str(args.path), where), encoding="utf-8")
    with_figures = sum(1 for f in draft.facts if f.figures)
    print(f"wrote {out}: {len(draft.facts)} draft fact(s), {with_figures} with figures; text in {text_out}")
    for fact in draft.facts:
        for fid, why in fact.duplicate_of:
            print(f"  duplicate: '{fact.id}' restates '{fid}' ({why})")
        for fid in fact.related_back:
            print(
                f"  related: '{fact.id}' <-> '{fid}': "
                f"also add '{fact.id}' to related of '{fid}' ({where.get(fid, '?')})"
            )
    print(
        "next: review each fact and delete its `draft: true`; try it with: "
        f'ofsted-bot knowledge try {out} "a question"'
    )
    return EXIT_OK


def cmd_knowledge_coverage(args: argparse.Namespace, settings: Settings) -> int:
    """Per source: the figures and sentences of its text that no fact quotes."""
    from retrieval.authoring.coverage import coverage

    knowledge = _knowledge_or_print_errors(settings)
    if knowledge is None:
        return EXIT_ERROR
    report = coverage(knowledge)
    if args.json:
        print(json.dumps([c.to_dict() for c in report], ensure_ascii=False, indent=2))
        return EXIT_OK
    for c in report:
        print(
            f"{c.source_id}: figures {c.figures_covered}/{c.figures_total} covered ({c.share:.0%}); "
            f"sentences {c.sentences_covered}/{c.sentences_total} quoted"
        )
        for figure, sentence in c.uncovered_figures:
            print(f"  figure not quoted: {figure!r} in: {sentence}")
        for sentence in c.uncovered_sentences:
            print(f"  sentence not quoted: {sentence}")
    return EXIT_OK


def cmd_gaps(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.admin import collect_gaps
    from bot.storage.store import FeedbackStore
    from retrieval.evaluation.gaps import format_gaps_report, gaps_report_dict

    index = _load_index(settings)
    with FeedbackStore.from_settings(settings) as store:
        groups, votes = collect_gaps(store, index, args.since)
    if args.json:
        print(json.dumps(gaps_report_dict(groups, votes, index.knowledge.facts_by_id), ensure_ascii=False))
    else:
        print(format_gaps_report(groups, votes, index.knowledge.facts_by_id), end="")
    return EXIT_OK


def cmd_tune_encoder(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime.loading import build_tuned_encoder, without_questions_model_dir
    from retrieval.evaluation.tuning import TrainingTexts
    from retrieval.knowledge.schema import require_knowledge

    knowledge = require_knowledge(settings.knowledge_dir)
    out = Path(args.output) if args.output else settings.tuned_model_dir
    if args.without_example_questions:
        knowledge = knowledge.without_example_questions()
        out = Path(args.output) if args.output else without_questions_model_dir(settings.tuned_model_dir)
    training = TrainingTexts.from_knowledge(knowledge)
    written = sum(len(f.questions) for f in knowledge.facts)
    print(
        f"fine-tuning the encoder on {written} written and {len(training.anchors) - written} generated "
        f"example questions of {len(knowledge.facts)} facts…",
        file=sys.stderr,
    )
    name = build_tuned_encoder(
        out, knowledge, base_model=args.base, rebuild=True, progress=lambda line: print(line, file=sys.stderr)
    )
    print(f"wrote {out} ({name})")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime.server import serve

    return serve(settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ofsted-bot",
        description="Answers questions about Ofsted's annual report on children's services.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question (or '-' for one per line on stdin, as JSON)")
    ask.add_argument("question", help="the question, or '-' to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.set_defaults(func=cmd_ask)

    chat = sub.add_parser("chat", help="a local console: type questions, get answers")
    chat.set_defaults(func=cmd_chat)

    ev = sub.add_parser("eval", help="score a question set (format of shared/eval/dev.yaml)")
    ev.add_argument("file")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--split", help="score only this split of the set (e.g. tune, report)")
    ev.add_argument(
        "--invariance",
        action="store_true",
        help="reword the questions answered right (greeting, thanks, lower case, a typo): how many stay so",
    )
    ev.add_argument(
        "--without-example-questions",
        action="store_true",
        help="score the knowledge with every hand-written example question removed (and, with "
        "EMBEDDING_MODEL=tuned, an encoder tuned on it alone): how well facts are found from their fields",
    )
    ev.set_defaults(func=cmd_eval)

    cal = sub.add_parser(
        "calibrate", help="fit the answer/decline decision on tuning question sets (FILE or FILE:SPLIT)"
    )
    cal.add_argument("sets", nargs="+", metavar="FILE[:SPLIT]")
    cal.add_argument(
        "--target",
        type=float,
        default=DEFAULT_TARGET_DECLINED,
        help="share of unanswerable questions to decline",
    )
    cal.add_argument("-o", "--output", help="model file to write (default: the shipped decision_model.json)")
    cal.set_defaults(func=cmd_calibrate)

    kn = sub.add_parser("knowledge", help="check or list the knowledge files")
    ksub = kn.add_subparsers(dest="knowledge_command", required=True)
    check = ksub.add_parser("check", help="validate the knowledge folder; non-zero exit on any error")
    check.add_argument("dir", nargs="?", help="folder to check (default: KNOWLEDGE_DIR or knowledge/)")
    check.set_defaults(func=cmd_knowledge_check)
    lst = ksub.add_parser("list", help="list every fact")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_knowledge_list)
    trial = ksub.add_parser("try", help="see which fact would answer, with a new file added")
    trial.add_argument("file", help="a YAML file with new sources/facts (not yet in the folder)")
    trial.add_argument("question")
    trial.set_defaults(func=cmd_knowledge_try)
    qs = ksub.add_parser(
        "questions", help="a fact's example questions: hand-written, and generated from its fields"
    )
    qs.add_argument("fact_id", metavar="FACT-ID")
    qs.add_argument("file", nargs="?", help="a draft or new YAML file the fact is in (not yet in the folder)")
    qs.add_argument("--json", action="store_true")
    qs.set_defaults(func=cmd_knowledge_questions)
    dr = ksub.add_parser(
        "draft",
        help="draft a source and its facts from an article (.txt, saved .html or .pdf), outside the folder",
    )
    dr.add_argument(
        "path", help="the article: a .txt file, an .html page saved from the browser, or a PDF with text"
    )
    dr.add_argument("--source-id", required=True, help="id of the new source, e.g. example-news-2019-12-03")
    dr.add_argument("--publisher", help="who published it (default: the page's site name)")
    dr.add_argument("--title", help="the headline (default: the page's title, or the text's first line)")
    dr.add_argument("--published", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help="publication date")
    dr.add_argument("--report", help="the report edition it covers, e.g. 'Ofsted Annual Report 2018/19'")
    dr.add_argument("--report-year", type=int, metavar="N", help="the year the reporting period ends")
    dr.add_argument(
        "-o", "--output", metavar="OUT.yaml", help="draft file (default: <source-id>.draft.yaml here)"
    )
    dr.add_argument("--force", action="store_true", help="replace an existing draft and its text")
    dr.set_defaults(func=cmd_knowledge_draft)
    cov = ksub.add_parser("coverage", help="per source: figures and sentences that no fact quotes")
    cov.add_argument("--json", action="store_true")
    cov.set_defaults(func=cmd_knowledge_coverage)

    gaps = sub.add_parser("gaps", help="unanswered questions grouped by similarity, and answer votes")
    gaps.add_argument("--since", type=int, metavar="DAYS", help="only the last DAYS days")
    gaps.add_argument("--json", action="store_true")
    gaps.set_defaults(func=cmd_gaps)

    tune = sub.add_parser(
        "tune-encoder", help="fine-tune the embedding model on the knowledge's example questions (make model)"
    )
    tune.add_argument(
        "-o", "--output", help="folder to write (default: TUNED_MODEL_DIR, models/ofsted-minilm)"
    )
    tune.add_argument("--base", default="bundled", help="the model to start from (default: bundled)")
    tune.add_argument(
        "--without-example-questions",
        action="store_true",
        help="tune on the knowledge with its hand-written questions removed, into "
        "models/ofsted-minilm-without-questions (what eval --without-example-questions and calibrate use)",
    )
    tune.set_defaults(func=cmd_tune_encoder)

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "ask" and args.question == "-" and not args.json:
            args.json = True  # stdin mode always prints JSON lines
        return int(args.func(args, settings))
    except SettingsError as exc:
        print(configuration_error(exc), file=sys.stderr)
        return EXIT_USAGE
    except KnowledgeError as exc:
        print("the knowledge folder has errors:", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_ERROR
