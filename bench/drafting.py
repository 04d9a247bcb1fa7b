"""``knowledge draft`` against the curated facts: each seed article drafted from scratch.

For each seed article in ``tests/data/seeds/`` (as published: copies of ``../shared/seeds/``),
a temporary knowledge folder holds the *other* sources and their facts only (so the article is
new to it); ``ofsted-bot knowledge draft`` runs as a subprocess on the seed, and the draft is
compared with the curated facts of that article:

- curated quotes found: share of curated facts whose quote is in, or contains, a draft quote;
- figures parsed right: share of curated figures (of those facts) that a matching draft fact
  has with the same text, value and unit;
- statements passing unchanged: share of draft facts that, with `draft: true` deleted and
  nothing else touched, load with no error and no warning, and whose statement states no
  number absent from the quote (knowledge/README.md's rule).

    .venv/bin/python -m bench.drafting            # prints the Markdown table for BENCHMARKS.md
    .venv/bin/python -m bench.drafting --json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "tests" / "data" / "seeds"  # the seed articles as published (copies of ../shared/seeds)
BIN = Path(sys.executable).parent / "ofsted-bot"
GOAL_QUOTES, GOAL_FIGURES = 0.9, 0.95


def _folded(s: str) -> str:
    from retrieval.language.textnorm import fold_for_match

    return fold_for_match(s).lower().strip(" .,;:\"'")


def knowledge_without(source_id: str, dest: Path) -> Path:
    """A copy of knowledge/ without one source, its facts and every link to them."""
    folder = dest / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", folder)
    gone: set[str] = set()
    for path in sorted(folder.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        gone |= {f["id"] for f in data.get("facts", []) if f.get("source") == source_id}
    for path in sorted(folder.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if "sources" in data:
            data["sources"] = [s for s in data["sources"] if s["id"] != source_id]
        if "facts" in data:
            data["facts"] = [f for f in data["facts"] if f["id"] not in gone]
            for f in data["facts"]:
                if "related" in f:
                    f["related"] = [r for r in f["related"] if r not in gone]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "sources" / f"{source_id}.txt").unlink()
    return folder


def seed_sources() -> list[tuple[Path, dict[str, Any]]]:
    """Each seed article with the curated source it is (its text is in the seed)."""
    from retrieval.knowledge.schema import require_knowledge

    k = require_knowledge(REPO_ROOT / "knowledge")
    out = []
    for seed in sorted(SEEDS.glob("*.txt")):
        seed_text = _folded(seed.read_text(encoding="utf-8"))
        for s in k.sources:
            lines = [x for x in k.source_texts[s.id].splitlines() if x.strip()]
            if sum(_folded(x) in seed_text for x in lines) >= 0.9 * len(lines):
                out.append((seed, s.model_dump(mode="json")))
    return out


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=300, check=False
    )


def measure_seed(seed: Path, source: dict[str, Any], work: Path) -> dict[str, Any]:
    from retrieval.knowledge.figures import find_figures
    from retrieval.knowledge.schema import load_knowledge, require_knowledge

    curated_k = require_knowledge(REPO_ROOT / "knowledge")
    curated = [f for f in curated_k.facts if f.source == source["id"]]
    folder = knowledge_without(source["id"], work)
    new_id = f"{source['id']}-redraft"
    args = ["knowledge", "draft", str(seed), "--source-id", new_id, "--publisher", source["publisher"]]
    args += ["--report", source["report"], "-o", str(work / "draft.yaml")]
    if source.get("report_year"):
        args += ["--report-year", str(source["report_year"])]
    done = run_cli(*args, env={"KNOWLEDGE_DIR": str(folder)}, cwd=work)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    draft = yaml.safe_load((work / "draft.yaml").read_text(encoding="utf-8"))
    drafts = draft["facts"]

    def matching(quote: str) -> list[dict[str, Any]]:
        q = _folded(quote)
        return [d for d in drafts if _folded(d["quote"]) in q or q in _folded(d["quote"])]

    found = [f for f in curated if matching(f.quote)]
    figures_total = figures_right = 0
    wrong: list[str] = []
    for f in curated:
        for fig in f.figures:
            figures_total += 1
            candidates = [g for d in matching(f.quote) for g in d.get("figures", [])]
            same = [g for g in candidates if g["text"].lower() == fig.text.lower()]
            ok = any(
                math.isclose(g["value"], fig.value, rel_tol=1e-3, abs_tol=1e-3) and g.get("unit") == fig.unit
                for g in same
            )
            figures_right += ok
            if not ok:
                got = [(g["value"], g.get("unit")) for g in same]
                wrong.append(f"{fig.text} ({f.id}): want {fig.value:g} {fig.unit}, got {got}")

    # The draft with only its markers deleted, loaded with the knowledge it was drafted against.
    reviewed = work / "reviewed.yaml"
    lines = (work / "draft.yaml").read_text(encoding="utf-8").splitlines()
    reviewed.write_text("\n".join(x for x in lines if x.strip() != "draft: true") + "\n", encoding="utf-8")
    (work / "sources").mkdir(exist_ok=True)
    result = load_knowledge(folder, [reviewed])
    flagged = {i.fact_id for i in result.issues if i.fact_id}
    passing = 0
    for d in drafts:
        quote_numbers = {x.text.lower() for x in find_figures(d["quote"])}
        extra_numbers = {x.text.lower() for x in find_figures(d["statement"])} - quote_numbers
        passing += d["id"] not in flagged and not extra_numbers
    return {
        "seed": seed.name,
        "source": source["id"],
        "curated_facts": len(curated),
        "quotes_found": len(found),
        "missed_quotes": [f.id for f in curated if f not in found],
        "figures_total": figures_total,
        "figures_right": figures_right,
        "figures_wrong": wrong,
        "draft_facts": len(drafts),
        "statements_passing": passing,
        "load_errors": [str(i) for i in result.errors],
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    def share(a: int, b: int) -> str:
        return f"{a}/{b} ({a / b:.0%})" if b else "-"

    out = [
        "| seed article | curated facts | curated quotes found | figures parsed right | draft facts "
        "| statements passing unchanged |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    totals = {
        k: 0
        for k in (
            "curated_facts",
            "quotes_found",
            "figures_total",
            "figures_right",
            "draft_facts",
            "statements_passing",
        )
    }
    for r in rows:
        for k in totals:
            totals[k] += r[k]
        out.append(
            f"| {r['source']} | {r['curated_facts']} | {share(r['quotes_found'], r['curated_facts'])} | "
            f"{share(r['figures_right'], r['figures_total'])} | {r['draft_facts']} | "
            f"{share(r['statements_passing'], r['draft_facts'])} |"
        )
    t = totals
    out.append(
        f"| **both** | {t['curated_facts']} | **{share(t['quotes_found'], t['curated_facts'])}** | "
        f"**{share(t['figures_right'], t['figures_total'])}** | {t['draft_facts']} | "
        f"{share(t['statements_passing'], t['draft_facts'])} |"
    )
    for r in rows:
        if r["missed_quotes"]:
            out.append(
                f"\nCurated quotes not found in {r['source']}'s draft: {', '.join(r['missed_quotes'])}."
            )
        for w in r["figures_wrong"]:
            out.append(f"\nFigure not parsed right in {r['source']}: {w}.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for seed, source in seed_sources():
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(measure_seed(seed, source, Path(tmp)))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(markdown(rows))
    quotes = sum(r["quotes_found"] for r in rows) / max(1, sum(r["curated_facts"] for r in rows))
    figures = sum(r["figures_right"] for r in rows) / max(1, sum(r["figures_total"] for r in rows))
    return 0 if quotes >= GOAL_QUOTES and figures >= GOAL_FIGURES else 1


if __name__ == "__main__":
    raise SystemExit(main())
