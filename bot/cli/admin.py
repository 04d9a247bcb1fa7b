"""``ofsted-bot gaps`` and ``ofsted-bot serve``: what the running bot could not answer, and the
Slack app itself."""

from __future__ import annotations

import click

from bot.cli.parsing import Command, Converted
from bot.cli.shared import json_option, load_index, pass_settings
from bot.runtime.settings import EXIT_OK, Settings


@click.command("gaps", cls=Command)
@click.option("--since", type=Converted(int), metavar="DAYS", help="only the last DAYS days")
@json_option()
@pass_settings
def gaps(settings: Settings, since: int | None, as_json: bool) -> int:
    """unanswered questions grouped by similarity, and answer votes"""
    import json

    from bot.slack.admin import collect_gaps
    from bot.storage.store import FeedbackStore
    from retrieval.evaluation.gaps import format_gaps_report, gaps_report_dict

    index = load_index(settings)
    with FeedbackStore.from_settings(settings) as store:
        groups, votes = collect_gaps(store, index, since)
    facts = index.knowledge.facts_by_id
    if as_json:
        print(json.dumps(gaps_report_dict(groups, votes, facts), ensure_ascii=False))
    else:
        print(format_gaps_report(groups, votes, facts), end="")
    return EXIT_OK


@click.command("serve", cls=Command)
@pass_settings
def serve_slack(settings: Settings) -> int:
    """run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP)"""
    from bot.runtime.server import serve

    return serve(settings)
