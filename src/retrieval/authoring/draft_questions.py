"""What a draft fact proposes beyond its quote and figures: tags from the knowledge's own, and an
id. (Its example questions are generated from its fields when indexed: generated_questions.py.)"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import Stemmer

from retrieval.authoring.draft_figures import PHRASE_STOP_WORDS
from retrieval.knowledge.schema import Fact

MAX_TAGS = 3


# --- tags, questions, ids ---------------------------------------------------------------------

STEMMER = Stemmer.Stemmer("english")
_TAG_STOP = PHRASE_STOP_WORDS | {
    "ofsted",
    "report",
    "annual",
    "said",
    "says",
    "local",
    "authorities",
    "authority",
    "children",
    "child",
    "las",
    "la",
    "lAs",
    "services",
    "service",
}


def _stems(text: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text)]
    return STEMMER.stemWords([w for w in words if w not in _TAG_STOP and len(w) > 2])


@dataclass
class TagModel:
    """Which existing tags a sentence is about: tf-idf of the words of each tag's facts."""

    weights: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def of(cls, facts: Iterable[Fact]) -> TagModel:
        docs: dict[str, Counter[str]] = {}
        for f in facts:
            words = _stems(" ".join([f.statement, f.quote, *(g.measure for g in f.figures)]))
            for tag in f.tags:
                docs.setdefault(tag, Counter()).update(words + _stems(tag.replace("-", " ")) * 3)
        df = Counter(w for doc in docs.values() for w in doc)
        n = len(docs)
        weights: dict[str, dict[str, float]] = {}
        for tag, doc in docs.items():
            vec = {w: (1 + math.log(c)) * math.log(1 + n / df[w]) for w, c in doc.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            weights[tag] = {w: v / norm for w, v in vec.items()}
        return cls(weights)

    def propose(self, text: str) -> list[str]:
        words = set(_stems(text))
        if not words:
            return []
        scores = {
            t: sum(vec.get(w, 0.0) for w in words) / math.sqrt(len(words)) for t, vec in self.weights.items()
        }
        ranked = sorted((s, t) for t, s in scores.items() if s > 0)[::-1]
        if not ranked:
            return []
        best = ranked[0][0]
        return [t for s, t in ranked[:MAX_TAGS] if s >= max(0.12, 0.6 * best)]


def slug(words: str, taken: set[str]) -> str:
    content = [
        w
        for w in re.findall(r"[a-z0-9]+", words.lower())
        if w not in PHRASE_STOP_WORDS and w not in ("s", "currently")
    ]
    base = "-".join(content[:5]) or "fact"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate
