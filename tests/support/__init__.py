"""What the tests (and the benchmarks) are built from; no tests here.

Stand-ins, so nothing reaches the real Slack or needs a running database:

- ``slack_standin``: Slack's Web API and ``response_url`` (recording every call), and
  ``SignedSlackClient``, Slack's side sending signed commands, events and button clicks.
- ``socket_mode_standin``: Slack's Socket Mode websocket, handing the bot one envelope.
- ``postgres``: a throwaway PostgreSQL cluster from the installed server binaries.

The bot as a process:

- ``bot_process``: ``ofsted-bot serve`` as a subprocess (its environment, start, ``/healthz``, stop).
- ``cli``: ``run_cli``, the one way the tests run the ``ofsted-bot`` CLI.

Shared checks:

- ``slack_messages``: events and slash commands as Slack sends them; reading the bot's blocks.
- ``slack_payloads``: real Slack payloads (``tests/data/slack_payloads/``), replayed signed.
- ``answers``: the questions the tests ask and what their answers must (and must never) show.
- ``server_checks``: the session server's admins, its log, and "still up and answering".
- ``block_kit``: Block Kit validated by slack_sdk's own models.

The tests import these as ``support.<module>`` (pytest puts ``tests/`` on ``sys.path``); the
benchmarks, run from the repository root, as ``tests.support.<module>``. So imports between
them are relative.
"""
