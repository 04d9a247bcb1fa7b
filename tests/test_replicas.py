"""Two ``ofsted-bot serve`` replicas (HTTP mode, the Slack stand-in) on one real PostgreSQL.

Votes and declined questions go alternately to both; ``ofsted-bot gaps --json`` sees them all;
an admin's reload asked of one reaches the other; the question limit holds across both; killing
one mid-load loses no acknowledged vote. Also here: a Slack blip (HTTP 500, a dropped
connection) loses no answer. The figures measured are printed (``pytest -s``) for BENCHMARKS.md.
"""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from support.bot_process import (
    REPO_ROOT,
    TEST_SIGNING_SECRET,
    RunningServer,
    start_standin_server,
    stop_server,
    wait_until_healthy,
)
from support.cli import run_cli
from support.postgres import PostgresCluster
from support.server_checks import ADMIN_ID
from support.slack_standin import SignedSlackClient, SlackStandin

pytestmark = pytest.mark.postgresql

RATE_LIMIT = 5
ANSWERED_QUESTION = "what share of local authorities are inadequate"
DECLINED_QUESTION = "what is the best pizza near the office, number {n}"
FIGURES: dict[str, Any] = {}


@dataclass
class Replica:
    server: RunningServer
    slack: SignedSlackClient


@pytest.fixture(scope="module")
def database_url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.new_database("replicas")


@pytest.fixture(scope="module")
def replicas(
    standin: SlackStandin, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Replica]]:
    """Two replicas started together on one database, each with its own copy of the knowledge."""
    started: list[Replica] = []
    try:
        for name in ("a", "b"):
            workdir = tmp_path_factory.mktemp(f"replica-{name}")
            shutil.copytree(REPO_ROOT / "knowledge", workdir / "knowledge")
            server = start_standin_server(
                standin,
                workdir,
                KNOWLEDGE_DIR=str(workdir / "knowledge"),
                DATABASE_URL=database_url,
                ADMIN_USER_IDS=ADMIN_ID,
                RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT),
            )
            started.append(Replica(server, SignedSlackClient(server.events_url, TEST_SIGNING_SECRET)))
        for replica in started:
            wait_until_healthy(replica.server)
        yield started
    finally:
        for replica in started:
            stop_server(replica.server)
        if FIGURES:
            print(f"\nreplica figures: {json.dumps(FIGURES)}")


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


def ask(replica: Replica, standin: SlackStandin, text: str, user: str) -> dict[str, Any]:
    name = replica.slack.unique("replica-")
    assert replica.slack.slash_command(text, standin.response_url(name), user_id=user).status == 200
    return standin.wait_for_response(name, timeout=60).body


def feedback_value(reply: dict[str, Any]) -> str:
    return next(
        e["value"]
        for b in reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "feedback_down"
    )


def wait_until(condition: Any, timeout: float = 30.0, step: float = 0.05) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not true within {timeout}s")
        time.sleep(step)
    return time.monotonic() - started


def test_both_replicas_started_together_on_one_migrated_schema(
    replicas: list[Replica], database_url: str
) -> None:
    assert rows(database_url, "select version_num from alembic_version") == [("0002",)]
    assert {r[0].split(":")[-1] for r in rows(database_url, "select replica_id from bot_replicas")} == {
        str(replica.server.pid) for replica in replicas
    }


def test_votes_and_gaps_sent_to_both_replicas_all_reach_gaps_json(
    replicas: list[Replica], standin: SlackStandin, database_url: str
) -> None:
    value = feedback_value(ask(replicas[0], standin, ANSWERED_QUESTION, "U0FIRSTASKER"))
    rounds = 10
    for n in range(rounds):
        replica = replicas[n % 2]
        ask(replica, standin, DECLINED_QUESTION.format(n=n), f"U0GAP{n:03d}")
        name = replica.slack.unique("vote-")
        replica.slack.block_action(
            "feedback_down", value, standin.response_url(name), user_id=f"U0VOTER{n:03d}", message_ts=f"1.{n}"
        )
        standin.wait_for_response(name)
    # A gap is written just after its reply is sent.
    wait_until(lambda: rows(database_url, "select count(*) from feedback_gaps")[0][0] >= rounds)

    result = run_cli("gaps", "--json", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["unanswered"]["questions"] == rounds
    shown = json.dumps(report["unanswered"]["groups"])
    assert all(DECLINED_QUESTION.format(n=n) in shown for n in range(rounds)), shown[:500]
    assert sum(v["down"] for v in report["votes"]) == rounds
    FIGURES["alternating"] = {"votes_sent": rounds, "gaps_sent": rounds, "in_gaps_json": rounds}


def test_a_reload_asked_of_one_replica_reaches_the_other(
    replicas: list[Replica], standin: SlackStandin, database_url: str
) -> None:
    a, b = replicas
    before = rows(database_url, "select coalesce(max(id), 0) from bot_reload_requests")[0][0]
    asked_at = time.monotonic()
    reply = ask(a, standin, "reload", ADMIN_ID)
    assert "reloaded" in json.dumps(reply["blocks"]) and "Every other replica" in json.dumps(reply["blocks"])

    def b_reloaded() -> bool:
        found = rows(
            database_url,
            "select reload_trigger, reload_request_id from bot_replicas"
            f" where replica_id like '%:{b.server.pid}'",
        )
        return bool(found) and found[0][0] == "request" and (found[0][1] or 0) > before

    wait_until(b_reloaded, timeout=30)
    seconds = time.monotonic() - asked_at
    assert "reload request" in b.server.log_text()
    FIGURES["reload_reached_second_replica_s"] = round(seconds, 2)

    status = json.dumps(ask(b, standin, "status", ADMIN_ID)["blocks"])
    assert "Answered by replica: " in status and f":{b.server.pid} (this one)" in status
    assert (
        f":{a.server.pid}" in status
        and "last reload (request)" in status
        and "last reload (command)" in status
    )
    assert "Feedback store: postgresql, available" in status


def test_the_question_limit_holds_across_both_replicas(
    replicas: list[Replica], standin: SlackStandin
) -> None:
    asked = 2 * RATE_LIMIT
    replies = [ask(replicas[n % 2], standin, ANSWERED_QUESTION, "U0FLOODER")["text"] for n in range(asked)]
    slowed = [n for n, text in enumerate(replies) if "asked a lot of questions" in text]
    # Per replica it would take 2 × RATE_LIMIT questions before the first "slow down".
    assert slowed == list(range(RATE_LIMIT, asked)), replies
    FIGURES["rate_limit"] = {
        "limit_per_minute": RATE_LIMIT,
        "asked_alternately": asked,
        "answered": RATE_LIMIT,
    }


def test_a_slack_500_and_a_dropped_connection_are_retried_and_the_answer_delivered_once(
    replicas: list[Replica], standin: SlackStandin
) -> None:
    replica = replicas[0]
    name = replica.slack.unique("blip-")
    standin.fail_next(f"respond/{name}", times=2, status=500)
    assert replica.slack.slash_command(ANSWERED_QUESTION, standin.response_url(name), "U0BLIP1").status == 200
    standin.wait_for(lambda c: c.path == f"/respond/{name}" and c.status == 200, timeout=30)
    time.sleep(1.0)  # a second delivery would have arrived by now
    assert [c.status for c in standin.matching(lambda c: c.path == f"/respond/{name}")] == [500, 500, 200]

    channel = replica.slack.unique("CBLIP")
    standin.fail_next("chat.postMessage", times=2, status=0, when=lambda c: c.body.get("channel") == channel)
    event = {
        "type": "app_mention",
        "user": "U0BLIP2",
        "text": f"<@U0BOT> {ANSWERED_QUESTION}",
        "ts": "1700020000.000100",
        "channel": channel,
        "event_ts": "1700020000.000100",
    }
    assert replica.slack.event(event).status == 200
    standin.wait_for(lambda c: c.body.get("channel") == channel and c.status == 200, timeout=30)
    time.sleep(1.0)
    assert [c.status for c in standin.matching(lambda c: c.body.get("channel") == channel)] == [0, 0, 200]


def test_killing_one_replica_mid_load_loses_no_acknowledged_vote(
    replicas: list[Replica], standin: SlackStandin, database_url: str
) -> None:
    """Votes from four senders, alternately to both; one replica is killed (SIGKILL) half-way.
    A vote the killed replica cannot take is sent to the other, as a load balancer would."""
    value = feedback_value(ask(replicas[0], standin, ANSWERED_QUESTION, "U0KILLASKER"))
    senders, each = 4, 15
    sent: list[str] = []
    acknowledged: list[str] = []
    lock = threading.Lock()
    half = threading.Event()
    victim = replicas[1]

    def send(sender: int) -> None:
        for n in range(each):
            key_ts = f"2.{sender}{n:03d}"
            name = victim.slack.unique("kill-")
            for replica in (replicas[(sender + n) % 2], replicas[0]):
                try:
                    status = replica.slack.block_action(
                        "feedback_up",
                        value,
                        standin.response_url(name),
                        user_id=f"U0K{sender}{n:03d}",
                        message_ts=key_ts,
                    ).status
                except OSError:
                    continue  # the killed replica: connection refused or reset
                if status == 200:
                    break
            with lock:
                sent.append(f"C0GENERAL:{key_ts}")
                if len(sent) == senders * each // 2:
                    half.set()
            try:
                standin.wait_for_response(name, timeout=10)
            except AssertionError:
                continue  # never thanked: not acknowledged
            with lock:
                acknowledged.append(f"C0GENERAL:{key_ts}")

    threads = [threading.Thread(target=send, args=(s,)) for s in range(senders)]
    for t in threads:
        t.start()
    half.wait(timeout=120)
    victim.server.process.send_signal(signal.SIGKILL)
    for t in threads:
        t.join(timeout=300)
    stored = {
        r[0]
        for r in rows(
            database_url, "select answer_key from feedback_votes where answer_key like 'C0GENERAL:2.%'"
        )
    }
    assert victim.server.process.wait(timeout=10) == -signal.SIGKILL
    assert set(acknowledged) <= stored, sorted(set(acknowledged) - stored)
    assert len(sent) == senders * each
    FIGURES["kill_mid_load"] = {"sent": len(sent), "acknowledged": len(acknowledged), "stored": len(stored)}
    assert len(acknowledged) >= senders * each // 2
