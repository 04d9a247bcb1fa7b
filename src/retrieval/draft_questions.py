"""What a draft fact proposes beyond its quote: tags from the knowledge's own, example questions
from the measure and the statement, and an id."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import Stemmer

from retrieval.draft_figures import PHRASE_STOP_WORDS, DraftFigure
from retrieval.knowledge import Fact

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


def _informal(noun: str, synonyms: Mapping[str, str]) -> str:
    """An everyday word for the report's term, from the knowledge's synonyms ("councils")."""
    for word, meaning in synonyms.items():
        if meaning == noun and " " not in word and len(word) > 3:
            return word
    return noun


_VERBS = {
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "should", "may",
    "continues", "continue", "suggests", "suggest", "found", "find", "finds", "shows", "show", "mean",
    "means", "supports", "outlines", "introduced", "explains", "said", "says", "noted", "remain", "remains",
    "relate", "relates", "face", "faces", "monitor", "conducted", "carries", "carried", "looked",
}  # fmt: skip
_PRONOUNS = {"this", "it", "we", "they", "that", "there", "these", "those", "he", "she"}


_INTRO = re.compile(
    r"^(?:in|on|at|for|to|when|while|after|before|since|by|with|as|more|overall|currently|nationally|"
    r"this|that|last|next|most|indeed|however)\b|^\w+ly\b",
    re.IGNORECASE,
)


def _topic(statement: str) -> str:
    """What a finding is about: the subject of its statement ("grooming gangs"), past a leading
    phrase ("In children's social care, funding for statutory services" → the latter) and a
    reporting verb ("The evidence suggests that these cuts …" → "these cuts …")."""
    words = statement.rstrip(".:").split()
    subject: list[str] = []
    verb_at = len(words)
    for i, w in enumerate(words):
        low = w.lower().strip(",")
        if low in _VERBS:
            if i + 1 < len(words) and words[i + 1].lower().strip(",") == "that" and i + 2 < len(words):
                return _topic(" ".join(words[i + 2 :]))
            verb_at = i
            break
        subject.append(w)
    phrase = " ".join(subject).strip(" ,")
    parts = [p.strip() for p in phrase.split(",") if p.strip()]
    while len(parts) > 1 and _INTRO.match(parts[0]):
        parts = parts[1:]  # "In children's social care, funding …" → "funding …"
    phrase = parts[0] if parts else ""
    if phrase.lower() in ("ofsted", "the report", "the inspectorate", "the regulator", "it", "we"):
        phrase = " ".join(words[verb_at + 1 : verb_at + 7])  # what Ofsted does: its object
    if not phrase or phrase.split()[0].lower() in _PRONOUNS or len(phrase.split()) > 16:
        phrase = " ".join(words[:6])
    return lower_first(phrase.strip(" ,;:"))


def lower_first(s: str) -> str:
    """Lower-case the first word unless it starts a name ("Her Majesty's", "Alison Michalska")."""
    words = s.split()
    if not words:
        return s
    first = words[0]
    second_is_name = len(words) > 1 and words[1][:1].isupper() and words[1][1:].islower()
    plain = first[:1].isupper() and (first[1:].islower() or len(first) == 1)
    if plain and not second_is_name and first not in ("Ofsted", "England", "I"):
        return s[0].lower() + s[1:]
    return s


def _tidy(question: str) -> str:
    q = re.sub(r"\s+", " ", question).strip()
    return re.sub(r"\s+([?,])", r"\1", q)


def propose_questions(
    statement: str, figures: Sequence[DraftFigure], synonyms: Mapping[str, str]
) -> list[str]:
    """Four questions a colleague might ask for this fact: a plain one, a short informal one,
    one naming Ofsted and one checking the statement. Drafts: a person rewords them."""
    body = statement.rstrip(".:")
    check = f"Is it true that {lower_first(body)}?"
    lead_in = re.match(r"^(?P<what>.+?)\s+(?:are|include)\s*:$", statement)
    if lead_in:  # "Common features of LAs that struggle … are:" introduces a list
        what = lower_first(lead_in["what"])
        what = what if what.lower().startswith("the ") else f"the {what}"
        return [
            _tidy(q)
            for q in (
                f"What are {what}?",
                f"{what.removeprefix('the ')}",
                f"What does Ofsted say are {what}?",
                f"According to the annual report, what are {what}?",
            )
        ]
    if figures and figures[0].noun:
        fig = figures[0]
        noun, informal = fig.noun, _informal(fig.noun, synonyms)
        if fig.clause:
            vp = fig.clause
        elif fig.predicate:
            first = fig.predicate.split()[0].lower()
            vp = (
                "were " if first.endswith("ed") else "" if first.startswith("requir") else "are "
            ) + fig.predicate
        else:
            vp = ""
        if fig.unit == "%" or (fig.unit is None and fig.value < 1):
            qs = (
                [
                    f"What proportion of {noun} {vp}?",
                    f"what % of {informal} {vp}",
                    f"According to Ofsted, what share of {informal} {vp}?",
                ]
                if vp
                else [
                    f"What proportion of {noun} does the report mention?",
                    f"what % of {informal}",
                    f"According to Ofsted, what share of {informal} is it?",
                ]
            )
        else:
            qs = [
                f"How many {noun} {vp or 'are there'}?",
                f"how many {informal} {vp}",
                f"Does Ofsted's annual report say how many {noun} {vp}?",
            ]
        return [_tidy(q) for q in [*qs, check]]
    if figures and figures[0].unit and figures[0].unit[:1] in "£$€":
        m = figures[0].measure
        return [
            _tidy(q)
            for q in (
                f"How big is the {m}?",
                f"{m} how much",
                f"What does Ofsted's report say about the {m}?",
                check,
            )
        ]
    topic = _topic(statement)
    return [
        _tidy(q)
        for q in (
            f"What does Ofsted say about {topic}?",
            f"{topic} ofsted",
            f"What did the annual report find on {topic}?",
            check,
        )
    ]


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
