"""Every listener, registered in one place: ``register(app, answerer, recent_events)``."""

from __future__ import annotations

from slack_bolt import App

from bot.answering import Admin, Answerer, RecentIds
from bot.listeners import actions, commands, events


def register(app: App, answerer: Answerer, recent_events: RecentIds, admin: Admin) -> None:
    commands.register(app, answerer, admin)
    events.register(app, answerer, recent_events)
    actions.register(app, answerer)
