"""``ofsted-bot eval``, ``calibrate`` and ``tune-encoder``: scoring question sets, fitting the
answer/decline decision on them, and tuning the encoder on the knowledge."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from bot.cli.parsing import Command, Converted
from bot.cli.shared import (
    json_option,
    load_index,
    output_option,
    pass_settings,
    without_example_questions_option,
)
from bot.runtime.settings import EXIT_OK, EXIT_USAGE, Settings
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
from retrieval.matching.answer import Answer, answer_question
from retrieval.matching.followup import PreviousTurn, answer_in_thread


@click.command("eval", cls=Command)
@click.argument("file")
@json_option()
@click.option("--split", metavar="SPLIT", help="score only this split of the set (e.g. tune, report)")
@click.option(
    "--invariance",
    "check_invariance",
    is_flag=True,
    help="reword the questions answered right (greeting, thanks, lower case, a typo): how many stay so",
)
@without_example_questions_option(
    "score the knowledge with every hand-written example question removed (and, with "
    "EMBEDDING_MODEL=tuned, an encoder tuned on it alone): how well facts are found from their fields"
)
@pass_settings
def score_question_set(
    settings: Settings,
    file: str,
    as_json: bool,
    split: str | None,
    check_invariance: bool,
    without_example_questions: bool,
) -> int:
    """score a question set (format of shared/eval/dev.yaml)"""
    try:
        if FollowUpSet.is_follow_up_file(read_yaml(file)):
            return score_follow_ups(FollowUpSet.from_file(file), settings, as_json)
        questions = QuestionSet.from_file(file)
    except (OSError, ValueError) as exc:
        print(f"cannot read question set {file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if split and split not in questions.splits:
        known = ", ".join(questions.splits) or "none"
        print(f"{file} has no split {split!r} (its splits: {known})", file=sys.stderr)
        return EXIT_USAGE
    if split:
        questions = questions.only(split)
    if without_example_questions:
        from bot.runtime.loading import index_without_example_questions

        index = index_without_example_questions(settings)
    else:
        index = load_index(settings)
    if check_invariance:
        return print_invariance(questions, lambda question: answer_question(index, question), as_json)
    reports = evaluate_splits(questions, lambda question: answer_question(index, question))
    if as_json:
        data = {name: report.to_dict() for name, report in reports.items()}
        print(json.dumps(data if len(data) > 1 else data["all"], ensure_ascii=False, indent=2))
        return EXIT_OK
    misses = reports["all"].misses
    for kind in MISS_KINDS:
        for miss in (miss for miss in misses if miss["miss"] == kind):
            got = f"got {miss['got']}"
            if not miss["answered"]:
                got = f"declined ({miss['reason']}; nearest {miss['got']})"
            split_label = f" [{miss['split']}]" if miss["split"] else ""
            print(f"MISS {kind}{split_label}: {miss['question']!r}: {got} (score {miss['score']:.3f})")
    for name, report in reports.items():
        if name == "all" and len(reports) > 1:
            name = "all splits"
        counts = ", ".join(f"{kind} {count}" for kind, count in report.miss_counts().items())
        print(
            f"{name}: in-scope top-1 {report.in_scope_correct}/{report.in_scope_total} = {report.top1:.3f}; "
            f"out-of-scope declined {report.out_of_scope_declined}/{report.out_of_scope_total}"
            f" = {report.declined_share:.3f}; misses: {counts}"
            + (f"; claim checks {report.claim_correct}/{report.claim_total}" if report.claim_total else "")
        )
    return EXIT_OK


def score_follow_ups(pairs: FollowUpSet, settings: Settings, as_json: bool) -> int:
    """A follow-up set: each pair's previous question asked, then the follow-up in its thread."""
    index = load_index(settings)
    result = evaluate_follow_ups(
        pairs,
        lambda question: answer_question(index, question),
        lambda question, before: answer_in_thread(index, question, PreviousTurn.of(before)),
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


def print_invariance(questions: QuestionSet, ask: Callable[[str], Answer], as_json: bool) -> int:
    results = invariance(questions, ask)
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return EXIT_OK
    for name, result in results.items():
        for text in result["broken"]:
            print(f"BROKEN by {name}: {text!r}")
    kept = sum(result["kept"] for result in results.values())
    total = sum(result["total"] for result in results.values())
    for name, result in results.items():
        print(f"{name}: {result['kept']}/{result['total']} = {result['share']:.3f} stay right")
    print(f"overall: {kept}/{total} = {kept / total if total else 1.0:.3f}")
    return EXIT_OK


@click.command("calibrate", cls=Command)
@click.argument("sets", nargs=-1, required=True, metavar="FILE[:SPLIT]...")
@click.option(
    "--target",
    type=Converted(float),
    default=DEFAULT_TARGET_DECLINED,
    metavar="TARGET",
    help="share of unanswerable questions to decline",
)
@output_option("model file to write (default: the shipped decision_model.json)")
@pass_settings
def calibrate_decision(settings: Settings, sets: tuple[str, ...], target: float, output: str | None) -> int:
    """fit the answer/decline decision on tuning question sets (FILE or FILE:SPLIT)"""
    from retrieval.evaluation.calibrate import calibrate
    from retrieval.matching.decision import DEFAULT_MODEL_PATH, models_to_json

    question_sets: dict[str, QuestionSet] = {}
    for spec in sets:
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
        question_sets[f"{Path(path).name}{':' + split if split else ''}"] = questions
    names = list(question_sets)
    in_scope = sum(len(questions.in_scope) for questions in question_sets.values())
    out_of_scope = sum(len(questions.out_of_scope) for questions in question_sets.values())
    if not in_scope or not out_of_scope:
        print("calibrate needs answerable and unanswerable questions", file=sys.stderr)
        return EXIT_USAGE
    from bot.runtime.loading import index_without_example_questions

    indexes = [load_index(settings), index_without_example_questions(settings)]
    models, figures = calibrate(indexes, question_sets, target_declined=target)
    model_path = Path(output) if output else DEFAULT_MODEL_PATH
    model_path.write_text(models_to_json(models), encoding="utf-8")
    counts = f"{in_scope} answerable and {out_of_scope} unanswerable questions"
    print(f"fitted on {counts}")
    print(f"  ({', '.join(names)})")
    for (name, figure), model in zip(figures.items(), models, strict=True):
        print(
            f"{name}: cross-validated ({'each set held out' if figure['held_out_by_set'] else 'folds'}) "
            f"answerable answered right {figure['cv_in_scope_right']:.3f}, "
            f"unanswerable declined {figure['cv_out_of_scope_declined']:.3f}; best fact right "
            f"{figure['ranking_right']:.3f}; threshold {model.threshold:.4f}"
        )
    print(f"wrote {model_path}")
    return EXIT_OK


@click.command("tune-encoder", cls=Command)
@output_option("folder to write (default: TUNED_MODEL_DIR, models/ofsted-minilm)")
@click.option("--base", default="bundled", metavar="BASE", help="the model to start from (default: bundled)")
@without_example_questions_option(
    "tune on the knowledge with its hand-written questions removed, into "
    "models/ofsted-minilm-without-questions (what eval --without-example-questions and calibrate use)"
)
@pass_settings
def tune_encoder(settings: Settings, output: str | None, base: str, without_example_questions: bool) -> int:
    """fine-tune the embedding model on the knowledge's example questions (make model)"""
    from bot.runtime.loading import build_tuned_encoder, without_questions_model_dir
    from retrieval.evaluation.tuning import TrainingTexts
    from retrieval.knowledge.schema import require_knowledge

    knowledge = require_knowledge(settings.knowledge_dir)
    model_dir = Path(output) if output else settings.tuned_model_dir
    if without_example_questions:
        knowledge = knowledge.without_example_questions()
        model_dir = Path(output) if output else without_questions_model_dir(settings.tuned_model_dir)
    training = TrainingTexts.from_knowledge(knowledge)
    written = sum(len(fact.questions) for fact in knowledge.facts)
    print(
        f"fine-tuning the encoder on {written} written and {len(training.anchors) - written} generated "
        f"example questions of {len(knowledge.facts)} facts…",
        file=sys.stderr,
    )
    name = build_tuned_encoder(
        model_dir,
        knowledge,
        base_model=base,
        rebuild=True,
        progress=lambda line: print(line, file=sys.stderr),
    )
    print(f"wrote {model_dir} ({name})")
    return EXIT_OK
