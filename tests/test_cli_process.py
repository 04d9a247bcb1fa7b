"""The ``ofsted-bot`` console script itself, each command once in a process of its own: the other
CLI tests call its ``main`` in process (``support.cli.run_cli``), so this is where the installed
entry point, a fresh interpreter's imports and real exit codes are checked. ``serve`` runs as a
process in every server test (``support.bot_process``); ``tune-encoder`` runs as one in ``make
model``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_cli_process

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_each_command_runs_from_the_console_script(tmp_path: Path) -> None:
    asked = run_cli_process("ask", "--json", "how many children are in care in England?")
    assert asked.returncode == 0 and json.loads(asked.stdout)["answered"], asked.stderr
    chat = run_cli_process("chat", stdin="how many children are in care?\n")
    assert chat.returncode == 0 and "children" in chat.stdout, chat.stderr
    questions = tmp_path / "qs.yaml"
    questions.write_text(
        "in_scope:\n  - {q: how many children are in care, any: ['75,000']}\n"
        "out_of_scope:\n  - {q: what is the weather in Leeds}\n",
        encoding="utf-8",
    )
    scored = run_cli_process("eval", str(questions), "--json")
    assert scored.returncode == 0 and json.loads(scored.stdout)["in_scope"]["total"] == 1, scored.stderr
    checked = run_cli_process("knowledge", "check")
    assert checked.returncode == 0 and "knowledge OK" in checked.stdout, checked.stderr
    gaps = run_cli_process("gaps", "--json")
    assert gaps.returncode == 0, gaps.stderr
    refused = run_cli_process("calibrate", str(tmp_path / "nope.yaml"))
    assert refused.returncode == 2 and "cannot read question set" in refused.stderr
    usage = run_cli_process("no-such-command")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
