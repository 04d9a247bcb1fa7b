"""Placeholder: filled in by its owner."""

from __future__ import annotations

from slack_bolt import App


def publish_home() -> None:
    pass


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
