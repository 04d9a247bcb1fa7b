"""``make run``: the Slack app when SLACK_BOT_TOKEN is set (from the environment or ``.env``),
otherwise the local console (``ofsted-bot chat``) so the bot can be tried without Slack."""

from __future__ import annotations

import sys
from pathlib import Path

from dotenv import load_dotenv

from bot.runtime.settings import EXIT_USAGE, Settings, SettingsError, configuration_error

ENV_FILE = Path(__file__).resolve().parents[2] / ".env"


def main() -> int:
    # Variables already in the environment win over the file.
    load_dotenv(ENV_FILE, override=False)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(configuration_error(exc), file=sys.stderr)
        return EXIT_USAGE
    if settings.has_slack_tokens:
        from bot.runtime.server import serve

        return serve(settings)
    print("SLACK_BOT_TOKEN is not set (see .env.example): starting the local console.", file=sys.stderr)
    from bot.cli.program import main as cli_main

    return cli_main(["chat"])


if __name__ == "__main__":
    raise SystemExit(main())
