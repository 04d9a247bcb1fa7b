"""The rules every fact must keep, and what breaking one is (``KnowledgeIssue``).

A fact's quote is word for word in its source's text (``verify_quote``), each of its figures
agrees with its quote (``check_figure``), its source and related facts exist; across facts, a
statement nearly identical to another's is warned about. ``load_knowledge`` (``schema.py``) runs
these on every fact it loads; drafting runs ``verify_quote`` on every quote it proposes.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from retrieval.knowledge.figures import parse_figure_text
from retrieval.language.textnorm import fold_for_match

if TYPE_CHECKING:  # annotations only: schema.py imports this module, so a real import would be a cycle
    from retrieval.knowledge.schema import Fact, Figure, Source

# Statements this similar (difflib ratio, after folding) are flagged as probable duplicates.
DUPLICATE_STATEMENT_RATIO = 0.92


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class KnowledgeIssue:
    path: str
    line: int | None
    message: str
    fact_id: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        who = f"fact '{self.fact_id}': " if self.fact_id else ""
        tag = "" if self.severity == "error" else "warning: "
        return f"{where}: {tag}{who}{self.message}"


def verify_quote(quote: str, source_text: str) -> bool:
    """True when the quote is word for word in the source text.

    Only runs of whitespace, curly/straight quotes and dash variants are folded: nothing else,
    so a changed word, number or letter case fails, and so does a quote that cuts a word in two.
    """
    needle, haystack = fold_for_match(quote), fold_for_match(source_text)
    if not needle:
        return False
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        cuts_before = needle[0].isalnum() and start > 0 and haystack[start - 1].isalnum()
        cuts_after = needle[-1].isalnum() and end < len(haystack) and haystack[end].isalnum()
        if not (cuts_before or cuts_after):
            return True
        start = haystack.find(needle, start + 1)
    return False


def check_figure(figure: Figure, quote: str) -> str | None:
    """The reason a figure does not agree with its quote, or None when it does."""
    if fold_for_match(figure.text) not in fold_for_match(quote):
        return f"figure '{figure.text}' does not appear in the quote"
    parsed = parse_figure_text(figure.text)
    if parsed is None:
        return f"figure '{figure.text}': cannot read a number in it"
    candidates = {parsed.value}
    # "12 million" may be written as value 12 with the unit naming the scale.
    if parsed.scale != 1 and figure.unit and parsed.scale_word and parsed.scale_word in figure.unit.lower():
        candidates.add(parsed.value / parsed.scale)
    if not any(math.isclose(figure.value, c, rel_tol=1e-3, abs_tol=1e-3) for c in candidates):
        shown = ", ".join(f"{c:g}" for c in sorted(candidates))
        return f"figure '{figure.text}': value {figure.value:g} does not agree with the text ({shown})"
    if parsed.unit and (figure.unit or "") != parsed.unit:
        return f"figure '{figure.text}': unit must be '{parsed.unit}', not '{figure.unit or ''}'"
    return None


def _check_fact(
    fact: Fact,
    rel: str,
    line: int,
    sources: Mapping[str, tuple[Source, str, int]],
    facts: Mapping[str, tuple[Fact, str, int]],
    texts: Mapping[str, str],
) -> list[KnowledgeIssue]:
    out: list[KnowledgeIssue] = []

    def issue(message: str, severity: Severity = "error") -> None:
        out.append(KnowledgeIssue(rel, line, message, fact.id, severity))

    if fact.source not in sources:
        issue(f"source '{fact.source}' is not defined in any knowledge file")
    elif fact.source in texts and not verify_quote(fact.quote, texts[fact.source]):
        issue(f"quote not found in source '{fact.source}'")
    for ref in fact.related:
        if ref not in facts:
            issue(f"related fact '{ref}' is not defined in any knowledge file")
        elif ref == fact.id:
            issue("a fact cannot be related to itself")
    for figure in fact.figures:
        problem = check_figure(figure, fact.quote)
        if problem:
            issue(problem)
    return out


def _duplicate_statement_warnings(
    facts: Mapping[str, tuple[Fact, str, int]],
) -> list[KnowledgeIssue]:
    out: list[KnowledgeIssue] = []
    items = [(f, rel, line, fold_for_match(f.statement).lower()) for f, rel, line in facts.values()]
    for i, (fact, rel, line, folded) in enumerate(items):
        for other, _, _, other_folded in items[:i]:
            matcher = difflib.SequenceMatcher(None, folded, other_folded)
            # real_quick_ratio() >= quick_ratio() >= ratio(): the cheap upper bounds rule out
            # nearly every pair before the quadratic ratio() runs.
            if (
                matcher.real_quick_ratio() >= DUPLICATE_STATEMENT_RATIO
                and matcher.quick_ratio() >= DUPLICATE_STATEMENT_RATIO
                and matcher.ratio() >= DUPLICATE_STATEMENT_RATIO
            ):
                out.append(
                    KnowledgeIssue(
                        rel,
                        line,
                        f"statement nearly identical to fact '{other.id}' (a duplicate?)",
                        fact.id,
                        "warning",
                    )
                )
    return out
