"""``ofsted-bot ask`` and ``ofsted-bot chat``: questions answered at the terminal."""

from __future__ import annotations

import functools
import io
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from bot.cli.answers import format_answer_text, screened_dict
from bot.cli.parsing import Command
from bot.cli.shared import json_option, load_index, pass_settings
from bot.runtime.settings import EXIT_OK, EXIT_USAGE, Settings
from retrieval.language.textnorm import without_surrogates
from retrieval.matching.answer import Answer
from retrieval.matching.followup import PreviousTurn, answer_in_thread
from retrieval.safety.screening import screen_question

if TYPE_CHECKING:
    from retrieval.matching.index import FactIndex


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


@click.command("ask", cls=Command)
@click.argument("question")
@json_option("print one JSON object per answer")
@pass_settings
def ask(settings: Settings, question: str, as_json: bool) -> int:
    """answer one question (or '-' for one per line on stdin, as JSON)

    QUESTION is the question, or '-' to read one per line from stdin.
    """
    index = functools.cache(lambda: load_index(settings))
    if question == "-":  # one question a line, always answered as JSON lines
        lenient_stdin()
        codes = [ask_one(index, line.rstrip("\n"), as_json=True)[0] for line in sys.stdin]
        return max(codes, default=EXIT_OK)
    return ask_one(index, question, as_json=as_json)[0]


@click.command("chat", cls=Command)
@pass_settings
def chat(settings: Settings) -> int:
    """a local console: type questions, get answers"""
    print("Loading the Ofsted report knowledge…", file=sys.stderr)
    lenient_stdin()
    loaded = load_index(settings)

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
