"""Files around the app, checked against it: ``.env.example`` lists every setting, and
``manifest.yml`` creates the Slack app, with every scope and event it uses, in one paste."""

from __future__ import annotations

import re

from support.bot_process import REPO_ROOT


def test_env_example_lists_every_setting() -> None:
    from dataclasses import fields

    from bot.runtime.settings import Settings

    listed = {
        line.split("=", 1)[0]
        for line in (REPO_ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if re.match(r"^[A-Z_]+=", line)
    }
    assert {f.name.upper() for f in fields(Settings)} <= listed


def test_manifest_creates_the_app_in_one_paste() -> None:
    import yaml

    manifest = yaml.safe_load((REPO_ROOT / "manifest.yml").read_text(encoding="utf-8"))
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == "/ofsted" and command["description"] and command["usage_hint"]
    assert manifest["features"]["bot_user"]["display_name"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "app_mentions:read",
        "im:history",
        "assistant:write",
    }
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["assistant_view"]["assistant_description"]
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == "ask_ofsted_bot"
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "app_home_opened",
        "assistant_thread_started",
        "assistant_thread_context_changed",
        "message.im",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
