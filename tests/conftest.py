"""Fixtures for the Slack edge: a Slack stand-in, and the real server (``ofsted-bot serve``).

The server is started once per session, in HTTP mode, as a subprocess with the real model; it
talks only to the stand-in (SLACK_API_URL), and the tests post it signed requests.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from support.bot_process import (
    REPO_ROOT,
    TEST_SIGNING_SECRET,
    RunningServer,
    healthy_standin_server,
)
from support.postgres import PostgresCluster, find_binaries
from support.server_checks import ADMIN_IDS
from support.slack_standin import SignedSlackClient, SlackStandin

from bot.runtime.loading import shared_encoder
from bot.runtime.settings import DEFAULT_EMBEDDING_MODEL
from retrieval.knowledge.schema import Knowledge, require_knowledge
from retrieval.matching.index import FactIndex


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The real knowledge folder, loaded once."""
    return require_knowledge(REPO_ROOT / "knowledge")


@pytest.fixture(scope="session")
def index(knowledge: Knowledge) -> FactIndex:
    """The real index (real model, the repo's embedding cache), built once for the in-process tests."""
    return FactIndex.build(
        knowledge, shared_encoder(DEFAULT_EMBEDDING_MODEL), cache_dir=REPO_ROOT / ".cache/embeddings"
    )


@pytest.fixture(scope="session")
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        yield running


@pytest.fixture(scope="session")
def bot_server(standin: SlackStandin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """``ofsted-bot serve`` in HTTP mode on a free port, talking to the stand-in; healthy.

    It answers from its own copy of the knowledge folder (the reload tests change it) and keeps
    feedback in its own database file; its admins are ADMIN_IDS (support/server_checks.py).
    """
    workdir = tmp_path_factory.mktemp("server")
    knowledge_dir = workdir / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge_dir)
    database_path = workdir / "feedback.sqlite3"
    with healthy_standin_server(
        standin,
        workdir,
        KNOWLEDGE_DIR=str(knowledge_dir),
        DATABASE_URL=f"sqlite:///{database_path}",
        ADMIN_USER_IDS=", ".join(ADMIN_IDS),
        # The suite asks hundreds of questions as one user; the limit has a test of its own.
        RATE_LIMIT_PER_MINUTE="100000",
    ) as server:
        server.knowledge_dir = knowledge_dir
        server.database_path = database_path
        yield server


@pytest.fixture(scope="session")
def slack(bot_server: RunningServer) -> SignedSlackClient:
    """Slack's side: signed requests to the running bot."""
    return SignedSlackClient(bot_server.events_url, TEST_SIGNING_SECRET)


# --- PostgreSQL: a throwaway cluster, and the count of tests that ran on it -------------------------

POSTGRES_KEYWORD = "postgresql"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{POSTGRES_KEYWORD}: needs a real PostgreSQL (tests/support/postgres.py)"
    )


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster in a temporary folder for the whole session; skipped, saying why, without one."""
    bin_dir, reason = find_binaries()
    if bin_dir is None:
        pytest.skip(reason)
    cluster = PostgresCluster(bin_dir).start()
    try:
        yield cluster
    finally:
        cluster.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line CI can show: how many tests ran against PostgreSQL, and how many were skipped."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            keywords = getattr(report, "keywords", {})
            if POSTGRES_KEYWORD in keywords and getattr(report, "when", "call") in ("call", "setup"):
                if outcome == "passed" and report.when != "call":
                    continue
                counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        shown = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
        terminalreporter.write_line(f"PostgreSQL tests: {shown}")
