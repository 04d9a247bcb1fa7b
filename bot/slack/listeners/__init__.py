"""Every listener, registered in one place: ``register(app)``.

The services listeners use (``answerer``, ``admin``) reach them in the request context.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, assistant, commands, events, home, shortcuts


def register(app: App) -> None:
    # The assistant panel first: its middleware takes the assistant threads' messages, so the
    # DM listener only sees the others.
    assistant.register(app)
    commands.register(app)
    shortcuts.register(app)
    home.register(app)
    events.register(app)
    # Last: its catch-all ignores buttons this version did not make.
    actions.register(app)
