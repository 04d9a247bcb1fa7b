"""The App Home tab: published when a user opens it; its example-question and Reload buttons.

Home has no ``respond`` URL and no channel, so a failure after ``ack()`` can only be logged (with
the request id); an example question is answered in the user's DM instead. Only admins get the
status, gaps and Reload button, and a Reload click from anyone else changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import home_view
from bot.slack.admin import Admin
from bot.slack.answering import Answerer, send_apology
from bot.slack.threads import ThreadKey

log = logging.getLogger(__name__)


@contextmanager
def logged_on_error(request_id: str) -> Iterator[None]:
    """Work after ``ack()`` on Home: a failure is logged with the request id and never raises
    (there is nowhere to show an apology)."""
    try:
        yield
    except Exception as error:
        send_apology(request_id, error, lambda reply: None)


def admin_info(admin: Admin) -> home_view.AdminInfo:
    """What an admin's Home shows, read from the admin tools and the reloader."""
    reloader = admin.reloader
    index = admin.holder.index
    try:
        gaps = admin.gaps_report(since_days=home_view.GAPS_SINCE_DAYS)
    except Exception as error:  # a database hiccup must not keep the Home tab from publishing
        log.warning("could not read the gaps for Home: %s", type(error).__name__, exc_info=error)
        gaps = f"Could not read the gaps just now ({type(error).__name__})."
    return home_view.AdminInfo(
        loaded_at=reloader.loaded_at if reloader is not None else None,
        last_reload=reloader.last if reloader is not None else None,
        model=index.encoder.name if index is not None else None,
        knowledge_dir=str(admin.settings.knowledge_dir),
        gaps_report=gaps,
        can_reload=reloader is not None,
        tuning=reloader.tuner.status_line() if reloader is not None and reloader.tuner is not None else "",
    )


def view_for(user_id: str, answerer: Answerer, admin: Admin) -> home_view.View:
    """The Home view this user should see now."""
    index = answerer.holder.index
    if index is None:
        return home_view.loading_view()
    info = admin_info(admin) if admin.is_admin(user_id) else None
    return home_view.home_view(index.knowledge, info)


def publish(client: WebClient, user_id: str, context: dict[str, Any]) -> None:
    client.views_publish(user_id=user_id, view=view_for(user_id, context["answerer"], context["admin"]))


def publish_home(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    """``app_home_opened``: publish the Home tab. (Bolt acknowledges events itself; the
    Messages and About tabs need nothing.)"""
    if event.get("tab") != "home" or not event.get("user"):
        return
    with logged_on_error(context["request_id"]):
        publish(client, event["user"], context)
        log.info("published home request_id=%s", context["request_id"])


def _clicker(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def on_home_example(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    """An example question clicked: answered in the user's DM with the bot."""
    ack()
    user_id = _clicker(body)
    request_id = context["request_id"]
    answerer: Answerer = context["answerer"]
    with logged_on_error(request_id):
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        answerer.answer_later(
            str(action.get("value") or ""),
            kind="home",
            request_id=request_id,
            ephemeral=False,
            user_id=user_id,
            send=lambda reply: client.chat_postMessage(channel=dm, **reply.as_kwargs()),
            # the DM is where a follow-up to it will be typed
            thread=ThreadKey(dm, in_dm=True),
        )


def on_home_reload(ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    """Reload clicked: an admin's reloads and re-publishes Home with the result; anyone else's
    is logged and changes nothing (their Home is re-published as it was)."""
    ack()
    user_id = _clicker(body)
    request_id = context["request_id"]
    admin: Admin = context["admin"]
    with logged_on_error(request_id):
        if admin.is_admin(user_id):
            admin.run("reload", user_id)
        else:
            log.warning("home reload refused request_id=%s: not an admin", request_id)
        publish(client, user_id, context)


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
    app.action(home_view.HOME_EXAMPLE_ACTION_PATTERN)(on_home_example)
    app.action(home_view.HOME_RELOAD_ACTION)(on_home_reload)
