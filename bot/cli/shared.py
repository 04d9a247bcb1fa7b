"""What several commands share: their common options, as decorators, the settings each command
is given, and the knowledge and index they load."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import click

from bot.runtime.settings import Settings
from retrieval.knowledge.schema import load_knowledge

if TYPE_CHECKING:
    from retrieval.knowledge.schema import Knowledge
    from retrieval.matching.index import FactIndex

P = ParamSpec("P")
F = TypeVar("F", bound=Callable[..., Any])


def json_option(help_text: str = "print JSON instead of text") -> Callable[[F], F]:
    """``--json``: print JSON instead of text; the command is given ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def output_option(help_text: str, metavar: str = "OUTPUT") -> Callable[[F], F]:
    """``-o/--output``: the file or folder to write; the command is given ``output``."""
    return click.option("-o", "--output", metavar=metavar, help=help_text)


def without_example_questions_option(help_text: str) -> Callable[[F], F]:
    """``--without-example-questions``: the knowledge with its hand-written questions removed."""
    return click.option("--without-example-questions", is_flag=True, help=help_text)


def pass_settings(command: Callable[Concatenate[Settings, P], int]) -> Callable[P, int]:
    """The command is given the ``Settings`` from the environment, read when it runs: once its
    arguments have parsed, so a usage error is reported before a bad setting."""

    @functools.wraps(command)
    def with_settings(*args: P.args, **kwargs: P.kwargs) -> int:
        return command(Settings.from_env(), *args, **kwargs)

    return with_settings


def load_index(settings: Settings, extra_files: Sequence[Path] = ()) -> FactIndex:
    from bot.runtime.loading import load_fact_index  # imports torch: only for commands that need it

    return load_fact_index(settings, extra_files)


def knowledge_or_print_errors(settings: Settings) -> Knowledge | None:
    """The knowledge folder, loaded; None (its errors printed to stderr) when it does not load."""
    result = load_knowledge(settings.knowledge_dir)
    for issue in result.errors if result.knowledge is None else ():
        print(issue, file=sys.stderr)
    return result.knowledge
