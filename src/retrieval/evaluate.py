"""Scoring a question set in the format of ``shared/eval/dev.yaml``.

in_scope: the top answer's quote (or statement) must contain one of the ``any`` spans, compared
with case, curly quotes and runs of whitespace folded. out_of_scope: the bot must decline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from retrieval.answer import Answer
from retrieval.textnorm import fold_for_match


class InScopeQuestion(BaseModel):
    model_config = ConfigDict(extra="ignore")
    q: str
    any: list[str]


class QuestionSet(BaseModel):
    model_config = ConfigDict(extra="ignore")
    in_scope: list[InScopeQuestion] = []
    out_of_scope: list[str] = []

    @classmethod
    def from_file(cls, path: str | Path) -> QuestionSet:
        with open(path, encoding="utf-8") as fh:
            return cls.model_validate(yaml.safe_load(fh) or {})


def _fold(text: str) -> str:
    return fold_for_match(text).lower()


def answer_matches(answer: Answer, spans: list[str]) -> bool:
    best = answer.best
    if not answer.answered or best is None:
        return False
    haystacks = (_fold(best.fact.quote), _fold(best.fact.statement))
    return any(_fold(span) in h for span in spans for h in haystacks)


@dataclass
class EvalReport:
    in_scope_total: int = 0
    in_scope_correct: int = 0
    out_of_scope_total: int = 0
    out_of_scope_declined: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def top1(self) -> float:
        return self.in_scope_correct / self.in_scope_total if self.in_scope_total else 0.0

    @property
    def declined_share(self) -> float:
        return self.out_of_scope_declined / self.out_of_scope_total if self.out_of_scope_total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "in_scope": {"total": self.in_scope_total, "correct": self.in_scope_correct, "top1": self.top1},
            "out_of_scope": {
                "total": self.out_of_scope_total,
                "declined": self.out_of_scope_declined,
                "declined_share": self.declined_share,
            },
            "misses": self.misses,
        }


def evaluate(questions: QuestionSet, ask: Callable[[str], Answer]) -> EvalReport:
    report = EvalReport()
    for item in questions.in_scope:
        answer = ask(item.q)
        report.in_scope_total += 1
        if answer_matches(answer, item.any):
            report.in_scope_correct += 1
        else:
            got = answer.best.fact.id if answer.best else None
            report.misses.append(
                {
                    "kind": "in_scope",
                    "question": item.q,
                    "answered": answer.answered,
                    "got": got,
                    "score": round(answer.top_score, 4),
                    "expected_any": item.any,
                }
            )
    for q in questions.out_of_scope:
        answer = ask(q)
        report.out_of_scope_total += 1
        if not answer.answered:
            report.out_of_scope_declined += 1
        else:
            got = answer.best.fact.id if answer.best else None
            report.misses.append(
                {
                    "kind": "out_of_scope",
                    "question": q,
                    "answered": True,
                    "got": got,
                    "score": round(answer.top_score, 4),
                }
            )
    return report
