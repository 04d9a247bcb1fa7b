"""``ofsted-bot knowledge draft`` and ``knowledge coverage``: through the CLI, plus the pure core."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from support.cli import run_cli

from retrieval.authoring.drafting import (
    DraftFact,
    coverage,
    draft_article,
    propose_statement,
    read_article,
    render_draft,
)
from retrieval.knowledge.fact_checks import verify_quote
from retrieval.knowledge.figures import find_figures
from retrieval.knowledge.schema import Source, load_knowledge, require_knowledge
from retrieval.language.textnorm import fold_for_match

REPO = Path(__file__).resolve().parent.parent
# The two seed articles as published, site furniture and all (copies of ../shared/seeds/).
SEEDS = REPO / "tests" / "data" / "seeds"
LOCUM_SEED = SEEDS / "locum-today-2018-12-04.raw.txt"
CC_SEED = SEEDS / "community-care-annual-report-2016-17.raw.txt"
SEED_ARGS = {
    LOCUM_SEED: ["--publisher", "Locum Today", "--report", "Ofsted Annual Report 2017/18"],
    CC_SEED: [
        "--publisher",
        "Community Care",
        "--report",
        "Ofsted Annual Report 2016/17",
        "--report-year",
        "2017",
    ],
}


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def copy_knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(REPO / "knowledge", folder)
    return folder


def _folded(s: str) -> str:
    return fold_for_match(s).lower().strip(" .,;:\"'")


# --- drafting the seed articles ---------------------------------------------------------------


@pytest.mark.parametrize("seed", [LOCUM_SEED, CC_SEED], ids=["locum", "community-care"])
def test_seed_draft_is_refused_until_reviewed_then_loads(tmp_path: Path, seed: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    out = run_cli("knowledge", "draft", str(seed), "--source-id", "new-article", *SEED_ARGS[seed], cwd=work)
    assert out.returncode == 0, out.stderr
    draft_path, text_path = work / "new-article.draft.yaml", work / "sources" / "new-article.txt"
    draft = yaml.safe_load(draft_path.read_text(encoding="utf-8"))
    facts = draft["facts"]
    assert len(facts) >= 15 and all(f["draft"] is True for f in facts)
    # Never invented: every quote is verbatim in the saved text, and in the article as given.
    saved = text_path.read_text(encoding="utf-8")
    for f in facts:
        assert verify_quote(f["quote"], saved), f["quote"]
        assert verify_quote(f["quote"], seed.read_text(encoding="utf-8")), f["quote"]
        # no template questions: each fact is found by questions generated from its fields
        assert "questions" not in f
    # The site furniture is not in the saved text.
    for furniture in ("Share this article", "Latest articles", "Comments are closed", "Photo:"):
        assert furniture not in saved
    # The article is already in the knowledge: its facts are flagged as duplicates.
    assert "duplicate:" in out.stdout

    folder = copy_knowledge(tmp_path)
    shutil.copy(text_path, folder / "sources" / "new-article.txt")
    shutil.copy(draft_path, folder / "facts" / "new-article.yaml")
    refused = run_cli("knowledge", "check", str(folder), cwd=work)
    assert refused.returncode == 1
    messages = [line for line in refused.stderr.splitlines() if "draft: review" in line]
    assert len(messages) == len(facts)
    assert "then delete `draft: true`" in messages[0]

    reviewed = [x for x in draft_path.read_text(encoding="utf-8").splitlines() if x.strip() != "draft: true"]
    (folder / "facts" / "new-article.yaml").write_text("\n".join(reviewed) + "\n", encoding="utf-8")
    result = load_knowledge(folder)
    assert result.ok, [str(i) for i in result.errors]
    assert run_cli("knowledge", "check", str(folder), cwd=work).returncode == 0


def test_try_works_on_an_unreviewed_draft(tmp_path: Path) -> None:
    ok = run_cli(
        "knowledge", "draft", str(CC_SEED), "--source-id", "cc-again", *SEED_ARGS[CC_SEED], cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    out = run_cli(
        "knowledge", "try", "cc-again.draft.yaml", "does deprivation affect ofsted ratings", cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert "=> answered by fact" in out.stdout


def test_html_page_is_extracted_without_furniture(tmp_path: Path) -> None:
    text = (REPO / "knowledge/sources/locum-today-2018-12-04.txt").read_text(encoding="utf-8")
    title, _, body = text.partition("\n\n")
    parts: list[str] = []
    for block in (b.strip() for b in body.split("\n\n") if b.strip()):
        if block.startswith(("-", "●")):
            item = f"<li>{block[1:].strip()}</li>"
            parts[-1:] = (
                [parts[-1].removesuffix("</ul>") + item + "</ul>"]
                if parts[-1].endswith("</ul>")
                else [
                    parts[-1],
                    f"<ul>{item}</ul>",
                ]
            )
        else:
            parts.append(f"<p>{block}</p>")
    paragraphs = "\n".join(parts)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} | Locum Today</title>
    <meta property="og:site_name" content="Locum Today"></head><body>
    <nav><a href="/">Home</a> <a href="/news">News</a> <a href="/jobs">Jobs</a></nav>
    <div class="share">Share this article: <a>Twitter</a> <a>Facebook</a> <a>LinkedIn</a></div>
    <article><h1>{title}</h1>{paragraphs}</article>
    <aside class="newsletter"><h3>Subscribe to Locum Today</h3><p>Receive the latest interviews, features and
    news stories in the Locum Today monthly email newsletter.</p><form><input name="email"></form></aside>
    <section class="latest"><h3>Latest articles</h3><ul><li><a href="/a">10 things you should think about
    before becoming a locum social worker</a></li><li><a href="/b">10 Top Tips for successful report
    writing</a></li></ul></section>
    <section class="comments"><h3>Leave a comment</h3><p>Comments are closed.</p></section>
    <footer>© 2018 Locum Today. All rights reserved. Privacy policy. Cookies.</footer></body></html>"""
    html = tmp_path / "page.html"
    html.write_text(page, encoding="utf-8")
    out = run_cli(
        "knowledge",
        "draft",
        str(html),
        "--source-id",
        "locum-html",
        "--report",
        "Ofsted Annual Report 2017/18",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    saved = (tmp_path / "sources" / "locum-html.txt").read_text(encoding="utf-8")
    for furniture in (
        "Share this article",
        "Subscribe",
        "Latest articles",
        "10 Top Tips",
        "Privacy policy",
        "Jobs",
    ):
        assert furniture not in saved, furniture
    draft = yaml.safe_load((tmp_path / "locum-html.draft.yaml").read_text(encoding="utf-8"))
    assert draft["sources"][0]["publisher"] == "Locum Today"
    quotes = [_folded(f["quote"]) for f in draft["facts"]]
    curated = [f for f in require_knowledge(REPO / "knowledge").facts if f.source == "locum-today-2018-12-04"]
    found = [f for f in curated if any(_folded(f.quote) in q or q in _folded(f.quote) for q in quotes)]
    assert len(found) >= 0.9 * len(curated)


def test_duplicates_and_related_across_editions(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(
        "Councils are improving\n\n"
        "Currently, 42% of local authorities are judged good or outstanding, according to the report.\n",
        encoding="utf-8",
    )
    same = run_cli(
        "knowledge",
        "draft",
        str(article),
        "--source-id",
        "same-edition",
        "--publisher",
        "X",
        "--report",
        "Ofsted Annual Report 2017/18",
        cwd=tmp_path,
    )
    assert same.returncode == 0, same.stderr
    assert "restates 'la-judgements-2017-18' (same figure and measure, same date or period)" in same.stdout
    text = (tmp_path / "same-edition.draft.yaml").read_text(encoding="utf-8")
    assert "# DUPLICATE of fact 'la-judgements-2017-18'" in text

    later = run_cli(
        "knowledge",
        "draft",
        str(article),
        "--source-id",
        "next-edition",
        "--publisher",
        "X",
        "--report",
        "Ofsted Annual Report 2018/19",
        cwd=tmp_path,
    )
    assert later.returncode == 0, later.stderr
    draft = yaml.safe_load((tmp_path / "next-edition.draft.yaml").read_text(encoding="utf-8"))
    (fact,) = draft["facts"]
    assert "la-judgements-2017-18" in fact["related"]
    assert f"also add '{fact['id']}' to related of 'la-judgements-2017-18'" in later.stdout
    assert "knowledge/facts/judgements.yaml:" in later.stdout


# --- coverage ---------------------------------------------------------------------------------


def test_coverage_of_todays_knowledge_is_complete() -> None:
    out = run_cli("knowledge", "coverage", "--json", cwd=REPO)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert {r["source"] for r in report} == {"locum-today-2018-12-04", "community-care-annual-report-2016-17"}
    for r in report:
        assert r["figures_total"] > 0 and r["figures_share"] == 1.0, r["uncovered_figures"]
    text = run_cli("knowledge", "coverage", cwd=REPO)
    assert text.stdout.count("covered (100%)") == 2, text.stdout


def test_a_removed_fact_shows_up_as_uncovered(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path)
    path = folder / "facts" / "ilacs-and-sif.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["facts"] = [f for f in data["facts"] if f["id"] != "focused-visits"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = run_cli("knowledge", "coverage", "--json", cwd=tmp_path, env={"KNOWLEDGE_DIR": str(folder)})
    assert out.returncode == 0, out.stderr
    locum = next(r for r in json.loads(out.stdout) if r["source"] == "locum-today-2018-12-04")
    assert locum["figures_share"] < 1.0
    assert [u["figure"] for u in locum["uncovered_figures"]] == ["39"]
    assert any("the focused visit" in s for s in locum["uncovered_sentences"])


# --- bad input --------------------------------------------------------------------------------


def _html_without_article() -> str:
    return (
        "<html><head><title>Locum Today</title></head><body><nav><a href='/'>Home</a> <a>Jobs</a></nav>"
        "<div class='share'>Share this article</div><footer>© Locum Today. Cookies.</footer></body></html>"
    )


BAD_INPUTS = {
    "empty": ("a.txt", b"", "the file is empty"),
    "pdf": ("a.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n", "this is a PDF"),
    "pdf-named-txt": ("a.txt", b"%PDF-1.4\n1 0 obj\n", "this is a PDF"),
    "binary": ("a.txt", bytes(range(256)) * 40, "binary file"),
    "no-article-html": ("a.html", _html_without_article().encode(), "no article text found"),
    "latin-1": (
        "a.txt",
        "Councils face a £2bn gap — said the report.\n".encode("latin-1", "replace") * 3,
        "not UTF-8",
    ),
    "five-mb": (
        "a.html",
        b"<html><body>" + b"<p>The council said so.</p>" * 200_000 + b"</body></html>",
        "too big",
    ),
    "headings-only": ("a.txt", b"Headline\n\nAnother heading\n", "no article text found"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gets_one_line_and_writes_nothing(tmp_path: Path, case: str) -> None:
    name, content, expected = BAD_INPUTS[case]
    folder = copy_knowledge(tmp_path)
    before = tree(folder)
    work = tmp_path / "work"
    work.mkdir()
    (work / name).write_bytes(content)
    out = run_cli(
        "knowledge",
        "draft",
        name,
        "--source-id",
        "new-one",
        "--publisher",
        "X",
        "--report",
        "R",
        cwd=work,
        env={"KNOWLEDGE_DIR": str(folder)},
    )
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in out.stderr, out.stderr
    assert tree(folder) == before
    assert sorted(p.name for p in work.iterdir()) == [name]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--source-id", "locum-today-2018-12-04"], "already exists"),
        (["--source-id", "Bad Id"], "must be lowercase"),
        (["--source-id", "new-one", "-o", "KNOWLEDGE/facts/new.yaml"], "inside the knowledge folder"),
        (["--source-id", "new-one", "--report", ""], "--report is required"),
    ],
)
def test_bad_options_write_nothing(tmp_path: Path, extra: list[str], expected: str) -> None:
    folder = copy_knowledge(tmp_path)
    before = tree(folder)
    extra = [str(folder) + x.removeprefix("KNOWLEDGE") if x.startswith("KNOWLEDGE") else x for x in extra]
    out = run_cli(
        "knowledge",
        "draft",
        str(LOCUM_SEED),
        "--publisher",
        "X",
        "--report",
        "R",
        *extra,
        cwd=tmp_path,
        env={"KNOWLEDGE_DIR": str(folder)},
    )
    assert out.returncode != 0
    assert len(out.stderr.strip().splitlines()) == 1 and expected in out.stderr, out.stderr
    assert tree(folder) == before
    assert not list(tmp_path.glob("*.draft.yaml"))


def test_an_existing_draft_is_not_overwritten(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(
        "Head\n\nSeven local authorities are struggling to improve, the report says.\n", "utf-8"
    )
    args = ("knowledge", "draft", str(article), "--source-id", "x1", "--publisher", "X", "--report", "R")
    assert run_cli(*args, cwd=tmp_path).returncode == 0
    again = run_cli(*args, cwd=tmp_path)
    assert again.returncode != 0 and "already exists (give --force" in again.stderr
    assert run_cli(*args, "--force", cwd=tmp_path).returncode == 0


# --- the pure core ----------------------------------------------------------------------------


def _source(**kw: object) -> Source:
    base: dict[str, object] = {
        "id": "s", "publisher": "P", "title": "Headline", "published": None, "url": None,
        "report": "Ofsted Annual Report 2018/19", "report_year": 2019, "text_file": "sources/s.txt",
    }  # fmt: skip
    return Source.model_validate(base | kw)


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("42% of councils and 13 per cent inadequate", [("42%", 42, "%"), ("13 per cent", 13, "%")]),
        ("a £2bn gap by 2020", [("£2bn", 2, "£bn")]),
        ("almost 12 million children", [("12 million", 12_000_000, None)]),
        (
            "Two thirds improved; just over a third had",
            [("Two thirds", 2 / 3, None), ("a third", 1 / 3, None)],
        ),
        (
            "Seven LAs, twenty-one visits, 400,000 children",
            [("Seven", 7, None), ("twenty-one", 21, None), ("400,000", 400_000, None)],
        ),
        ("on 1 April 2016, in 2009-14, the 1989 Act, 2017/18, 4th December 2018", []),
        ("no one knows; a third inspection", []),
    ],
)
def test_find_figures(text: str, figures: list[tuple[str, float, str | None]]) -> None:
    found = [(f.text, f.parsed.value, f.parsed.unit) for f in find_figures(text)]
    assert [t for t, _, _ in found] == [t for t, _, _ in figures]
    for (_, value, unit), (_, want_value, want_unit) in zip(found, figures, strict=True):
        assert value == pytest.approx(want_value) and unit == want_unit


@pytest.mark.parametrize(
    ("quote", "statement"),
    [
        (
            "Two thirds of LAs have improved at re-inspection, the report adds.",
            "Two thirds of LAs have improved at re-inspection.",
        ),
        (
            "Ofsted explains that nationally, the overall effectiveness of LAs continues to improve.",
            "Nationally, the overall effectiveness of LAs continues to improve.",
        ),
        (
            "However, the inspectorate warns that grooming gangs are a challenge.",
            "Grooming gangs are a challenge.",
        ),
        ("Indeed, older neglected children can be victims", "Older neglected children can be victims."),
    ],
)
def test_propose_statement_only_deletes_wrappers(quote: str, statement: str) -> None:
    assert propose_statement(quote) == statement


def test_draft_article_quotes_speech_without_its_wrapper() -> None:
    text = (
        "Headline\n\n"
        '"We monitor inadequate local authorities. Seven local authorities, though, are struggling'
        ' to improve," it added.\n\n'
        "The final six SIF inspections resulted in five LAs being judged good and one as requires"
        " improvement to be good.\n"
        "- Of the 16 LAs inspected three were judged outstanding\n"
        "- Eight were judged as good\n"
    )
    draft = draft_article(text, _source(), require_knowledge(REPO / "knowledge"))
    quotes = [f.quote for f in draft.facts]
    assert "Seven local authorities, though, are struggling to improve" in quotes
    assert "We monitor inadequate local authorities." in quotes
    assert all(verify_quote(q, text) for q in quotes)
    by_quote = {f.quote: f for f in draft.facts}
    seven = by_quote["Seven local authorities, though, are struggling to improve"].figures[0]
    assert (seven.value, seven.unit) == (7, "local authorities")
    eight = by_quote["Eight were judged as good"].figures[0]  # counts the list's noun
    assert (eight.value, eight.unit) == (8, "local authorities")
    final = [(g.text, g.value, g.unit) for g in by_quote[quotes[2]].figures]
    assert final == [
        ("six", 6, "inspections"),
        ("five", 5, "local authorities"),
        ("one", 1, "local authorities"),
    ]
    assert all(f.tags and not f.questions for f in draft.facts)


def test_coverage_pure_function_reports_each_source() -> None:
    k = require_knowledge(REPO / "knowledge")
    report = {c.source_id: c for c in coverage(k)}
    assert all(c.share == 1.0 for c in report.values())
    assert report["locum-today-2018-12-04"].figures_total >= 30
    assert all(c.uncovered_sentences == () for c in report.values())


def test_read_article_strips_furniture_from_text_seeds() -> None:
    article = read_article(CC_SEED)
    assert article.title == "Deprivation an indicator in some ratings according to Ofsted research"
    curated = (REPO / "knowledge/sources/community-care-annual-report-2016-17.txt").read_text(
        encoding="utf-8"
    )
    assert article.text.strip() == curated.strip()
    assert read_article(LOCUM_SEED).published is not None


# --- official-statistics pages (GOV.UK-like) -------------------------------------------------

MAIN_FINDINGS = "\n".join(
    [
        "Main findings: children’s social care in England 2022",
        "Published 7 July 2022",
        "Updated 22 September 2022",
        "",
        "This release contains:",
        "- inspection outcomes of local authority children’s services",
        "- the number of children’s homes and places",
        "- the number of providers",
        "",
        "1. Introduction",
        "",
        "This release covers Ofsted’s inspections of children’s social care providers in England.",
        "",
        "Summary",
        "",
        "As at 31 March 2022, there was a 7% increase in the number of children’s homes compared with"
        " the previous year. There were 2,145 children’s homes, providing 10,000 places.",
        "",
        "Figure 1: Number of children’s homes, 2018 to 2022",
        "",
        "Between 1 April 2021 and 31 March 2022, Ofsted carried out 1,234 inspections of children’s"
        " homes (Figure 1). Many inspections in 2020 were delayed by COVID-19.",
        "",
        "Local authorities own 434 children’s homes they run themselves. Council-run children’s homes"
        " made up 20% of all homes.",
        "",
        "In London, 120 children’s homes were open in 2021 to 2022. The North West had the most"
        " children’s homes, with 412 homes.",
        "",
        "For more information, visit the children’s social care statistics collection.",
        "",
    ]
)


def _main_findings_draft(knowledge_folder: Path | None = None, **source: object) -> list[DraftFact]:
    fields: dict[str, object] = {
        "id": "csc-main-findings-2022", "title": "Main findings: children’s social care in England 2022",
        "report": "Children’s social care in England 2022", "report_year": 2022,
    } | source  # fmt: skip
    knowledge = require_knowledge(knowledge_folder or REPO / "knowledge")
    return draft_article(MAIN_FINDINGS, _source(**fields), knowledge).facts


def test_only_findings_become_facts_not_headings_notes_or_contents() -> None:
    quotes = [f.quote for f in _main_findings_draft()]
    for not_a_finding in (
        "inspection outcomes",  # the bullets under "This release contains:"
        "the number of providers",
        "This release contains",
        "This release covers",
        "Introduction",
        "Summary",
        "Figure 1: Number",
        "For more information",
    ):
        assert not any(not_a_finding in q for q in quotes), (not_a_finding, quotes)
    assert "There were 2,145 children’s homes, providing 10,000 places." in quotes
    # A finding's lead-in ends with ":", and its list items complete it: the items are facts.
    text = "Head\n\nCommon features of councils that struggle are:\n\n- a lack of oversight of practice\n"
    (fact,) = draft_article(text, _source(), None).facts
    assert fact.quote == "a lack of oversight of practice"


def test_items_under_a_dating_lead_in_and_sentences_with_uncommon_verbs_are_findings() -> None:
    text = "\n".join(
        [
            "Main findings",
            "",
            "During the period 1 April 2024 to 31 March 2025:",
            "",
            "- the number of short break places has increased by 41% since 2021",
            "- data tables",
            "",
            "Homes are unevenly spread. The North West accounts for a quarter of all children’s homes.",
            "",
            "Please see the collection page for the latest inspection data.",
        ]
    )
    facts = draft_article(text, _source(), None).facts
    quotes = [f.quote for f in facts]
    assert "the number of short break places has increased by 41% since 2021" in quotes
    assert "The North West accounts for a quarter of all children’s homes." in quotes
    assert not any("data tables" in q or "Please see" in q or "During the period" in q for q in quotes)
    # The lead-in dates its items: the figure is for that period.
    (short_breaks,) = [f for f in facts if "short break" in f.quote]
    assert short_breaks.figures and "2024" in (short_breaks.figures[0].period or "")


def test_txt_title_is_its_first_line_and_updated_is_not_published(tmp_path: Path) -> None:
    (tmp_path / "release.txt").write_text(MAIN_FINDINGS, encoding="utf-8")
    args = ["--source-id", "csc-2022", "--publisher", "Ofsted", "--report", "CSC in England 2022"]
    out = run_cli("knowledge", "draft", "release.txt", *args, cwd=tmp_path)  # no --title
    assert out.returncode == 0, out.stderr
    (source,) = yaml.safe_load((tmp_path / "csc-2022.draft.yaml").read_text(encoding="utf-8"))["sources"]
    assert source["title"] == "Main findings: children’s social care in England 2022"
    assert (str(source["published"]), str(source["updated"])) == ("2022-07-07", "2022-09-22")
    article = read_article(tmp_path / "release.txt")
    assert article.updated is not None and article.published is not None
    only_updated = tmp_path / "updated.txt"
    only_updated.write_text(MAIN_FINDINGS.replace("Published 7 July 2022\n", ""), encoding="utf-8")
    assert read_article(only_updated).published is None


def test_fact_ids_carry_the_source_id_and_never_repeat() -> None:
    homes = "There were 2,145 children’s homes in England"
    text = f"Head\n\n{homes}.\n\n{homes}!\n"
    knowledge = require_knowledge(REPO / "knowledge")
    one = [f.id for f in draft_article(text, _source(id="release-a"), knowledge).facts]
    other = [f.id for f in draft_article(text, _source(id="release-b"), knowledge).facts]
    assert len(one) == 2 and len(set(one)) == 2 and all(i.startswith("release-a-") for i in one)
    assert not set(one) & set(other)
    assert not set(one) & {f.id for f in knowledge.facts}


def _knowledge_with_main_findings(tmp_path: Path) -> Path:
    """Today's knowledge plus one fact of the 2022 main-findings release."""
    folder = copy_knowledge(tmp_path)
    (folder / "sources" / "csc-main-findings-2022.txt").write_text(MAIN_FINDINGS, encoding="utf-8")
    release = {
        "sources": [
            {"id": "csc-main-findings-2022", "publisher": "Ofsted", "title": "Main findings",
             "published": None, "url": None, "report": "Children’s social care in England 2022",
             "report_year": 2022,
             "text_file": "sources/csc-main-findings-2022.txt"}
        ],
        "facts": [
            {"id": "homes-increase-2022", "source": "csc-main-findings-2022",
             "statement": "There was a 7% increase in the number of children's homes.",
             "quote": "there was a 7% increase in the number of children’s homes compared with the previous"
                      " year",
             "figures": [{"text": "7%", "value": 7, "unit": "%", "measure": "increase in children's homes",
                          "period": "31 March 2022"}],
             "questions": ["How much did the number of children's homes go up?"]},
        ],
    }  # fmt: skip
    (folder / "facts" / "main-findings.yaml").write_text(yaml.safe_dump(release, allow_unicode=True), "utf-8")
    return folder


def test_releases_of_one_year_are_two_editions_judged_by_measure_and_period(tmp_path: Path) -> None:
    folder = _knowledge_with_main_findings(tmp_path)
    fostering = (
        "Fostering in England 2021 to 2022\n\n"
        "As at 31 March 2022, there was a 7% increase in the number of fostering households.\n\n"
        "As at 31 March 2021, there was a 7% increase in the number of children’s homes.\n"
    )
    source = _source(id="fostering-2022", report="Fostering in England 2021 to 2022", report_year=2022)
    households, homes = draft_article(fostering, source, require_knowledge(folder)).facts
    # Same year, same value, another measure: neither a duplicate nor related.
    assert households.duplicate_of == [] and households.related == []
    # The same measure for another date: related, not a duplicate.
    assert homes.duplicate_of == [] and homes.related == ["homes-increase-2022"]
    # The same measure, value and date from the same release is a duplicate.
    again = draft_article(
        MAIN_FINDINGS, _source(report="Children’s social care in England 2022"), require_knowledge(folder)
    )
    flagged = [f for f in again.facts if f.duplicate_of]
    assert [f.figures[0].text for f in flagged] == ["7%"]


def test_a_possessive_is_part_of_what_is_counted() -> None:
    by_text = {g.text: g for f in _main_findings_draft() for g in f.figures}
    for text in ("2,145", "434", "120"):
        assert (by_text[text].unit, by_text[text].measure) == ("children's homes", "children's homes")
    assert by_text["7%"].measure == "increase in children's homes"
    (owned,) = [f for f in _main_findings_draft() if f.quote.startswith("Local authorities own 434")]
    assert not any("children children" in g.measure for g in owned.figures), owned.figures
    # The owner of what follows is still what is counted: "152 local authorities’ services".
    (fact,) = draft_article(
        "Head\n\nThere are 152 local authorities’ children’s services in England.\n", _source(), None
    ).facts
    assert fact.figures[0].unit == "local authorities"


def test_labels_are_not_figures_in_drafts_or_coverage(tmp_path: Path) -> None:
    texts = [g.text for f in _main_findings_draft() for g in f.figures]
    assert "19" not in texts and "1" not in texts
    folder = _knowledge_with_main_findings(tmp_path)
    report = {c.source_id: c for c in coverage(require_knowledge(folder))}["csc-main-findings-2022"]
    uncovered = [f for f, _ in report.uncovered_figures]
    assert "19" not in uncovered and "1" not in uncovered and "2,145" in uncovered


def test_tags_need_the_sentences_own_words() -> None:
    facts = {f.quote: f for f in _main_findings_draft()}
    assert "jtai" not in facts["Council-run children’s homes made up 20% of all homes."].tags
    assert all("jtai" not in f.tags for f in facts.values())
    jtai = "Head\n\nOfsted carried out joint targeted area inspections (JTAIs) in seven local authorities.\n"
    (fact,) = draft_article(jtai, _source(), require_knowledge(REPO / "knowledge")).facts
    assert "jtai" in fact.tags


def test_figures_get_the_period_and_region_the_text_states() -> None:
    facts = _main_findings_draft()
    by_text = {g.text: g for f in facts for g in f.figures}
    assert by_text["7%"].period == "31 March 2022"
    assert by_text["2,145"].period == "31 March 2022"  # from the sentence before, same paragraph
    assert by_text["1,234"].period == "1 April 2021 to 31 March 2022"
    assert (by_text["120"].period, by_text["120"].place) == ("2021 to 2022", "London")
    assert by_text["412"].place == "North West"
    assert by_text["434"].period is None and by_text["434"].place is None  # none stated
    rendered = render_draft(draft_article(MAIN_FINDINGS, _source(), None), "x")
    assert 'period: "1 April 2021 to 31 March 2022"' in rendered and 'place: "London"' in rendered
    assert "place:" not in next(x for x in rendered.splitlines() if '"434"' in x)


# --- PDF ----------------------------------------------------------------------------------------

# A two-page release: made from fostering-2022.html (beside it) with LibreOffice
# (`soffice --headless --convert-to pdf:writer_web_pdf_Export fostering-2022.html`).
FOSTERING_PDF = REPO / "tests" / "data" / "drafting" / "fostering-2022.pdf"


def test_pdf_is_drafted_from_its_text_with_each_quotes_page(tmp_path: Path) -> None:
    args = ["--source-id", "fostering-2022", "--publisher", "Ofsted", "--report", "Fostering in England 2022"]
    out = run_cli("knowledge", "draft", str(FOSTERING_PDF), *args, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    saved = (tmp_path / "sources" / "fostering-2022.txt").read_text(encoding="utf-8")
    draft = yaml.safe_load((tmp_path / "fostering-2022.draft.yaml").read_text(encoding="utf-8"))
    assert draft["sources"][0]["title"] == "Fostering in England 1 April 2021 to 31 March 2022: main findings"
    assert str(draft["sources"][0]["published"]) == "2022-11-10"
    pages = {f["quote"]: f["page"] for f in draft["facts"]}
    assert all(verify_quote(q, saved) for q in pages)
    # A sentence wrapped over two lines of the PDF is one quote.
    assert (
        pages["Local authorities’ own fostering services approved 1,920 new households over the same period."]
        == 1
    )
    assert pages["In London, 3,560 children were placed with foster carers at 31 March 2022."] == 1
    assert pages["In the North West, 8,970 children were in foster care on 31 March 2022."] == 2
    assert (
        pages["Around 13% of fostering households were connected persons (family and friends) households."]
        == 2
    )
    assert not any("For more information" in q for q in pages)
    # Reviewed, the draft loads, and the page is in the citation.
    folder = copy_knowledge(tmp_path)
    shutil.copy(tmp_path / "sources" / "fostering-2022.txt", folder / "sources" / "fostering-2022.txt")
    reviewed = (
        (tmp_path / "fostering-2022.draft.yaml").read_text(encoding="utf-8").replace("    draft: true\n", "")
    )
    (folder / "facts" / "fostering.yaml").write_text(reviewed, encoding="utf-8")
    knowledge = require_knowledge(folder)
    fact = next(f for f in knowledge.facts if f.quote.startswith("In the North West"))
    from bot.slack.blocks import citation

    assert citation(knowledge.source_of(fact), fact.page).endswith("Fostering in England 2022, p. 2")


def test_a_pdf_without_text_is_refused(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    with (tmp_path / "scan.pdf").open("wb") as fh:
        writer.write(fh)
    out = run_cli(
        "knowledge",
        "draft",
        "scan.pdf",
        "--source-id",
        "scan",
        "--publisher",
        "X",
        "--report",
        "R",
        cwd=tmp_path,
    )
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "no text layer" in lines[0], out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scan.pdf"]
