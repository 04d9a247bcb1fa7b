"""The ``ofsted-bot`` group and ``main``: the commands in their order, and each way a run ends
turned into its exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from bot.cli.admin import gaps, serve_slack
from bot.cli.asking import ask, chat
from bot.cli.evaluation import calibrate_decision, score_question_set, tune_encoder
from bot.cli.knowledge import knowledge
from bot.cli.parsing import HELP_OPTIONS, Group, usage_error_text
from bot.runtime.settings import EXIT_ERROR, EXIT_USAGE, SettingsError, configuration_error
from retrieval.knowledge.schema import KnowledgeError

PROGRAM = "ofsted-bot"

cli = Group(
    PROGRAM,
    dest="command",
    help="Answers questions about Ofsted's annual report on children's services.",
    context_settings={"help_option_names": HELP_OPTIONS},
)
for command in (
    ask,
    chat,
    score_question_set,
    calibrate_decision,
    knowledge,
    gaps,
    tune_encoder,
    serve_slack,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ofsted-bot`` with ``argv`` (default: the process's arguments); the exit code.

    What ``cli.main(standalone_mode=False)`` does, without its turning Ctrl-C into ``Abort``:
    an interrupted command ends as any Python program does, as it always has.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with cli.make_context(PROGRAM, args) as ctx:
            return int(cli.invoke(ctx))
    except click.exceptions.Exit as exc:  # --help
        return exc.exit_code
    except click.UsageError as exc:
        print(usage_error_text(exc, PROGRAM), file=sys.stderr)
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        print("Aborted!", file=sys.stderr)
        return EXIT_ERROR
    except SettingsError as exc:
        print(configuration_error(exc), file=sys.stderr)
        return EXIT_USAGE
    except KnowledgeError as exc:
        print("the knowledge folder has errors:", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_ERROR
