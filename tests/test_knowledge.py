"""The knowledge validator: every rule, each tried with a bad file, plus the shipped knowledge."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from retrieval.knowledge.fact_checks import check_figure, verify_quote
from retrieval.knowledge.figures import parse_figure_text
from retrieval.knowledge.schema import Figure, load_knowledge

REPO = Path(__file__).resolve().parent.parent
SOURCE_TEXT = (
    "Currently, 42% of local authorities are judged good or outstanding, 45% as requires "
    "improvement to be good and 13% inadequate.\n\nHer Majesty’s Chief Inspector said: “Early help "
    "has been cut back.” We have seen two thirds of inadequate local authorities improve. "
    "Seven local authorities, though, are struggling. Councils face a £2bn funding gap — by 2020."
)
SOURCES = """\
sources:
  - id: src-a
    publisher: Test Publisher
    title: A test article
    published: 2018-12-04
    url: null
    report: Ofsted Annual Report 2017/18
    text_file: sources/a.txt
"""
GOOD_FACT = """\
facts:
  - id: judged-good
    source: src-a
    statement: 42% of local authorities are judged good or outstanding.
    quote: "Currently, 42% of local authorities are judged good or outstanding, 45% as requires improvement to be good and 13% inadequate."
    figures:
      - {text: "42%", value: 42, unit: "%", measure: "judged good or outstanding"}
    questions: ["How many councils are good or outstanding?"]
"""


def make_folder(tmp_path: Path, *files: tuple[str, str]) -> Path:
    folder = tmp_path / "knowledge"
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "a.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    for name, text in files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def errors_of(folder: Path) -> list[str]:
    result = load_knowledge(folder)
    return [str(i) for i in result.errors]


def test_good_folder_loads(tmp_path: Path) -> None:
    result = load_knowledge(make_folder(tmp_path, ("facts/a.yaml", GOOD_FACT)))
    assert result.ok, [str(i) for i in result.issues]
    assert result.knowledge is not None
    assert [f.id for f in result.knowledge.facts] == ["judged-good"]
    assert result.warnings == []


def test_shipped_knowledge_is_valid_and_warning_free() -> None:
    result = load_knowledge(REPO / "knowledge")
    assert result.ok, "\n".join(str(i) for i in result.errors)
    assert [str(w) for w in result.warnings] == []
    assert result.knowledge is not None and len(result.knowledge.facts) >= 40


def test_every_figure_of_both_articles_is_in_some_quote() -> None:
    """Each number written in digits in an article appears in some fact's quote."""
    result = load_knowledge(REPO / "knowledge")
    assert result.knowledge is not None
    k = result.knowledge
    for source in k.sources:
        quotes = " ".join(f.quote for f in k.facts if f.source == source.id)
        # the dateline is the source's own metadata (sources.yaml), not a finding
        body = "\n".join(
            line for line in k.source_texts[source.id].splitlines() if not line.startswith("Published on")
        )
        numbers = set(re.findall(r"£?\d[\d,]*(?:\.\d+)?%?(?:bn)?", body))
        missing = sorted(n for n in numbers if n not in quotes)
        assert missing == [], f"{source.id}: figures in no quote: {missing}"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("facts: [\n  - id: x\n", r"invalid YAML"),
        ("facts: !!python/object:os.system {}\n", r"invalid YAML"),
        ("- just\n- a list\n", r"must be a mapping"),
        (GOOD_FACT.replace("    statement:", "    statment:"), r"facts\.0\.statment: Extra inputs"),
        (
            GOOD_FACT.replace(
                "    statement: 42% of local authorities are judged good or outstanding.\n", ""
            ),
            r"fact 'judged-good': facts\.0\.statement: Field required",
        ),
        (GOOD_FACT.replace("value: 42,", "value: forty-two,"), r"value: Input should be a valid number"),
        (GOOD_FACT.replace("source: src-a", "source: nowhere"), r"source 'nowhere' is not defined"),
        (GOOD_FACT + "    related: [ghost]\n", r"related fact 'ghost' is not defined"),
        (GOOD_FACT.replace("Currently, 42%", "Currently, 43%"), r"quote not found in source 'src-a'"),
        (GOOD_FACT.replace("Currently, 42%", "currently, 42%"), r"quote not found"),
        (GOOD_FACT.replace('text: "42%", value: 42', 'text: "45%", value: 42'), r"value 42 does not agree"),
        (GOOD_FACT.replace('text: "42%"', 'text: "40%"'), r"figure '40%' does not appear in the quote"),
        (GOOD_FACT.replace('unit: "%"', 'unit: "councils"'), r"unit must be '%'"),
        (GOOD_FACT.replace("id: judged-good", "id: Judged Good"), r"String should match pattern"),
    ],
)
def test_bad_fact_file_is_reported_with_file_and_line(tmp_path: Path, content: str, expected: str) -> None:
    errors = errors_of(make_folder(tmp_path, ("facts/bad.yaml", content)))
    assert errors, "expected an error"
    assert any(re.search(expected, e) for e in errors), errors
    assert all(re.match(r"^\S*knowledge/facts/bad\.yaml:\d+: ", e) for e in errors), errors


def test_error_line_points_at_the_fact(tmp_path: Path) -> None:
    second = GOOD_FACT.replace("judged-good", "second").replace("13% inadequate", "14% inadequate")
    content = GOOD_FACT + second.replace("facts:\n", "")
    errors = errors_of(make_folder(tmp_path, ("f.yaml", content)))
    assert len(errors) == 1
    line = int(errors[0].split(":")[1])
    assert content.splitlines()[line - 1].strip() == "- id: second"
    assert "fact 'second': quote not found in source 'src-a'" in errors[0]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    errors = errors_of(make_folder(tmp_path, ("a.yaml", GOOD_FACT), ("sub/b.yaml", GOOD_FACT)))
    assert any("duplicate fact id 'judged-good' (first defined at" in e for e in errors), errors


def test_duplicate_source_id(tmp_path: Path) -> None:
    errors = errors_of(make_folder(tmp_path, ("more-sources.yaml", SOURCES)))
    assert any("duplicate source id 'src-a'" in e for e in errors), errors


def test_missing_source_text_file(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ("a.yaml", GOOD_FACT))
    (folder / "sources" / "a.txt").unlink()
    errors = errors_of(folder)
    assert any("source 'src-a': cannot read text_file" in e for e in errors), errors


def test_a_fact_needs_no_questions_but_a_near_duplicate_is_warned(tmp_path: Path) -> None:
    twin = GOOD_FACT.replace("judged-good", "judged-good-twin").replace("facts:\n", "")
    no_q = twin.replace('    questions: ["How many councils are good or outstanding?"]\n', "")
    result = load_knowledge(make_folder(tmp_path, ("a.yaml", GOOD_FACT + no_q)))
    assert result.ok  # warnings do not block
    messages = [str(w) for w in result.warnings]
    # questions are generated from a fact's fields: a fact without written ones is not warned
    assert not any("example questions" in m for m in messages), messages
    assert any("nearly identical to fact 'judged-good'" in m for m in messages), messages


def test_verify_quote_folds_only_whitespace_quotes_and_dashes() -> None:
    assert verify_quote('Chief Inspector said: "Early help has   been cut back."', SOURCE_TEXT)
    assert verify_quote("Councils face a £2bn funding gap - by 2020.", SOURCE_TEXT)
    assert verify_quote("Her Majesty's Chief Inspector", SOURCE_TEXT)
    assert not verify_quote("Councils face a £3bn funding gap", SOURCE_TEXT)
    assert not verify_quote("councils face a £2bn funding gap", SOURCE_TEXT)
    assert not verify_quote("Early help has been cut", "Early help has been cutback")


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("42%", 42, "%"),
        ("400,000", 400_000, None),
        ("12 million", 12_000_000, None),
        ("£2bn", 2, "£bn"),
        ("two thirds", 2 / 3, None),
        ("a third", 1 / 3, None),
        ("seven", 7, None),
        ("Seven", 7, None),
        ("twenty-one", 21, None),
        ("66", 66, None),
    ],
)
def test_parse_figure_text(text: str, value: float, unit: str | None) -> None:
    parsed = parse_figure_text(text)
    assert parsed is not None
    assert parsed.value == pytest.approx(value)
    assert parsed.unit == unit


def test_parse_figure_text_rejects_non_numbers() -> None:
    assert parse_figure_text("many") is None
    assert parse_figure_text("1 April 2016") is None


def test_check_figure_scale_in_unit() -> None:
    quote = "there are almost 12 million children and young people in England"
    ok = Figure(text="12 million", value=12, unit="million children", measure="children")
    also_ok = Figure(text="12 million", value=12_000_000, unit="children", measure="children")
    wrong = Figure(text="12 million", value=12, unit="children", measure="children")
    assert check_figure(ok, quote) is None
    assert check_figure(also_ok, quote) is None
    assert check_figure(wrong, quote) is not None
    assert check_figure(Figure(text="two thirds", value=0.667, measure="x"), "two thirds of them") is None
    assert check_figure(Figure(text="two thirds", value=0.5, measure="x"), "two thirds of them") is not None
