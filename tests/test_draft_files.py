"""``retrieval.authoring.draft_files``: the steps of ``knowledge draft`` without the command line:
each refusal, in its order, and the files written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from retrieval.authoring.draft_files import (
    DraftRefused,
    DraftRequest,
    KnowledgeFolderBroken,
    default_draft_path,
    draft_paths,
    fact_locations,
    report_year_of,
    write_draft,
)

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
ARTICLE = "Head\n\nSeven local authorities are struggling to improve, the report says.\n"


def request(tmp_path: Path, **fields: Any) -> DraftRequest:
    """A request for a one-finding article; ``fields`` change it."""
    article = tmp_path / "article.txt"
    if not article.exists():
        article.write_text(ARTICLE, encoding="utf-8")
    given = DraftRequest(
        article=article,
        source_id="new-article",
        knowledge_dir=KNOWLEDGE,
        output=tmp_path / "out" / "new-article.draft.yaml",
        publisher="Example News",
        report="Ofsted Annual Report 2017/18",
    )
    return dataclasses.replace(given, **fields)


def test_report_year_is_the_year_an_academic_year_ends() -> None:
    assert report_year_of("Ofsted Annual Report 2017/18") == 2018
    assert report_year_of("Ofsted Annual Report 2019/20 (the edition after)") == 2020
    assert report_year_of("Children's social care in England 2022") is None


def test_fact_locations_name_the_file_and_line_of_each_fact() -> None:
    where = fact_locations(KNOWLEDGE)
    assert where["la-judgements-2017-18"] == f"{KNOWLEDGE / 'facts' / 'judgements.yaml'}:4"
    assert len(where) >= 40


def test_the_draft_goes_beside_its_text_and_by_default_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_draft_path("x1") == tmp_path / "x1.draft.yaml"
    draft_path, text_path = draft_paths(request(tmp_path, output=None, source_id="x1"))
    assert (draft_path, text_path) == (tmp_path / "x1.draft.yaml", tmp_path / "sources" / "x1.txt")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source_id": "Not An Id"}, "--source-id 'Not An Id' must be lowercase letters"),
        ({"output": KNOWLEDGE / "facts" / "x.yaml"}, "is inside the knowledge folder"),
        ({"source_id": "locum-today-2018-12-04"}, "source id 'locum-today-2018-12-04' already exists"),
        ({"publisher": None}, "--publisher is required: the article does not say it"),
        ({"report": None}, "--report is required: the article does not say it"),
        ({"article": Path("/no/such/article.txt")}, "/no/such/article.txt: no such file"),
    ],
)
def test_each_refusal_says_why_and_writes_nothing(
    tmp_path: Path, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(DraftRefused, match=re.escape(message)) as refused:
        write_draft(request(tmp_path, **fields))
    assert not isinstance(refused.value, KnowledgeFolderBroken)
    assert not (tmp_path / "out").exists()


def test_an_existing_draft_is_replaced_only_with_force(tmp_path: Path) -> None:
    first = write_draft(request(tmp_path))
    with pytest.raises(DraftRefused, match=r"already exists \(give --force to replace it\)"):
        write_draft(request(tmp_path))
    again = write_draft(request(tmp_path, force=True))
    assert again.draft_path == first.draft_path


def test_a_broken_knowledge_folder_is_its_own_refusal(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeFolderBroken, match=r"has errors: run `ofsted-bot knowledge check`"):
        write_draft(request(tmp_path, knowledge_dir=tmp_path / "no-knowledge"))


def test_an_article_without_a_finding_is_refused(tmp_path: Path) -> None:
    article = tmp_path / "empty.txt"
    article.write_text("Head\n\nNothing here.\n", encoding="utf-8")
    with pytest.raises(DraftRefused, match=r"empty\.txt: no sentence in the article states a figure"):
        write_draft(request(tmp_path, article=article))


def test_the_draft_and_its_text_are_written(tmp_path: Path) -> None:
    written = write_draft(request(tmp_path, title="A headline", published=dt.date(2018, 12, 4)))
    assert written.draft_path == tmp_path / "out" / "new-article.draft.yaml"
    assert written.text_path == tmp_path / "out" / "sources" / "new-article.txt"
    assert written.text_path.read_text(encoding="utf-8").startswith("Head")
    assert written.draft.facts and written.fact_locations
    document = yaml.safe_load(written.draft_path.read_text(encoding="utf-8"))
    (source,) = document["sources"]
    assert source["id"] == "new-article" and source["title"] == "A headline"
    assert source["report_year"] == 2018  # worked out from "2017/18"
    assert str(source["published"]) == "2018-12-04"
    assert source["text_file"] == "sources/new-article.txt"
    assert all(fact["draft"] is True for fact in document["facts"])
    # a year given wins over the one worked out
    other = tmp_path / "other.draft.yaml"
    given = write_draft(request(tmp_path, source_id="other", output=other, report_year=2017))
    assert given.draft.source.report_year == 2017
