"""Knowledge growth: real pages added by the low-effort admin path, then blind questions on them.

The pages in ``tests/data/growth/`` (``pages.yaml``: ten Ofsted pages from GOV.UK, 2021 or later)
are added to a copy of ``knowledge/`` as an admin in a hurry would: ``ofsted-bot knowledge draft``
on each (giving only the source id, the publisher and the report, and the title only if the draft
asks for it), each draft moved into the folder with every ``draft: true`` deleted, then whatever
``knowledge check`` refuses fixed in the quickest way — the refused fact deleted. Nothing else is
edited and no question is written. The bot is then built on that folder as the product builds it
(the encoder tuned on the new knowledge when ``EMBEDDING_MODEL=tuned``) and scored on
``tests/data/growth/questions.yaml``: its ``report`` half was written by a helper who saw only the
pages and is never read question by question.

    .venv/bin/python -m bench.growth              # the figures, one line per split
    .venv/bin/python -m bench.growth --json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
GROWTH = REPO_ROOT / "tests" / "data" / "growth"
BIN = Path(sys.executable).parent / "ofsted-bot"


def draft_page(page: dict[str, Any], drafts: Path) -> Path:
    """``knowledge draft`` on one page, as an admin runs it; the draft's path."""
    source_id = Path(page["file"]).stem
    out = drafts / f"{source_id}.draft.yaml"
    command = [
        str(BIN), "knowledge", "draft", str(GROWTH / page["file"]), "--source-id", source_id,
        "--publisher", page["publisher"], "--report", page["report"], "-o", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    if done.returncode != 0 and "--title" in done.stderr:
        done = subprocess.run([*command, "--title", page["title"]], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"knowledge draft {page['file']}: {done.stderr.strip()}")
    return out


def add_by_low_effort_path(folder: Path, pages: list[dict[str, Any]]) -> dict[str, int]:
    """Draft every page into ``folder`` (a knowledge copy), delete ``draft: true``, and delete
    each fact ``knowledge check`` refuses. Returns the counts of facts drafted and deleted."""
    from retrieval.knowledge.schema import load_knowledge

    drafts = folder.parent / "drafts"
    drafts.mkdir()
    drafted = 0
    for page in pages:
        draft = draft_page(page, drafts)
        text = re.sub(r"^\s*draft: true\s*\n", "", draft.read_text(encoding="utf-8"), flags=re.MULTILINE)
        drafted += len(yaml.safe_load(text).get("facts", []))
        (folder / "growth").mkdir(exist_ok=True)
        (folder / "growth" / f"{draft.name.removesuffix('.draft.yaml')}.yaml").write_text(text, "utf-8")
        for source_text in (drafts / "sources").glob("*.txt"):
            shutil.copy(source_text, folder / "sources" / source_text.name)
    deleted = 0
    for _ in range(10):
        result = load_knowledge(folder)
        refused = {i.fact_id for i in result.errors if i.fact_id}
        if result.ok or not refused:
            break
        for path in (folder / "growth").glob("*.yaml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            kept = [f for f in data.get("facts", []) if f["id"] not in refused]
            deleted += len(data.get("facts", [])) - len(kept)
            data["facts"] = kept
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if not load_knowledge(folder).ok:
        raise RuntimeError("the growth knowledge still does not load: " + "; ".join(map(str, result.errors)))
    return {"drafted": drafted, "deleted_by_check": deleted}


def measure(embedding_model: str = "tuned") -> dict[str, Any]:
    from bot.runtime.loading import build_tuned_encoder
    from bot.runtime.settings import TUNED_MODEL, TUNED_MODEL_DIR
    from retrieval.evaluation.evaluate import QuestionSet, evaluate_splits
    from retrieval.knowledge.schema import require_knowledge
    from retrieval.matching.answer import answer_question
    from retrieval.matching.encoder import load_encoder
    from retrieval.matching.index import FactIndex

    pages = yaml.safe_load((GROWTH / "pages.yaml").read_text(encoding="utf-8"))["pages"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "knowledge"
        shutil.copytree(REPO_ROOT / "knowledge", folder)
        counts = add_by_low_effort_path(folder, pages)
        knowledge = require_knowledge(folder)
        started = time.monotonic()
        if embedding_model == TUNED_MODEL:
            model_dir = TUNED_MODEL_DIR.with_name(f"{TUNED_MODEL_DIR.name}-growth-bench")
            build_tuned_encoder(model_dir, knowledge, rebuild_when_stale=True)
            embedding_model = str(model_dir)
        tuning_seconds = time.monotonic() - started
        index = FactIndex.build(
            knowledge, load_encoder(embedding_model), cache_dir=REPO_ROOT / ".cache" / "embeddings"
        )
        questions = QuestionSet.from_file(GROWTH / "questions.yaml")
        reports = evaluate_splits(questions, lambda q: answer_question(index, q))
    return {
        **counts,
        "facts": len(knowledge.facts),
        "encoder_seconds": round(tuning_seconds, 1),
        "splits": {name: r.to_dict() for name, r in reports.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--model", default=os.environ.get("EMBEDDING_MODEL", "tuned"))
    args = parser.parse_args(argv)
    figures = measure(args.model)
    if args.json:
        print(json.dumps(figures, indent=1, ensure_ascii=False))
        return 0
    print(
        f"{figures['drafted']} facts drafted from {len(list(GROWTH.glob('*.txt')))} pages, "
        f"{figures['deleted_by_check']} deleted because knowledge check refused them; "
        f"{figures['facts']} facts in all; encoder ready in {figures['encoder_seconds']} s"
    )
    for name, split in figures["splits"].items():
        print(
            f"{name}: answerable right {split['in_scope']['correct']}/{split['in_scope']['total']} "
            f"= {split['in_scope']['top1']:.3f}, unanswerable declined "
            f"{split['out_of_scope']['declined']}/{split['out_of_scope']['total']} "
            f"= {split['out_of_scope']['declined_share']:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
