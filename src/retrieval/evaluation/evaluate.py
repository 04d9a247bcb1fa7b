"""Scoring a question set in the format of ``shared/eval/dev.yaml``.

in_scope: the top answer's quote (or statement) must contain one of the ``any`` spans, compared
with case, curly quotes and runs of whitespace folded. out_of_scope: the bot must decline.

A question may name its ``split`` (``tune``: used to fit and choose the decision; ``report``:
held back, only scored) and its ``kind`` (how it is phrased, or why it is unanswerable); an
out_of_scope entry is a plain string or ``{q, kind, split}``. A claim check names whether its
claim is ``right`` or ``wrong`` (``claim``): it is right only when the answer's verdict agrees
("roughly" agrees with right). An ``overview`` question is right when any of the facts listed
quotes a span.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from retrieval.language.textnorm import fold_for_match
from retrieval.matching.answer import Answer

# Why a question was scored wrong: an answerable one got another fact, was declined, or (a claim
# check) got the right fact with the wrong verdict or none; an unanswerable one was answered.
MissKind = Literal["wrong_fact", "wrong_decline", "wrong_verdict", "answered_unanswerable"]
MISS_KINDS: tuple[MissKind, ...] = ("wrong_fact", "wrong_decline", "wrong_verdict", "answered_unanswerable")


class InScopeQuestion(BaseModel):
    model_config = ConfigDict(extra="ignore")
    q: str
    any: list[str]
    kind: str = ""
    split: str = ""
    claim: Literal["right", "wrong"] | None = None


class OutOfScopeQuestion(BaseModel):
    model_config = ConfigDict(extra="ignore")
    q: str
    kind: str = ""
    split: str = ""

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: Any) -> Any:
        return {"q": value} if isinstance(value, str) else value


def read_yaml(path: str | Path) -> Any:
    """A YAML file's content ({} for an empty one); ValueError for one that is not YAML."""
    with open(path, encoding="utf-8") as fh:
        try:
            return yaml.safe_load(fh) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"not valid YAML: {exc}") from None


class QuestionSet(BaseModel):
    model_config = ConfigDict(extra="ignore")
    in_scope: list[InScopeQuestion] = []
    out_of_scope: list[OutOfScopeQuestion] = []

    @classmethod
    def from_file(cls, path: str | Path) -> QuestionSet:
        return cls.model_validate(read_yaml(path))

    @property
    def splits(self) -> list[str]:
        """The named splits, in order of first appearance (empty when the set has none)."""
        names = [q.split for q in self.in_scope if q.split] + [q.split for q in self.out_of_scope if q.split]
        return list(dict.fromkeys(names))

    def only(self, split: str) -> QuestionSet:
        """The questions of one split."""
        return QuestionSet(
            in_scope=[q for q in self.in_scope if q.split == split],
            out_of_scope=[q for q in self.out_of_scope if q.split == split],
        )

    @property
    def questions(self) -> list[str]:
        return [q.q for q in self.in_scope] + [q.q for q in self.out_of_scope]


def _fold(text: str) -> str:
    return fold_for_match(text).lower()


def answer_matches(answer: Answer, spans: list[str], *, any_listed: bool = False) -> bool:
    """Whether the top answer (or, ``any_listed``, any fact the answer lists) quotes a span."""
    if not answer.answered or not answer.answers:
        return False
    facts = [a.fact for a in answer.answers] if any_listed else [answer.answers[0].fact]
    haystacks = [_fold(text) for fact in facts for text in (fact.quote, fact.statement)]
    return any(_fold(span) in h for span in spans for h in haystacks)


def verdict_agrees(answer: Answer, claim: str | None) -> bool:
    """Whether a claim check's answer says what the set expects of its claim."""
    if claim is None:
        return True
    verdict = answer.claim.verdict if answer.claim else None
    return verdict == claim or (claim == "right" and verdict == "roughly")


@dataclass
class EvalReport:
    in_scope_total: int = 0
    in_scope_correct: int = 0
    out_of_scope_total: int = 0
    out_of_scope_declined: int = 0
    claim_total: int = 0
    claim_correct: int = 0  # the right fact and the right verdict
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def top1(self) -> float:
        return self.in_scope_correct / self.in_scope_total if self.in_scope_total else 0.0

    @property
    def declined_share(self) -> float:
        return self.out_of_scope_declined / self.out_of_scope_total if self.out_of_scope_total else 0.0

    def miss_counts(self) -> dict[str, int]:
        return {kind: sum(1 for m in self.misses if m["miss"] == kind) for kind in MISS_KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "in_scope": {"total": self.in_scope_total, "correct": self.in_scope_correct, "top1": self.top1},
            "out_of_scope": {
                "total": self.out_of_scope_total,
                "declined": self.out_of_scope_declined,
                "declined_share": self.declined_share,
            },
            "claims": {"total": self.claim_total, "correct": self.claim_correct},
            "miss_counts": self.miss_counts(),
            "misses": self.misses,
        }


def evaluate(questions: QuestionSet, ask: Callable[[str], Answer]) -> EvalReport:
    report = EvalReport()
    for item in questions.in_scope:
        answer = ask(item.q)
        report.in_scope_total += 1
        report.claim_total += item.claim is not None
        found = answer_matches(answer, item.any, any_listed=item.kind == "overview")
        if found and verdict_agrees(answer, item.claim):
            report.in_scope_correct += 1
            report.claim_correct += item.claim is not None
            continue
        miss: MissKind = "wrong_verdict" if found else "wrong_fact" if answer.answered else "wrong_decline"
        report.misses.append(
            {
                "kind": "in_scope",
                "miss": miss,
                "question": item.q,
                "phrasing": item.kind,
                "split": item.split,
                "answered": answer.answered,
                "got": _top_fact_id(answer),
                "reason": answer.reason,
                "score": round(answer.top_score, 4),
                "expected_any": item.any,
            }
        )
    for out in questions.out_of_scope:
        answer = ask(out.q)
        report.out_of_scope_total += 1
        if not answer.answered:
            report.out_of_scope_declined += 1
            continue
        report.misses.append(
            {
                "kind": "out_of_scope",
                "miss": "answered_unanswerable",
                "question": out.q,
                "phrasing": out.kind,
                "split": out.split,
                "answered": True,
                "got": _top_fact_id(answer),
                "reason": answer.reason,
                "score": round(answer.top_score, 4),
            }
        )
    return report


def evaluate_splits(questions: QuestionSet, ask: Callable[[str], Answer]) -> dict[str, EvalReport]:
    """One report per split (``tune``, ``report``, …) and ``all``; just ``all`` for a set without
    splits. Each question is asked once."""
    cache: dict[str, Answer] = {}

    def ask_once(question: str) -> Answer:
        if question not in cache:
            cache[question] = ask(question)
        return cache[question]

    reports = {name: evaluate(questions.only(name), ask_once) for name in questions.splits}
    reports["all"] = evaluate(questions, ask_once)
    return reports


# --- invariance: rewordings that must not change a right answer (the CheckList method) ----------


def swap_letters_in_longest_word(question: str) -> str:
    """One realistic slip: the middle two letters of the longest word swapped ("chilrden")."""
    words = re.findall(r"[A-Za-z]+", question)
    if not words:
        return question
    longest = max(words, key=len)
    if len(longest) < 4:
        return question
    i = len(longest) // 2
    if i + 1 >= len(longest) or longest[i] == longest[i + 1]:
        i -= 1  # swapping two equal letters changes nothing
    slipped = longest[:i] + longest[i + 1] + longest[i] + longest[i + 2 :]
    return re.sub(rf"\b{re.escape(longest)}\b", slipped, question, count=1)


def lower_without_punctuation(question: str) -> str:
    return " ".join(re.sub(r"[^\w\s'%£-]", " ", question).lower().split())


def bold_longest_word(question: str) -> str:
    """Slack's *bold* on the longest word, as someone stressing it would type."""
    words = re.findall(r"[A-Za-z]{4,}", question)
    if not words:
        return question
    longest = max(words, key=len)
    return re.sub(rf"\b{re.escape(longest)}\b", f"*{longest}*", question, count=1)


REWORDINGS: dict[str, Callable[[str], str]] = {
    "greeting": lambda q: f"hi, quick question - {q}",
    "thanks": lambda q: f"{q.rstrip()} thanks",
    "lowercase": lower_without_punctuation,
    "typo": swap_letters_in_longest_word,
    # as Slack sends them: emoji shortcodes, a colleague's mention, bold, a link
    "emoji": lambda q: f":wave: {q} :pray:",
    "mention": lambda q: f"<@U024BE7LH> asked me: {q}",
    "bold": bold_longest_word,
    "link": lambda q: f"re <https://www.gov.uk/government/organisations/ofsted|the report>: {q}",
}
# The rewordings Slack itself adds to what was typed (issue 26).
SLACK_REWORDINGS = ("emoji", "mention", "bold", "link")


def invariance(questions: QuestionSet, ask: Callable[[str], Answer]) -> dict[str, dict[str, Any]]:
    """For each rewording, how many of the questions answered right stay right once reworded."""
    right = [item for item in questions.in_scope if answer_matches(ask(item.q), item.any)]
    out: dict[str, dict[str, Any]] = {}
    for name, reword in REWORDINGS.items():
        changed = [(item, reword(item.q)) for item in right]
        changed = [(item, text) for item, text in changed if text != item.q]
        broken = [text for item, text in changed if not answer_matches(ask(text), item.any)]
        kept = len(changed) - len(broken)
        out[name] = {
            "kept": kept,
            "total": len(changed),
            "share": kept / len(changed) if changed else 1.0,
            "broken": broken,
        }
    return out


def _top_fact_id(answer: Answer) -> str | None:
    if answer.best:
        return answer.best.fact.id
    return answer.suggestions[0].fact_id if answer.suggestions else None


# --- follow-ups in a thread (tests/data/follow_ups.yaml) ----------------------------------------

FollowUpKind = Literal["elliptical", "complete", "source"]
FOLLOW_UP_KINDS: tuple[FollowUpKind, ...] = ("elliptical", "complete", "source")


class FollowUpPair(BaseModel):
    """A thread's previous question and the new message; what the answer must quote (``any``), or
    that it must decline. A ``source`` pair must show the previous answer's facts again."""

    model_config = ConfigDict(extra="forbid")
    previous: str
    follow_up: str
    any: list[str] = []
    declined: bool = False
    split: str = ""

    @model_validator(mode="after")
    def _expects_something(self) -> FollowUpPair:
        if self.declined and self.any:
            raise ValueError("a pair expects a quote (any) or a decline, not both")
        return self


class FollowUpSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    elliptical: list[FollowUpPair] = []
    complete: list[FollowUpPair] = []
    source: list[FollowUpPair] = []

    @classmethod
    def from_file(cls, path: str | Path) -> FollowUpSet:
        return cls.model_validate(read_yaml(path))

    @staticmethod
    def is_follow_up_file(data: object) -> bool:
        return isinstance(data, dict) and bool(set(data) & set(FOLLOW_UP_KINDS))


def _same_reply(one: Answer, other: Answer) -> bool:
    """Both declined, or both answered from the same fact."""
    if one.answered != other.answered:
        return False
    return not one.answered or _top_fact_id(one) == _top_fact_id(other)


def _facts_shown(answer: Answer) -> list[str]:
    return [a.fact.id for a in answer.answers]


def evaluate_follow_ups(
    pairs: FollowUpSet,
    ask: Callable[[str], Answer],
    ask_in_thread: Callable[[str, Answer], Answer],
) -> dict[str, Any]:
    """Per kind and split: right / total, and the misses. A complete question must also be
    answered as if asked alone (``same_as_alone``: same fact, or declined both times)."""
    counts: dict[str, dict[str, list[int]]] = {}
    misses: list[dict[str, Any]] = []
    for kind in FOLLOW_UP_KINDS:
        for pair in getattr(pairs, kind):
            before = ask(pair.previous)
            answer = ask_in_thread(pair.follow_up, before)
            if kind == "source":
                right = answer.reason == "source" and _facts_shown(answer) == _facts_shown(before)
            elif pair.declined:
                right = not answer.answered
            else:
                right = answer_matches(answer, pair.any)
            for split in ("all", *([pair.split] if pair.split else [])):
                tally = counts.setdefault(kind, {}).setdefault(split, [0, 0, 0, 0])
                tally[0] += right
                tally[1] += 1
                if kind == "complete":
                    alone = ask(pair.follow_up)
                    tally[2] += _same_reply(alone, answer)
                    tally[3] += 1
            if not right:
                misses.append(
                    {
                        "kind": kind,
                        "split": pair.split,
                        "previous": pair.previous,
                        "follow_up": pair.follow_up,
                        "answered": answer.answered,
                        "got": _top_fact_id(answer),
                        "reason": answer.reason,
                        "read_with_thread": answer.follows is not None,
                    }
                )
    result: dict[str, Any] = {"misses": misses}
    for group, by_split in counts.items():
        result[group] = {
            split: {"right": t[0], "total": t[1], "share": t[0] / t[1] if t[1] else 0.0}
            | ({"same_as_alone": t[2], "same_as_alone_share": t[2] / t[3] if t[3] else 0.0} if t[3] else {})
            for split, t in by_split.items()
        }
    return result
