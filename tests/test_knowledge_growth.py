"""Quality from the knowledge itself: questions generated from a fact's fields, facts found with
no hand-written questions, and figures never given for a date or a region they are not for.

Every question here is the team's own, written for these tests; none comes from a question set.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.bot_process import TEST_SIGNING_SECRET, healthy_standin_server
from support.cli import run_cli
from support.server_checks import ADMIN_ID
from support.slack_messages import ask, quotes, section_texts
from support.slack_standin import SignedSlackClient, SlackStandin

from retrieval.evaluation.tuning import TrainingTexts
from retrieval.knowledge.schema import Fact, Figure, Knowledge, Source
from retrieval.matching.answer import answer_question
from retrieval.matching.encoder import read_tuned_name
from retrieval.matching.generated_questions import generated_questions, in_colleagues_words, masked_statement
from retrieval.matching.index import FactIndex, fact_dates, fact_texts, fact_years, generated_for, in_context

REPO = Path(__file__).resolve().parent.parent

HOMES_SOURCE = Source(
    id="homes-release",
    publisher="Ofsted",
    title="Main findings: children's social care in England",
    published=dt.date(2022, 7, 7),
    url=None,
    report="Children's social care in England 2022",
    text_file="sources/homes-release.txt",
)
HOMES_FACT = Fact(
    id="homes-north-west",
    source="homes-release",
    statement="More than 600 local authorities' children's homes were in the North West as at 31 March 2022.",
    quote="More than 600 local authorities' children's homes were in the North West as at 31 March 2022.",
    figures=[
        Figure(
            text="600",
            value=600,
            measure="children's homes",
            period="31 March 2022",
            place="North West",
        )
    ],
)


def test_a_quote_that_points_back_is_also_embedded_after_the_sentence_it_points_to() -> None:
    text = (
        "Introduction\n\nAt the end of March 2023, there were 43,405 fostering households in England. "
        "Of these, 35,005 were mainstream foster care households.\n"
    )
    pointing = Fact(
        id="mainstream", source="homes-release", statement="35,005 were mainstream households.",
        quote="Of these, 35,005 were mainstream foster care households.",
    )  # fmt: skip
    standing = pointing.model_copy(
        update={"id": "standing", "quote": "There were 43,405 fostering households."}
    )
    knowledge = Knowledge(Path("."), (HOMES_SOURCE,), (pointing, standing), {"homes-release": text}, ())
    (context,) = [t for kind, t in fact_texts(pointing, knowledge) if kind == "context"]
    assert context == (
        "At the end of March 2023, there were 43,405 fostering households in England. "
        "Of these, 35,005 were mainstream foster care households."
    )
    assert in_context(standing, knowledge) is None
    # a quote the saved text does not hold (or no text saved) has no context
    assert in_context(pointing, Knowledge(Path("."), (HOMES_SOURCE,), (pointing,), {}, ())) is None


def test_generated_questions_come_from_the_facts_fields() -> None:
    questions = generated_questions(HOMES_FACT, HOMES_SOURCE, {"las": "local authorities"})
    assert questions == generated_questions(HOMES_FACT, HOMES_SOURCE, {"las": "local authorities"})
    # the figure asked for instead of stated, its qualifier with it
    assert (
        "How many local authorities' children's homes were in the North West as at 31 March 2022?"
        in questions
    )
    # the figure by its measure, place and period
    assert "How many children's homes in North West as at 31 March 2022?" in questions
    # a claim to check, and the same said in colleagues' words
    assert any(q.startswith("Is it true that more than 600") for q in questions)
    assert any("LAs' children's homes" in q for q in questions)
    assert len(questions) == len(set(questions))


def test_a_figure_not_in_the_statement_is_not_masked() -> None:
    figure = Figure(text="42%", value=42, unit="%", measure="local authorities judged good")
    assert masked_statement("Most councils improved.", figure) is None
    assert in_colleagues_words("nothing to say differently", {"las": "local authorities"}) is None


def test_generated_questions_join_the_index_and_the_tuning(index: FactIndex, knowledge: Knowledge) -> None:
    kinds = {(int(f), k) for f, k in zip(index.row_fact, index.row_kind, strict=True)}
    assert all((i, "generated") in kinds for i in range(len(knowledge.facts)))
    training = TrainingTexts.from_knowledge(knowledge.without_example_questions())
    assert len(training.anchors) == sum(len(generated_for(f, knowledge)) for f in knowledge.facts)
    stripped = knowledge.without_example_questions()
    assert all(not f.questions for f in stripped.facts)
    assert [f.statement for f in stripped.facts] == [f.statement for f in knowledge.facts]


def test_facts_with_no_written_questions_are_found_from_their_fields(
    index: FactIndex, knowledge: Knowledge
) -> None:
    bare = FactIndex.build(
        knowledge.without_example_questions(), index.encoder, cache_dir=REPO / ".cache/embeddings"
    )
    for question, expected in [
        ("how many children are in care?", "75,000"),
        ("what percentage of councils are inadequate at the moment?", "13%"),
        ("how many focused visits were carried out this year?", "39"),
    ]:
        answer = answer_question(bare, question)
        assert answer.answered and answer.best is not None, question
        assert expected in answer.best.fact.quote, question


def test_a_figure_is_for_its_period_not_the_date_it_is_compared_with() -> None:
    claim = "As at 31 March 2022, there was a 7% increase in homes compared with 31 March 2021."
    increase = Figure(text="7%", value=7, unit="%", measure="increase in homes", period="31 March 2022")
    compared = Fact(
        id="homes-increase", source="homes-release", statement=claim, quote=claim, figures=[increase]
    )
    knowledge = Knowledge(Path("."), (HOMES_SOURCE,), (compared,), {}, ())
    assert fact_years(compared, knowledge) == {2022}
    assert fact_dates(compared) == ("31 March 2022",)
    since = compared.model_copy(
        update={
            "quote": "Short break places have increased by 41% since 2021.",
            "figures": [
                Figure(text="41%", value=41, unit="%", measure="short break places", period="2024 to 2025")
            ],
        }
    )
    assert fact_years(since, knowledge) == {2021, 2024, 2025}
    # a fact whose figures give no period keeps the years its claim and its edition name
    undated = compared.model_copy(update={"figures": []})
    assert {2021, 2022} <= fact_years(undated, knowledge)


def test_an_acronym_the_knowledge_spells_is_read_as_its_phrase(index: FactIndex) -> None:
    # "MV" is in no synonym list: the knowledge's own "monitoring visits" spells it
    assert "mv" not in {w.lower() for w in index.knowledge.synonyms}
    assert index.acronyms_in("how many MVs were there?") == {"mv": "monitoring visits"}
    rewritten = index.rewrite_with_synonyms("how many MVs were there?")
    assert rewritten is not None and "monitoring visits" in rewritten
    assert index.query_terms("how many MVs were there?").unknown_names == ()
    # an acronym no phrase spells stays unknown: a question about it is declined
    assert index.query_terms("how many CQX inspections were there?").unknown_names


DATE_AND_REGION_DECLINES = [
    # the previous edition's figure is dated 1 April 2016: another month of that year is not it
    ("what share of councils were good or outstanding on 1 September 2016?", "other_period", "1 April 2016"),
    # a national figure is not a region's
    ("what share of councils in the north east are good or outstanding?", "other_place", "North East"),
    ("how many children are in care in the south-west?", "other_place", "South West"),
]


def test_a_figure_for_another_date_or_region_is_not_given_as_the_asked_one(index: FactIndex) -> None:
    for question, reason, note in DATE_AND_REGION_DECLINES:
        answer = answer_question(index, question)
        assert not answer.answered and answer.reason == reason, question
        assert note in answer.note, question
    # capitalised, a region the knowledge never names is an unknown name: declined all the same
    assert not answer_question(index, "how many children are in care in the South West?").answered
    # the date the fact is for still answers
    dated = answer_question(index, "what share of councils were good or outstanding at 1 April 2016?")
    assert dated.answered and dated.best is not None and "1 April 2016" in dated.best.fact.quote


def test_cli_and_slash_command_decline_another_date_and_region(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    questions = [q for q, _, _ in DATE_AND_REGION_DECLINES]
    out = run_cli("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    for line, (_, _, note) in zip(lines, DATE_AND_REGION_DECLINES, strict=True):
        assert not line["answered"] and not line["answers"] and note in line["note"], line
    region = ask(slack, standin, DATE_AND_REGION_DECLINES[1][0]).body
    assert not quotes(region["blocks"])
    assert "North East" in section_texts(region["blocks"])[0]
    date = ask(slack, standin, DATE_AND_REGION_DECLINES[0][0]).body
    assert not quotes(date["blocks"]) and "1 April 2016" in section_texts(date["blocks"])[0]


def test_knowledge_questions_shows_written_and_generated() -> None:
    out = run_cli("knowledge", "questions", "focused-visits", "--json")
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    assert shown["written"] and shown["generated"]
    assert not set(shown["written"]) & set(shown["generated"])
    missing = run_cli("knowledge", "questions", "no-such-fact")
    assert missing.returncode == 2 and "no fact 'no-such-fact'" in missing.stderr


def test_eval_without_example_questions_scores_the_bare_knowledge() -> None:
    out = run_cli("eval", str(REPO.parent / "shared/eval/dev.yaml"), "--without-example-questions", "--json")
    assert out.returncode == 0, out.stderr
    bare = json.loads(out.stdout)
    full = json.loads(run_cli("eval", str(REPO.parent / "shared/eval/dev.yaml"), "--json").stdout)
    assert bare["in_scope"]["total"] == full["in_scope"]["total"] > 0
    # a real measurement, not the full knowledge again: the two differ somewhere
    assert bare != full


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(1.0)


BRIEFING_TEXT = (
    "Secure homes briefing\n\n"
    "Inspectors found that 14 secure children's homes had a new registered manager in the year.\n"
)
BRIEFING_FILE = """\
sources:
  - id: secure-homes-briefing
    publisher: Team briefing
    title: Secure homes briefing
    published: 2022-05-01
    url: null
    report: Team briefing 2022
    text_file: sources/secure-homes-briefing.txt
facts:
  - id: secure-homes-new-managers
    source: secure-homes-briefing
    statement: 14 secure children's homes had a new registered manager in the year.
    quote: "Inspectors found that 14 secure children's homes had a new registered manager in the year."
    figures:
      - {text: "14", value: 14, measure: "secure children's homes with a new registered manager"}
"""


@pytest.mark.slow
def test_a_fact_added_while_running_is_tuned_for_in_the_background(
    standin: SlackStandin, tmp_path: Path
) -> None:
    """No command after adding a fact: the bot answers it at once, tunes its encoder for it in the
    background (the status says so), and then answers with the encoder tuned on it.

    A small knowledge (three of the fact files) keeps each tuning to well under a minute; the
    encoder copied in was tuned on the whole knowledge, so the bot first tunes it for this one."""
    knowledge_dir = tmp_path / "knowledge"
    shutil.copytree(REPO / "knowledge", knowledge_dir)
    for path in (knowledge_dir / "facts").glob("*.yaml"):
        if path.name not in ("report.yaml", "people.yaml", "scale-and-demand.yaml"):
            path.unlink()
    tuned_dir = tmp_path / "models" / "ofsted-minilm"
    shutil.copytree(REPO / "models" / "ofsted-minilm", tuned_dir)
    copied = read_tuned_name(tuned_dir)
    with healthy_standin_server(
        standin,
        tmp_path,
        KNOWLEDGE_DIR=str(knowledge_dir),
        TUNED_MODEL_DIR=str(tuned_dir),
        AUTO_TUNE="on",
        ADMIN_USER_IDS=ADMIN_ID,
        RATE_LIMIT_PER_MINUTE="100000",
    ) as server:
        slack = SignedSlackClient(server.events_url, TEST_SIGNING_SECRET)

        def status() -> str:
            return json.dumps(ask(slack, standin, "status", ADMIN_ID).body["blocks"])

        # tuned on other knowledge: tuned again at start, in the background
        wait_until(lambda: "Encoder tuning: done" in status() and read_tuned_name(tuned_dir) != copied, 600)
        before = read_tuned_name(tuned_dir)
        (knowledge_dir / "sources" / "secure-homes-briefing.txt").write_text(BRIEFING_TEXT, encoding="utf-8")
        (knowledge_dir / "briefing.yaml").write_text(BRIEFING_FILE, encoding="utf-8")
        question = "how many secure children's homes got a new registered manager?"
        wait_until(lambda: "Encoder tuning: under way" in status(), timeout=60)
        # answered meanwhile, from its generated questions, by the encoder tuned before
        meanwhile = ask(slack, standin, question).body
        assert "14 secure children" in json.dumps(meanwhile["blocks"])
        wait_until(lambda: "Encoder tuning: done" in status() and read_tuned_name(tuned_dir) != before, 600)
        after = read_tuned_name(tuned_dir)
        assert after is not None and after != before
        assert after.split("#")[1] in status(), "the bot answers with the encoder tuned on the new fact"
        assert "14 secure children" in json.dumps(ask(slack, standin, question).body["blocks"])
