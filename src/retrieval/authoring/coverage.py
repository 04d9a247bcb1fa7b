"""How much of each source the facts cover (``ofsted-bot knowledge coverage``): the figures and
finding sentences of its text that no fact quotes."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from retrieval.authoring.draft_figures import counted_figures
from retrieval.authoring.sentences import clean_quote, split_units
from retrieval.knowledge.schema import Knowledge
from retrieval.language.textnorm import fold_for_match


@functools.lru_cache(maxsize=8)
def _fold_map(text: str) -> tuple[str, list[int]]:
    """``fold_for_match(text)`` and, for each of its characters, where it is in ``text``."""
    chars: list[str] = []
    where: list[int] = []
    in_space = False
    for i, raw in enumerate(text):
        # fold_for_match on one character is its quote/dash folding: the same table as the validator's.
        ch = " " if raw.isspace() else fold_for_match(raw)
        if ch.isspace():
            if not in_space and chars:
                chars.append(" ")
                where.append(i)
            in_space = True
            continue
        in_space = False
        chars.append(ch)
        where.append(i)
    while chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    folded = "".join(chars)
    assert folded == fold_for_match(text), "fold map out of step with fold_for_match"
    return folded, where


def locate_quote(quote: str, text: str) -> list[tuple[int, int]]:
    """Every place in ``text`` where ``quote`` is, by the validator's folding and word rule."""
    folded, where = _fold_map(text)
    needle = fold_for_match(quote)
    spans: list[tuple[int, int]] = []
    if not needle:
        return spans
    start = folded.find(needle)
    while start != -1:
        end = start + len(needle)
        cuts_before = needle[0].isalnum() and start > 0 and folded[start - 1].isalnum()
        cuts_after = needle[-1].isalnum() and end < len(folded) and folded[end].isalnum()
        if not (cuts_before or cuts_after):
            spans.append((where[start], where[end - 1] + 1))
        start = folded.find(needle, start + 1)
    return spans


@dataclass(frozen=True)
class SourceCoverage:
    source_id: str
    figures_total: int
    figures_covered: int
    uncovered_figures: tuple[tuple[str, str], ...]  # (figure, its sentence)
    sentences_total: int
    sentences_covered: int
    uncovered_sentences: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.figures_covered / self.figures_total if self.figures_total else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source_id,
            "figures_total": self.figures_total,
            "figures_covered": self.figures_covered,
            "figures_share": round(self.share, 4),
            "uncovered_figures": [{"figure": f, "sentence": s} for f, s in self.uncovered_figures],
            "sentences_total": self.sentences_total,
            "sentences_covered": self.sentences_covered,
            "uncovered_sentences": list(self.uncovered_sentences),
        }


# A sentence counts as quoted when this share of its letters and digits is inside some quote.
SENTENCE_COVERED_SHARE = 0.5


def coverage(knowledge: Knowledge) -> list[SourceCoverage]:
    """For each source: its figures and finding sentences that no fact quotes."""
    out: list[SourceCoverage] = []
    for source in knowledge.sources:
        text = knowledge.source_texts[source.id]
        quoted = [
            span for f in knowledge.facts if f.source == source.id for span in locate_quote(f.quote, text)
        ]
        covered = [False] * len(text)
        for s, e in quoted:
            covered[s:e] = [True] * (e - s)
        # The headline and standfirst are the source's own fields, not findings.
        own = {fold_for_match(x) for x in (source.title, source.standfirst) if x}
        units = [
            u
            for u in split_units(text)
            if u.kind in ("sentence", "bullet") and fold_for_match(u.text_in(text)) not in own
        ]
        # Numbers that label ("1. Introduction", "COVID-19", "(Figure 1)") are not figures to cover.
        figures = counted_figures(text)
        uncovered_figures = []
        for fig in figures:
            if not any(s <= fig.start and fig.end <= e for s, e in quoted):
                home = next((u for u in units if u.start <= fig.start < u.end), None)
                context = clean_quote(home.text_in(text)) if home else fig.text
                uncovered_figures.append((fig.text, context))
        uncovered_sentences: list[str] = []
        for u in units:
            idx = [i for i in range(u.start, u.end) if text[i].isalnum()]
            if idx and sum(covered[i] for i in idx) / len(idx) < SENTENCE_COVERED_SHARE:
                uncovered_sentences.append(clean_quote(u.text_in(text)))
        out.append(
            SourceCoverage(
                source.id,
                len(figures),
                len(figures) - len(uncovered_figures),
                tuple(uncovered_figures),
                len(units),
                len(units) - len(uncovered_sentences),
                tuple(uncovered_sentences),
            )
        )
    return out
