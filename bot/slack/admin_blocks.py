"""The admins' replies (``/ofsted reload``, ``status``, ``gaps``) as Block Kit: pure functions,
no Slack calls, with the limits and escaping of ``bot.slack.blocks``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.slack.blocks import Block, plain_blocks, section_block
from bot.slack.slack_text import escape_mrkdwn

ADMIN_REFUSAL_TEXT = "Sorry, that is for the bot's admins."


def admin_refusal_blocks(admins_configured: bool) -> list[Block]:
    why = (
        "Only the admins named in the bot's configuration can reload, see status or see gaps."
        if admins_configured
        else "No admins are configured yet: the person who runs the bot can name them in ADMIN_USER_IDS."
    )
    return [section_block(f"{ADMIN_REFUSAL_TEXT} {why} Nothing was changed.")]


def reload_result_blocks(result: Any) -> list[Block]:  # a bot.runtime.reload.ReloadResult
    icon = ":white_check_mark:" if result.ok else ":warning:"
    out = [section_block(f"{icon} {escape_mrkdwn(result.summary())}")]
    if result.errors:
        out += plain_blocks("\n".join(str(e) for e in result.errors[:40]))
    return out


def status_blocks(index: Any, reloader: Any, settings: Any, store: Any = None) -> list[Block]:
    """Sources and facts loaded, when, from which files, the last reload and the model; which
    replica answered and what each replica last loaded; what the feedback store could not record."""
    if index is None:
        return [section_block("The knowledge is not loaded yet.")]
    k = index.knowledge
    loaded = getattr(reloader, "loaded_at", None)
    lines = [
        f"{len(k.sources)} sources, {len(k.facts)} facts; reports: {'; '.join(k.reports)}",
        f"Loaded: {loaded:%Y-%m-%d %H:%M:%S} UTC" if loaded else "Loaded: at start-up",
        f"Folder: {settings.knowledge_dir}",
        f"Files: {', '.join(k.files)}",
        f"Model: {index.encoder.name}",
    ]
    tuner = getattr(reloader, "tuner", None)
    if tuner is not None and tuner.status_line():
        lines.append(tuner.status_line())
    last = getattr(reloader, "last", None)
    if last is not None:
        lines.append(f"Last reload ({last.trigger}, {last.at:%Y-%m-%d %H:%M:%S} UTC): {last.summary()}")
        lines += [f"  {e}" for e in last.errors[:40]]
    lines += _replica_lines(getattr(reloader, "replicas", None))
    health = store.health() if store is not None else None
    if health is not None:
        state = "available" if health.available else f"UNAVAILABLE ({health.last_error})"
        lines.append(
            f"Feedback store: {health.backend}, {state}; not recorded since this replica started:"
            f" {health.dropped_votes} vote(s), {health.dropped_gaps} gap(s)"
        )
    return plain_blocks("\n".join(lines))


def _replica_lines(sync: Any) -> list[str]:
    if sync is None:
        return []
    lines = [f"Answered by replica: {sync.replica_id}"]
    try:
        replicas = sync.store.replicas()
    except Exception as exc:
        return [*lines, f"Other replicas: unknown (database unavailable: {type(exc).__name__})"]
    now = datetime.now(UTC)
    lines.append(f"Replicas ({sum(not r.is_stale(now) for r in replicas)} running):")
    for r in replicas[:20]:
        seen = f"seen {max(0, int((now - r.seen_at).total_seconds()))} s ago"
        loaded = f"loaded {r.loaded_at:%Y-%m-%d %H:%M:%S} UTC" if r.loaded_at else "not loaded yet"
        facts = f", {r.facts} facts" if r.facts is not None else ""
        reload = f"; last reload ({r.reload_trigger}): {r.reload_summary}" if r.reload_summary else ""
        mark = " (this one)" if r.replica_id == sync.replica_id else ""
        gone = " — not responding" if r.is_stale(now) else ""
        lines.append(f"  {r.replica_id}{mark}{gone}: {seen}, {loaded}{facts}{reload}")
    return lines


def gaps_blocks(report: str) -> list[Block]:
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "Knowledge gaps"}},
        *plain_blocks(report),
    ]
