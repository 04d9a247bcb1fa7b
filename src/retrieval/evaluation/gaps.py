"""Knowledge gaps: group the questions the bot could not answer, and report them with the votes.

Pure functions — no SQL, no Slack. The edge reads the stored unanswered questions and answer
votes (``bot/storage/store.py``), calls ``group_questions`` and prints ``format_gaps_report`` (or emits
``gaps_report_dict`` as JSON).

Questions may hold personal data about children and families, so their embeddings are computed
here and thrown away: never through ``EmbeddingCache``, never written to disk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from retrieval.knowledge.schema import Fact
from retrieval.matching.index import FactIndex
from retrieval.matching.scoring import score_facts

# Average cosine similarity two groups of questions need to merge (average linkage). With the
# bundled all-MiniLM-L6-v2, "how many children were adopted last year", "... kids got adopted" and
# "adoption numbers for 2018" merged at 0.60 and joined "how many children are in care" at 0.51
# (0.55 was chosen); the encoder tuned on the knowledge (EMBEDDING_MODEL=tuned) puts a question
# the knowledge does not answer a little further from its paraphrases: 0.535 and 0.40. Higher
# splits paraphrases, lower merges topics.
DEFAULT_GROUP_THRESHOLD = 0.5


@dataclass(frozen=True)
class QuestionGroup:
    """Unanswered questions that ask the same thing, and the fact nearest to them.

    ``count`` is how many times the group was asked (repeats included); ``questions`` holds each
    distinct wording once, most often asked first (ties: the most central first), and ``example``
    is the most central wording, the one closest to the group's centroid.
    """

    count: int
    example: str
    questions: tuple[str, ...]
    nearest_fact_id: str | None
    nearest_statement: str | None
    nearest_score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "example": self.example,
            "questions": list(self.questions),
            "nearest_fact_id": self.nearest_fact_id,
            "nearest_statement": self.nearest_statement,
            "nearest_score": round(self.nearest_score, 4),
        }


def _match_key(question: str) -> str:
    """Wordings that differ only in case and spacing count as one (and are encoded once)."""
    return " ".join(question.split()).casefold()


def _normalised(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _cluster(vectors: np.ndarray, weights: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative clustering of normalised row vectors; lists of row positions.

    Every row starts as its own group; the two groups whose questions are on average most similar
    merge, while that average cosine is at least ``threshold``. Unlike joining a centroid, the
    average does not drift: a group that spreads gets harder, not easier, to join. A row's weight
    is how often that wording was asked. The mean pairwise similarity of groups A and B is
    ``sum_A . sum_B / (weight_A * weight_B)``, so only the groups' weighted vector sums are kept.
    """
    sums = vectors.astype(np.float64) * weights[:, None]
    group_weights = weights.astype(np.float64).copy()
    members: list[list[int]] = [[row] for row in range(len(vectors))]
    alive = np.ones(len(vectors), dtype=bool)
    # float32: the one n-by-n array, 100 MB at 5,000 distinct questions.
    mean_similarity = ((sums @ sums.T) / np.outer(group_weights, group_weights)).astype(np.float32)
    np.fill_diagonal(mean_similarity, -np.inf)
    # Each group's most similar partner, so a merge needs an O(groups) update, not a full search.
    partner = np.argmax(mean_similarity, axis=1)
    partner_similarity = mean_similarity[np.arange(len(vectors)), partner]
    while alive.sum() > 1:
        into = int(np.argmax(np.where(alive, partner_similarity, -np.inf)))
        gone = int(partner[into])
        if partner_similarity[into] < threshold:
            break
        if gone < into:  # keep the earlier row's slot, so ties resolve the same way every time
            into, gone = gone, into
        members[into] += members[gone]
        members[gone] = []
        alive[gone] = False
        sums[into] += sums[gone]
        group_weights[into] += group_weights[gone]
        mean_similarity[gone, :] = mean_similarity[:, gone] = -np.inf
        row = (sums @ sums[into]) / (group_weights * group_weights[into])
        row[~alive] = -np.inf
        row[into] = -np.inf
        mean_similarity[into, :] = mean_similarity[:, into] = row
        # Only groups that pointed at a merged group need to look again: a merged group's average
        # lies between its parts', so it is never closer to anyone than their nearer part was.
        stale = alive & ((partner == into) | (partner == gone))
        stale[into] = True
        for other in np.flatnonzero(stale):
            partner[other] = int(np.argmax(mean_similarity[other]))
            partner_similarity[other] = mean_similarity[other, partner[other]]
        partner_similarity[gone] = -np.inf
    return [rows for rows in members if rows]


def group_questions(
    index: FactIndex, questions: Sequence[str], threshold: float = DEFAULT_GROUP_THRESHOLD
) -> list[QuestionGroup]:
    """Group questions that ask the same thing, largest group first (ties: first asked first).

    Blank questions are ignored. Each group's nearest fact is the best match for its example by
    the same scoring ``answer_question`` uses (None when the knowledge has no facts).
    """
    wordings: dict[str, str] = {}  # match key -> first wording seen
    asks: dict[str, int] = {}
    for question in questions:
        key = _match_key(question)
        if not key:
            continue
        wordings.setdefault(key, " ".join(question.split()))
        asks[key] = asks.get(key, 0) + 1
    if not wordings:
        return []
    keys = list(wordings)
    texts = [wordings[k] for k in keys]
    weights = np.array([asks[k] for k in keys], dtype=np.float64)
    # Encoded directly, never cached: these texts may hold personal data.
    vectors = np.asarray(index.encoder.encode(texts), dtype=np.float32)

    ranked: list[tuple[int, QuestionGroup]] = []  # (first wording's position, group)
    for rows in _cluster(vectors, weights, threshold):
        centroid = _normalised((weights[rows, None] * vectors[rows]).sum(axis=0))
        centrality = vectors[rows] @ centroid
        example_row = rows[int(np.argmax(centrality))]
        by_asks = sorted(range(len(rows)), key=lambda i: (-weights[rows[i]], -centrality[i], rows[i]))
        example = texts[example_row]
        # scored with the vector just computed, not by encoding it again
        fact_id, statement, score = _nearest_fact(index, example, vectors[example_row : example_row + 1])
        group = QuestionGroup(
            count=int(weights[rows].sum()),
            example=example,
            questions=tuple(texts[rows[i]] for i in by_asks),
            nearest_fact_id=fact_id,
            nearest_statement=statement,
            nearest_score=score,
        )
        ranked.append((min(rows), group))
    ranked.sort(key=lambda position_and_group: (-position_and_group[1].count, position_and_group[0]))
    return [group for _, group in ranked]


def _nearest_fact(
    index: FactIndex, question: str, query_vectors: np.ndarray
) -> tuple[str | None, str | None, float]:
    """The best fact for a question (``query_vectors``: its (1, dim) vector), with its score."""
    if len(index.facts) == 0:
        return None, None, 0.0
    scored = score_facts(index, question, query_vectors=query_vectors)
    best = int(scored.order[0])
    fact = index.facts[best]
    return fact.id, fact.statement, float(scored.fused[best])


# --- the report ----------------------------------------------------------------------------------


class VoteCount(NamedTuple):
    """A fact's 👍 and 👎 counts (``FeedbackStore.vote_counts`` gives them most 👎 first)."""

    fact_id: str
    up: int
    down: int


_MAX_WORDINGS_SHOWN = 3


def gaps_report_dict(
    groups: Sequence[QuestionGroup],
    vote_counts: Sequence[VoteCount],
    facts_by_id: Mapping[str, Fact],
) -> dict[str, Any]:
    """The gaps report as plain data for ``--json``: unanswered groups, then votes per fact.

    A voted fact no longer in the knowledge keeps its row, with ``statement`` None.
    """
    return {
        "unanswered": {
            "questions": sum(g.count for g in groups),
            "groups": [g.to_dict() for g in groups],
        },
        "votes": [
            {
                "fact_id": fact_id,
                "statement": facts_by_id[fact_id].statement if fact_id in facts_by_id else None,
                "up": up,
                "down": down,
            }
            for fact_id, up, down in vote_counts
        ],
    }


def format_gaps_report(
    groups: Sequence[QuestionGroup],
    vote_counts: Sequence[VoteCount],
    facts_by_id: Mapping[str, Fact],
) -> str:
    """The gaps report as plain text for the terminal (and a Slack code block).

    Pass the groups and vote counts already trimmed to what should be shown.
    """
    lines: list[str] = []
    asked = sum(g.count for g in groups)
    if groups:
        lines.append(f"Unanswered questions: {asked} asked, {len(groups)} distinct")
        for group in groups:
            lines.append("")
            lines.append(f'{group.count:>4}x  "{group.example}"')
            others = [q for q in group.questions if q != group.example]
            shown = others[:_MAX_WORDINGS_SHOWN]
            if shown:
                more = len(others) - len(shown)
                also = ", ".join(f'"{q}"' for q in shown) + (f" (+{more} more)" if more else "")
                lines.append(f"       also: {also}")
            if group.nearest_fact_id is not None:
                lines.append(
                    f"       nearest fact: {group.nearest_fact_id} (score {group.nearest_score:.2f})"
                    f" - {group.nearest_statement}"
                )
    else:
        lines.append("Unanswered questions: none recorded")
    lines.append("")
    if vote_counts:
        lines.append("Answer votes, most thumbs-down first:")
        width = max(len(fact_id) for fact_id, _, _ in vote_counts)
        for fact_id, up, down in vote_counts:
            fact = facts_by_id.get(fact_id)
            statement = fact.statement if fact is not None else "(no longer in the knowledge)"
            lines.append(f"  {fact_id:<{width}}  down {down:>3}  up {up:>3}  {statement}")
    else:
        lines.append("Answer votes: none recorded")
    return "\n".join(lines) + "\n"
