"""Placeholder: filled in by its owner."""

from __future__ import annotations

from slack_bolt import App


def ignore_thread_event() -> None:
    pass


def register(app: App) -> None:
    app.event("assistant_thread_started")(ignore_thread_event)
    app.event("assistant_thread_context_changed")(ignore_thread_event)
