"""The ofsted-bot CLI as a user runs it: real processes, real model, real knowledge files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.bot_process import REPO_ROOT
from support.cli import run_cli


def test_ask_prints_figure_quote_and_citation() -> None:
    out = run_cli("ask", "how many children are in care in England?")
    assert out.returncode == 0, out.stderr
    assert "75,000" in out.stdout
    assert "Source: Locum Today" in out.stdout
    assert "4 December 2018" in out.stdout


def test_ask_json_and_stdin_lines() -> None:
    questions = ["how many monitoring visits were there", "what is the capital of France", ""]
    out = run_cli("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["question"] for d in lines] == questions
    first, second, third = lines
    assert first["answered"] and "66" in first["answers"][0]["quote"]
    assert first["answers"][0]["source"]["published"] == "2018-12-04"
    assert not second["answered"] and second["answers"] == [] and second["suggestions"]
    assert set(second["suggestions"][0]) == {"fact_id", "statement"}
    assert not third["answered"]

    single = run_cli("ask", "--json", "what did Rick Hood find?")
    data = json.loads(single.stdout)
    assert data["answered"] and "Rick Hood" in data["answers"][0]["quote"]
    assert data["answers"][0]["source"]["published"] is None  # Community Care states no date


def test_knowledge_check_and_list() -> None:
    ok = run_cli("knowledge", "check")
    assert ok.returncode == 0, ok.stderr
    assert "knowledge OK" in ok.stdout
    listed = json.loads(run_cli("knowledge", "list", "--json").stdout)
    assert len(listed) >= 40
    assert {"id", "statement", "quote", "figures", "source", "tags", "questions"} <= set(listed[0])


def test_knowledge_check_reports_file_line_and_fact(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", folder)
    bad = folder / "facts" / "zz-bad.yaml"
    bad.write_text(
        "facts:\n"
        "  - id: invented\n"
        "    source: locum-today-2018-12-04\n"
        "    statement: Ofsted says 99% of councils are outstanding.\n"
        '    quote: "Currently, 99% of local authorities are judged outstanding."\n'
        "    questions: ['how many are outstanding?']\n",
        encoding="utf-8",
    )
    out = run_cli("knowledge", "check", str(folder))
    assert out.returncode == 1
    assert f"{bad}:2: fact 'invented': quote not found in source 'locum-today-2018-12-04'" in out.stderr
    # the same folder through KNOWLEDGE_DIR: the bot refuses to start on it, with the same message
    ask = run_cli("ask", "anything", env={"KNOWLEDGE_DIR": str(folder)})
    assert ask.returncode == 1 and "quote not found" in ask.stderr and "Traceback" not in ask.stderr


def test_eval_scores_a_question_set(tmp_path: Path) -> None:
    qs = tmp_path / "qs.yaml"
    qs.write_text(
        "in_scope:\n"
        "  - q: how many kids are in the care system\n"
        "    any: ['75,000']\n"
        "  - q: how many children are in care\n"
        "    any: ['a span that is in no quote']\n"
        "out_of_scope:\n"
        "  - what time does the canteen open\n",
        encoding="utf-8",
    )
    out = run_cli("eval", str(qs))
    assert out.returncode == 0, out.stderr
    assert "all: in-scope top-1 1/2 = 0.500; out-of-scope declined 1/1 = 1.000" in out.stdout
    assert "MISS wrong_fact: 'how many children are in care': got children-in-care" in out.stdout
    data = json.loads(run_cli("eval", str(qs), "--json").stdout)
    assert data["in_scope"]["correct"] == 1 and len(data["misses"]) == 1
    assert data["miss_counts"] == {
        "wrong_fact": 1,
        "wrong_decline": 0,
        "wrong_verdict": 0,
        "answered_unanswerable": 0,
    }
    assert data["claims"] == {"total": 0, "correct": 0}


def test_eval_reports_each_split_and_misses_by_kind(tmp_path: Path) -> None:
    qs = tmp_path / "qs.yaml"
    qs.write_text(
        "in_scope:\n"
        "  - {q: how many kids are in the care system, any: ['75,000'], split: tune}\n"
        "  - {q: what is the weather in Leeds, any: ['75,000'], split: report}\n"
        "out_of_scope:\n"
        "  - {q: how many children are in care, split: report}\n"
        "  - what time does the canteen open\n",
        encoding="utf-8",
    )
    out = run_cli("eval", str(qs))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "tune: in-scope top-1 1/1 = 1.000; out-of-scope declined 0/0 = 0.000" in lines[-3]
    assert "report: in-scope top-1 0/1 = 0.000; out-of-scope declined 0/1 = 0.000" in lines[-2]
    assert lines[-1].startswith("all splits: in-scope top-1 1/2 = 0.500; out-of-scope declined 1/2 = 0.500")
    declined = "MISS wrong_decline [report]: 'what is the weather in Leeds'"
    assert any(line.startswith(declined) for line in lines)
    answered = "MISS answered_unanswerable [report]: 'how many children are in care'"
    assert any(line.startswith(answered) for line in lines)
    only = run_cli("eval", str(qs), "--split", "report", "--json")
    assert json.loads(only.stdout)["report"]["in_scope"]["total"] == 1
    unknown = run_cli("eval", str(qs), "--split", "nope")
    assert unknown.returncode == 2 and "has no split 'nope'" in unknown.stderr


def test_usage_errors_are_one_line() -> None:
    out = run_cli("eval", "/no/such/file.yaml")
    assert out.returncode == 2 and "cannot read question set" in out.stderr
    bad_env = run_cli("knowledge", "check", env={"PORT": "eighty"})
    assert bad_env.returncode == 2
    assert bad_env.stderr.strip() == "configuration error: PORT must be a whole number, not 'eighty'"


@pytest.mark.parametrize(
    "argv", [["--help"], ["ask", "--help"], ["knowledge", "draft", "-h"], ["eval", "--he"]]
)
def test_help(argv: list[str]) -> None:
    out = run_cli(*argv)
    assert out.returncode == 0 and out.stdout.startswith("Usage: ofsted-bot") and not out.stderr


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        ([], "ofsted-bot: error: the following arguments are required: command"),
        (
            ["knowledge"],
            "ofsted-bot knowledge: error: the following arguments are required: knowledge_command",
        ),
        (
            ["knowledge", "draft"],
            "ofsted-bot knowledge draft: error: the following arguments are required: path, --source-id",
        ),
        (
            ["knowledge", "try", "new.yaml"],
            "ofsted-bot knowledge try: error: the following arguments are required: question",
        ),
        (["calibrate"], "ofsted-bot calibrate: error: the following arguments are required: FILE[:SPLIT]"),
        (
            ["knowledge", "nope"],
            "ofsted-bot knowledge: error: argument knowledge_command: invalid choice: 'nope' (choose from "
            "'check', 'list', 'try', 'questions', 'draft', 'coverage')",
        ),
        (["ask", "a", "b"], "ofsted-bot: error: unrecognized arguments: b"),
        (["ask", "--bogus", "a"], "ofsted-bot: error: unrecognized arguments: --bogus"),
        (["gaps", "--since", "x"], "ofsted-bot gaps: error: argument --since: invalid int value: 'x'"),
        (
            ["calibrate", "f", "-o"],
            "ofsted-bot calibrate: error: argument -o/--output: expected one argument",
        ),
        (
            ["knowledge", "draft", "a.txt", "--source-id", "x", "--published", "2020-13-01"],
            "ofsted-bot knowledge draft: error: argument --published: "
            "invalid fromisoformat value: '2020-13-01'",
        ),
        (
            ["knowledge", "draft", "a.txt", "--p", "X"],
            "ofsted-bot knowledge draft: error: ambiguous option: --p could match --publisher, --published",
        ),
        (
            ["knowledge", "list", "--json=1"],
            "ofsted-bot knowledge list: error: argument --json: ignored explicit argument '1'",
        ),
    ],
)
def test_usage_errors_keep_their_words_and_exit_2(argv: list[str], error: str) -> None:
    out = run_cli(*argv)
    assert out.returncode == 2 and not out.stdout
    usage, message = out.stderr.splitlines()
    assert usage.startswith("usage: ofsted-bot") and message == error


def test_a_long_option_can_be_shortened_to_a_unique_prefix() -> None:
    out = run_cli("knowledge", "list", "--js")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0]["id"]


def test_draft_refuses_with_exit_1_when_the_knowledge_folder_has_errors(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(
        "Head\n\nSeven local authorities are struggling to improve, the report says.\n", "utf-8"
    )
    broken = tmp_path / "knowledge"
    args = ("knowledge", "draft", str(article), "--source-id", "x1", "--publisher", "X", "--report", "R")
    out = run_cli(*args, env={"KNOWLEDGE_DIR": str(broken)}, cwd=tmp_path)
    assert out.returncode == 1 and not (tmp_path / "x1.draft.yaml").exists()
    assert (
        out.stderr
        == f"knowledge draft: the knowledge folder {broken} has errors: run `ofsted-bot knowledge check`\n"
    )
