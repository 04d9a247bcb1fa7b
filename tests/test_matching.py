"""The answer/decline decision on the kinds of question issue 9 names, with questions of our own
(none from any evaluation set): through the core, the CLI and a signed ``/ofsted`` request.

Ordinary verbs, "percent", a greeting, thanks and one-letter slips must not decline; a figure for
another measure or another year, a name the reports do not give, and jargon they never use must.
The invariance figures on the blind question set are checked here too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_cli
from support.slack_messages import ask, context_texts, quotes, section_texts
from support.slack_standin import SignedSlackClient, SlackStandin

from retrieval.evaluation.calibrate import DEFAULT_TARGET_DECLINED, calibrate
from retrieval.evaluation.evaluate import QuestionSet, invariance, swap_letters_in_longest_word
from retrieval.language.asking import (
    asked_measure,
    asked_speaker,
    defined_term,
    quotes_speaker,
    services_named,
    years_in,
)
from retrieval.language.wording import normalise_units, spelling_variants, strip_framing
from retrieval.matching.answer import answer_question
from retrieval.matching.decision import load_decision_models, models_to_json, select_model
from retrieval.matching.index import FactIndex

REPO = Path(__file__).resolve().parent.parent
BLIND = REPO / "tests/data/blind_questions.yaml"

# (question, a string the top answer's quote must hold)
ANSWERED = [
    ("what share of local authorities ended up judged inadequate?", "13%"),  # "ended": ordinary English
    # the asker's job names a school: no other service is asked about
    ("As a virtual school head, how many children are in care in England?", "75,000"),
    # declined at low confidence for three passes of issue 9, answered again since the decision
    # is fitted on more writers' questions
    ("how many monitoring visits took place?", "66"),
    ("what percent of councils were rated requires improvement?", "45%"),  # "percent"
    ("what per cent of LAs got a good or outstanding grade", "42%"),
    ("morning all - how many children in need are there? cheers", "400,000"),  # framing
    ("what percentage of councils are judged inadequte?", "13%"),  # a dropped letter
    ("how many chilrden are in care", "75,000"),  # a swapped pair
    ("what does JTAI stand for?", "joint targeted area inspections"),  # the fact spelling it out
    ("what are ILACS", "Inspection of Local Authority Children's Services"),
    ("roughly how many children in need are there in England?", "400,000"),  # a place it knows
    ("is there a link between how much councils spend per child in need and their grade?", "correlation"),
    ("roughly how many LAs did Ofsted hold engagement meetings with?", "almost every"),  # no digit
    # the knowledge's own spelling of a word written the other way
    ("how many focussed visits were there?", "39 were carried out"),
    ("what share of LAs get an inadequate judgment?", "13%"),
    ("what did Ofsted say went wrong in Northants?", "Northamptonshire"),  # a county written short
    # the thing counted is the last noun of the phrase, however often its stem repeats
    ("How many final Single Inspection Framework inspections took place?", "six"),
    ("which council is the cautionary tale about?", "Northamptonshire"),  # a place asked, and named
    # "last year's report" is the edition before the newest: its fact, not this year's 36%
    ("in last year's report, what share of councils were good or outstanding?", "1 April 2016"),
    # an opening "when" clause sets the scene; the question after the comma asks what was found
    ("When joint inspections looked at older children, what did they find about neglect?", "neglect"),
    # "who" opening a clause about teenagers asks for no name
    ("do teenagers who are neglected get less attention than young children?", "neglect"),
    # the asker's own role is not what is asked
    ("I'm an IRO - what share of LAs are inadequate?", "13%"),
    # how often is answered by "quarterly"
    ("how often are inadequate councils visited?", "quarterly"),
    # "budget" qualifies the pressures asked about: no amount of money is asked
    ("what budget pressures are councils under?", "budget pressures"),
    # the same, for "in the latest report"
    ("what share of councils were good or outstanding in the latest report?", "42%"),
]
# Declined questions with their reasons and notes: the examples of each rule in
# matching/decline_rules.py (run by tests/test_question_rules.py).
SOCIAL_WORKERS = "how many social workers are there in England?"
IN_2023 = "what percentage of councils were inadequate in 2023?"


def test_framing_units_and_periods_are_normalised() -> None:
    assert strip_framing("hi, quick question - what % of LAs are RI? thanks!") == "what % of LAs are RI?"
    assert strip_framing("Hiya team, how many children are in care? Cheers :pray:") == (
        "how many children are in care?"
    )
    assert strip_framing("thanks") == "thanks"  # nothing but framing: left for small talk
    assert strip_framing("how many in each local authority") == "how many in each local authority"
    assert normalise_units("42 per cent, 13pc and what percent") == "42%, 13% and what percentage"
    assert normalise_units("twelve months ago") == "last year"
    assert normalise_units("the year before") == "last year"
    assert (
        normalise_units("West Berks and northants, not bucks")
        == "West Berkshire and Northamptonshire, not bucks"
    )
    assert spelling_variants("judgments") == ["judgements"]
    assert "focused" in spelling_variants("focussed") and "organisation" in spelling_variants("organization")
    assert years_in("in 2016/17 and by 2025") == {2016, 2017, 2025}


def test_what_a_figure_question_counts() -> None:
    assert asked_measure("how many social workers are there in England?") == "social workers"
    assert asked_measure("what proportion of the councils are good") == "councils"
    assert asked_measure("how many ILACS inspections resulted in good?") == "ILACS inspections"
    assert asked_measure("how much has it fallen") is None
    assert asked_measure("is deprivation linked to ratings") is None
    assert asked_measure("how much councils spend per child") is None  # spending, not councils
    assert asked_measure("how much money do councils get") == "money"
    # a noun phrase ends in its head noun, whatever verb follows; a comparative counts nothing
    assert asked_measure("how many councils sit in the RI band?") == "councils"
    assert asked_measure("the number of good councils keeps growing") == "good councils"
    assert asked_measure("how many ILACS inspections were there?") == "ILACS inspections"
    assert asked_measure("how much better is it now?") is None
    assert asked_measure("what % of councils are inadequate?") == "councils"
    assert asked_measure("how much inspection activity was there") == "inspection"
    assert asked_measure("how many children a year come into care") == "children"
    assert asked_measure("how do numbers of looked-after children compare historically") == (
        "looked-after children"
    )
    # how often (the frequency kind) or how long (the duration kind), not a thing counted
    assert asked_measure("how many times did the inspectors call in on the weakest councils?") is None
    assert asked_measure("how many weeks does a re-inspection take") is None


def test_terms_to_define_and_other_services_are_read() -> None:
    assert defined_term("What are JTAIs?") == "JTAI"
    assert defined_term("what does ILACS stand for") == "ILAC"
    assert defined_term("what are the JTAI themes?") is None
    assert services_named("school and college funding, adult social care") == (
        "school",
        "college",
        "adult social care",
    )


def test_a_persons_own_words_are_asked_only_of_people() -> None:
    assert asked_speaker("What did Amanda Spielman say about schools?") == "Amanda Spielman"
    assert asked_speaker("did Hood comment on the report?") == "Hood"
    assert asked_speaker("what did Ofsted say about neglect?") is None
    assert asked_speaker("what did the chief inspector say?") is None
    assert quotes_speaker('Alison Michalska, president at ADCS, said: "The report…"', "Alison Michalska")
    assert not quotes_speaker("research published last year by Rick Hood, senior lecturer", "Rick Hood")


def test_what_a_publisher_says_is_what_its_article_says(index: FactIndex) -> None:
    answer = answer_question(index, "what did Community Care say about deprivation and ratings?")
    assert answer.reason != "other_speaker"
    person = answer_question(index, "what did Alison Michalska say about older neglected children?")
    assert person.reason == "other_speaker"


def test_two_years_in_a_row_are_one_period() -> None:
    from retrieval.matching.fact_scope import period_covered
    from retrieval.matching.index import financial_year_ends

    assert period_covered(frozenset({2016, 2017}), frozenset({2016, 2017}))
    assert not period_covered(frozenset({2016, 2017}), frozenset({2017, 2018}))
    assert period_covered(frozenset({2017}), frozenset({2017, 2018}))  # one year: any in common
    assert period_covered(frozenset({2009, 2014}), frozenset({2009, 2014, 2016, 2017}))
    # a date in January to March closes the financial year begun the year before
    assert period_covered(frozenset({2020, 2021}), frozenset({2021}), financial_year_ends(["31 March 2021"]))
    assert period_covered(frozenset({2022, 2023}), frozenset({2023}), financial_year_ends(["March 2023"]))
    assert not period_covered(
        frozenset({2021, 2022}), frozenset({2021}), financial_year_ends(["31 March 2021"])
    )
    assert not period_covered(
        frozenset({2017, 2018}), frozenset({2018}), financial_year_ends(["30 September 2018"])
    )
    # … but not a single year before it: "in 2020" is not "as at 31 March 2021"
    assert not period_covered(frozenset({2020}), frozenset({2021}), financial_year_ends(["31 March 2021"]))


def test_acronyms_are_read_from_the_knowledges_own_phrases() -> None:
    from retrieval.language.lexical import initialisms

    texts = [
        "There were 2,145 children’s homes. Most children’s homes are private; children’s homes grew.",
        "Children’s homes rose again, and new children’s homes opened.",
        "Special educational needs were common.",  # a phrase seen once: no acronym
        "Enquiries to independent fostering agencies (IFAs) rose; children in need (CIN) fell.",
        " ".join(["Five inspections were judged good."] * 5),
    ]
    found = initialisms(texts, known=["LA"])
    assert found["ch"] == "children homes"  # five times
    assert found["ifa"] == "independent fostering agencies"  # defined in brackets
    assert found["cin"] == "children in need"
    assert "sen" not in found
    assert not {"fi", "ij", "ijg"} & set(found)  # numbers and -ed forms name nothing
    assert "la" not in initialisms(["local authorities (LAs)"] * 5, known=["LA"])


def test_the_askers_role_and_a_named_employer_are_not_what_is_asked() -> None:
    from retrieval.language.asking import without_asker_role

    assert "IRO" not in without_asker_role("I'm an IRO - what share of LAs are inadequate?")
    assert "DSL" not in without_asker_role("As a new DSL, how many children are in need?")
    assert "IRO" not in without_asker_role("Our IRO team is writing a briefing")
    assert without_asker_role("how many IROs are there?") == "how many IROs are there?"
    assert services_named("what did the Kingston University study find?") == ()
    assert services_named("what did Spielman say about schools?") == ("schools",)
    assert services_named("University funding?") == ("university",)  # a sentence's first word
    assert "school" not in without_asker_role("As a virtual school head, how many children are in care?")
    assert "Cafcass" not in without_asker_role("As a Cafcass children's guardian I see drift")
    assert "TM" not in without_asker_role("locum TM here - what are the features?")
    # the context before the question asks nothing: no service, no forecast
    assert services_named("I'm on the school run. How many children are in care?") == ()


def test_places_are_found_however_they_are_typed() -> None:
    from retrieval.language.lexical import name_words
    from retrieval.language.places import places_in

    assert name_words("For Monday's briefing in March, what did Kingston find?") == ["Kingston"]

    assert places_in("how many children are in care in wales?") == ("wales",)
    assert places_in("what about Northern Ireland") == ("Northern Ireland",)  # one place, not Ireland
    assert places_in("is birmingham rated good") == ("birmingham",)
    assert places_in("Reading the report, what does it say?") == ()  # an everyday word first
    assert places_in("what does it say about reading") == ()
    assert places_in("what is York's grade") == ("York",)  # capitalised mid-sentence: a name


@pytest.mark.parametrize(("question", "must_contain"), ANSWERED)
def test_everyday_wording_is_answered(index: FactIndex, question: str, must_contain: str) -> None:
    answer = answer_question(index, question)
    assert answer.answered, (answer.reason, [s.fact_id for s in answer.suggestions])
    assert must_contain in answer.answers[0].fact.quote


def test_a_corrected_slip_is_shown(index: FactIndex) -> None:
    answer = answer_question(index, "what percentage of councils are judged inadequte?")
    assert answer.corrected_question == "what percentage of councils are judged inadequate?"
    assert answer.to_dict()["corrected_question"] == answer.corrected_question
    plain = answer_question(index, "what percentage of councils are judged inadequate?")
    assert plain.corrected_question is None


def test_cli_answers_and_declines_the_same_way() -> None:
    slip_question = "what percentage of councils are judged inadequte?"
    questions = [ANSWERED[0][0], slip_question, SOCIAL_WORKERS, IN_2023]
    out = run_cli("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["answered"] for line in lines] == [True, True, False, False]
    assert "13%" in lines[0]["answers"][0]["quote"]
    assert lines[1]["corrected_question"] == "what percentage of councils are judged inadequate?"
    assert "social workers" in lines[2]["note"] and lines[2]["suggestions"]
    assert "2023" in lines[3]["note"]
    place = json.loads(run_cli("ask", "--json", "how many kids are in care in wales").stdout)
    assert not place["answered"] and place["note"] == "The reports I know say nothing about Wales."
    assert place["suggestions"], "the nearest facts are still shown"
    service = json.loads(run_cli("ask", "--json", "what does the report say about police funding?").stdout)
    assert not service["answered"] and "police" in service["note"]
    text = run_cli("ask", SOCIAL_WORKERS)
    assert text.stdout.startswith("I don't have a figure for social workers in the reports I know.")
    assert "Nearest facts I do know:" in text.stdout
    slip = run_cli("ask", "how many chilrden are in care")
    assert slip.stdout.startswith("Showing results for: how many children are in care")
    assert "75,000" in slip.stdout


def test_slash_command_shows_the_correction_and_the_missing_measure(
    slack: SignedSlackClient, standin: SlackStandin
) -> None:
    corrected = ask(slack, standin, "what percentage of councils are judged inadequte?").body
    assert any("13%" in q for q in quotes(corrected["blocks"]))
    shown = "Showing results for _what percentage of councils are judged inadequate?_"
    assert any(shown in c for c in context_texts(corrected["blocks"]))
    declined = ask(slack, standin, "how many social workers are there in England?").body
    assert not quotes(declined["blocks"])
    missing = "I don't have a figure for social workers in the reports I know."
    assert section_texts(declined["blocks"])[0] == missing
    assert declined["text"] == missing
    framed = ask(slack, standin, "hi, quick one - what per cent of LAs got good or outstanding? ta").body
    assert any("42%" in q for q in quotes(framed["blocks"]))
    wales = ask(slack, standin, "how many kids are in care in wales").body
    assert not quotes(wales["blocks"])
    assert section_texts(wales["blocks"])[0] == "The reports I know say nothing about Wales."
    defined = ask(slack, standin, "what does JTAI stand for?").body
    assert any("joint targeted area inspections" in q for q in quotes(defined["blocks"]))


@pytest.mark.quality
def test_rewording_keeps_right_answers_right(index: FactIndex) -> None:
    """The CheckList invariance of issue 9 on the blind set's right answers: a greeting, thanks
    or lower case must keep >= 0.98 of them right, a one-letter slip >= 0.85."""
    assert swap_letters_in_longest_word("how many children") == "how many chilrden"
    results = invariance(QuestionSet.from_file(BLIND), lambda q: answer_question(index, q))
    shares = {name: r["share"] for name, r in results.items()}
    assert all(r["total"] >= 150 for r in results.values()), results
    for name in ("greeting", "thanks", "lowercase"):
        assert shares[name] >= 0.98, (name, results[name]["broken"])
    assert shares["typo"] >= 0.85, results["typo"]["broken"]


def test_the_shipped_decision_file_serves_any_encoder(tmp_path: Path) -> None:
    models = load_decision_models()
    assert models[0].uses_pairs and models[0].embedding_model.startswith("ofsted-minilm@")
    dim = len(models[0].pair_mean)
    assert select_model(models, models[0].embedding_model, dim) is models[0]
    assert select_model(models, "some/other-model", dim) is models[-1]  # no pair components
    assert not models[-1].uses_pairs
    broken = tmp_path / "model.json"
    broken.write_text(models_to_json(models[:1]), encoding="utf-8")
    with pytest.raises(ValueError, match="must work for any encoder"):
        load_decision_models(broken)


def test_calibrate_writes_a_model_file_the_bot_can_load(tmp_path: Path) -> None:
    out = tmp_path / "decision_model.json"
    done = run_cli("calibrate", str(REPO / "tests/data/team_questions.yaml"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "with_pair_components: cross-validated (folds) answerable answered right" in done.stdout
    models = load_decision_models(out)
    assert [m.uses_pairs for m in models] == [True, False]
    assert models[0].fitted_on == ("team_questions.yaml",)
    assert 0.0 < models[0].threshold <= 1.0
    missing = run_cli("calibrate", str(tmp_path / "nope.yaml"), "-o", str(out))
    assert missing.returncode == 2 and "cannot read question set" in missing.stderr
    only_answerable = tmp_path / "qs.yaml"
    only_answerable.write_text("in_scope:\n  - {q: how many children are in care, any: ['75,000']}\n")
    refused = run_cli("calibrate", str(only_answerable), "-o", str(out))
    assert refused.returncode == 2 and "needs answerable and unanswerable" in refused.stderr
    no_split = run_cli("calibrate", f"{REPO / 'tests/data/team_questions.yaml'}:tune", "-o", str(out))
    assert no_split.returncode == 2 and "has no split 'tune'" in no_split.stderr


def _calibrated(index: FactIndex, specs: list[str], target: float = DEFAULT_TARGET_DECLINED) -> tuple:
    """``calibrate`` in process on the session's index (the CLI's own path, with the knowledge
    with and without written questions, is smoke-tested above): the models and their
    cross-validated figures."""
    sets = {}
    for spec in specs:
        path, _, split = spec.partition(":")
        questions = QuestionSet.from_file(REPO / path)
        sets[f"{Path(path).name}{':' + split if split else ''}"] = (
            questions.only(split) if split else questions
        )
    return calibrate([index], sets, target_declined=target)


@pytest.mark.quality
def test_calibrate_holds_each_set_out_when_there_are_three(index: FactIndex) -> None:
    """With three or more sets the threshold is chosen on probabilities from models that never saw
    the question's set: a stranger's questions, not a neighbour of the writer's own."""
    specs = [
        "tests/data/team_questions.yaml",
        "tests/data/blind_questions_c.yaml:report",
        "tests/data/blind_questions_d.yaml:report",
    ]
    models, figures = _calibrated(index, specs, target=0.9)
    assert figures["with_pair_components"]["held_out_by_set"] == 1.0
    assert models[0].fitted_on == (
        "team_questions.yaml",
        "blind_questions_c.yaml:report",
        "blind_questions_d.yaml:report",
    )
    assert "0.90 of unanswerable declined" in models[0].note
    # the threshold was chosen on held-out probabilities: they decline at least the target
    assert figures["with_pair_components"]["cv_out_of_scope_declined"] >= 0.9


@pytest.mark.quality
def test_calibrate_holds_a_files_two_splits_out_together(index: FactIndex) -> None:
    """The tune and report halves of one file were written by the same people: holding one out
    while fitting on the other is not a stranger's question, so two files are too few to hold out."""
    specs = [
        "tests/data/team_questions.yaml",
        "tests/data/blind_questions_c.yaml:tune",
        "tests/data/blind_questions_c.yaml:report",
    ]
    models, figures = _calibrated(index, specs)
    assert figures["with_pair_components"]["held_out_by_set"] == 0.0
    assert models[0].fitted_on == (
        "team_questions.yaml",
        "blind_questions_c.yaml:tune",
        "blind_questions_c.yaml:report",
    )
