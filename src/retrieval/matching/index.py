"""FactIndex: the knowledge as normalised embedding vectors plus a BM25 lexical index.

The encoder and its cache live in ``encoder.py``, tokens and BM25 in ``lexical.py``; their names
are re-exported here, where callers have always found them.

Every fact contributes several texts — its statement, its quote and each example question —
each embedded once (and cached on disk, keyed by model and text). A question's dense score for
a fact is its best cosine similarity over that fact's texts; its lexical score is BM25 over one
document per fact. ``scoring.py`` fuses the two; ``answer.py`` decides.

The index is immutable: a reload builds a new one aside and swaps one reference.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.authoring.sentences import sentence_spans
from retrieval.knowledge.figures import figure_values
from retrieval.knowledge.schema import Fact, Knowledge
from retrieval.language.asking import months_in, without_asker_role
from retrieval.language.lexical import (
    ACRONYM,
    STOPWORDS,
    LexicalIndex,
    QueryTerms,
    initialisms,
    name_words,
    surface_tokens,
    synonym_pattern,
    synonym_table,
    tokenize,
)
from retrieval.language.places import places_in
from retrieval.language.wording import ORDINARY_ZIPF, SpellingCorrector, english_zipf, word_counts
from retrieval.matching.encoder import (
    BUNDLED_MODEL,
    BUNDLED_MODEL_NAME,
    EmbeddingCache,
    Encoder,
    SentenceEncoder,
    load_encoder,
)
from retrieval.matching.fact_scope import (
    claim_text,
    fact_dates,
    fact_document,
    fact_regions,
    fact_years,
    financial_year_ends,
    is_money,
    is_share,
    same_evidence,
)
from retrieval.matching.generated_questions import generated_questions

log = logging.getLogger(__name__)


def fact_texts(fact: Fact, knowledge: Knowledge) -> list[tuple[str, str]]:
    """(kind, text) pairs embedded for a fact: its statement, quote, hand-written questions and
    the questions generated from its fields (generated_questions.py)."""
    texts = [("statement", fact.statement), ("quote", fact.quote)]
    context = in_context(fact, knowledge)
    if context:
        texts.append(("context", context))
    texts += [("question", q) for q in fact.questions]
    texts += [("generated", q) for q in generated_for(fact, knowledge)]
    return texts


# A quote that opens by pointing back ("Of these, 35,005 were …", "This is a decrease on …")
# says its subject in the sentence before it.
_POINTS_BACK = re.compile(
    r"^(?:this|these|that|those|it|its|they|their|such|both|(?:of|among|for)\s+(?:these|those|them|which))\b"
    r"(?!\s+(?:year|month|week|release|report|page|publication)\b)",
    re.IGNORECASE,
)


def in_context(fact: Fact, knowledge: Knowledge) -> str | None:
    """The sentence before a quote that points back, then the quote: what it is about, from the
    source's saved text. None when the quote stands alone or its text is not saved."""
    if not _POINTS_BACK.match(fact.quote):
        return None
    text = knowledge.source_texts.get(fact.source, "")
    found = text.find(fact.quote)
    if found <= 0:
        return None
    paragraph = text[text.rfind("\n", 0, found) + 1 : found].strip()
    spans = sentence_spans(paragraph)
    return f"{paragraph[spans[-1][0] : spans[-1][1]].strip()} {fact.quote}" if spans else None


def publisher_initials(knowledge: Knowledge) -> dict[str, str]:
    """A publisher of two or more words by its initials ("CC" -> "community care"): how
    colleagues cite a source ("per the CC article")."""
    out = {}
    for source in knowledge.sources:
        words = source.publisher.split()
        if len(words) >= 2:
            out["".join(w[0] for w in words).lower()] = source.publisher.lower()
    return out


def generated_for(fact: Fact, knowledge: Knowledge) -> tuple[str, ...]:
    """The fact's generated questions that no hand-written question already says."""
    written = set(fact.questions)
    generated = generated_questions(fact, knowledge.source_of(fact), knowledge.synonyms)
    return tuple(q for q in generated if q not in written)


# A generated question's similarity counts this much less than a statement's, a quote's or a
# written question's: generated ones are many per figure, and a fact's best over many texts is
# higher by chance alone (chosen on the tuning sets with every written question removed: the
# right fact first 0.806 -> 0.834; with them, unchanged).
GENERATED_DISCOUNT = 0.15
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
    row_offset: np.ndarray  # (rows,) added to each row's similarity: -GENERATED_DISCOUNT for generated ones
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
    # acronyms the knowledge's phrases spell ("ch" -> "children homes"): read like synonyms
    initialisms: dict[str, str]
    has_figures: np.ndarray  # (facts,) 1.0 where the fact states at least one figure
    has_share_figure: np.ndarray  # (facts,) 1.0 where a figure is a percentage or a fraction
    # per fact: the tokens of what it claims (statement, quote, figure measures): what a figure
    # question's thing counted must be found in
    claim_tokens: tuple[frozenset[str], ...]
    fact_years: tuple[frozenset[int], ...]  # per fact: the years its claim and its edition name
    # per fact: the dates it states ("31 March 2022") and their months; a question naming another
    # month is not about it
    fact_dates: tuple[tuple[str, ...], ...]
    fact_months: tuple[frozenset[int], ...]
    fact_year_ends: tuple[frozenset[int], ...]  # per fact: the financial years its dates end
    fact_regions: tuple[frozenset[str], ...]  # per fact: England's regions it is about
    claim_figure_values: tuple[frozenset[float], ...]  # per fact: the values of its claim's figures
    fact_editions: np.ndarray  # (facts,) the report year of each fact's source (0 when unknown)
    has_money_figure: np.ndarray  # (facts,) 1.0 where a figure is an amount of money
    has_count_figure: np.ndarray  # (facts,) 1.0 where a figure is a number of things (not % or money)
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
            (i, kind, text)
            for i, fact in enumerate(knowledge.facts)
            for kind, text in fact_texts(fact, knowledge)
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
        dates = [fact_dates(f) for f in knowledge.facts]
        return cls(
            knowledge=knowledge,
            encoder=encoder,
            vectors=vectors,
            row_fact=row_fact,
            row_kind=tuple(kind for _, kind, _ in rows),
            row_offset=np.array(
                [-GENERATED_DISCOUNT if kind == "generated" else 0.0 for _, kind, _ in rows], dtype=np.float32
            ),
            fact_starts=starts,
            fact_centroids=fact_centroids(vectors, starts),
            lexical=LexicalIndex(document_tokens),
            vocabulary=frozenset(vocabulary),
            doc_tokens=doc_tokens,
            idf=idf,
            synonyms=synonym_table(knowledge.synonyms),
            initialisms=publisher_initials(knowledge)
            | initialisms([*claims, *knowledge.source_texts.values()], dict(knowledge.synonyms)),
            synonym_pattern=synonym_pattern(knowledge.synonyms),
            fact_position={f.id: i for i, f in enumerate(knowledge.facts)},
            has_figures=np.array([1.0 if f.figures else 0.0 for f in knowledge.facts], dtype=np.float32),
            has_share_figure=np.array(
                [1.0 if any(is_share(g) for g in f.figures) else 0.0 for f in knowledge.facts],
                dtype=np.float32,
            ),
            claim_tokens=tuple(frozenset(tokenize(c)) for c in claims),
            fact_years=tuple(fact_years(f, knowledge) for f in knowledge.facts),
            fact_dates=tuple(dates),
            fact_months=tuple(months_in(" ".join(d)) for d in dates),
            fact_year_ends=tuple(financial_year_ends(d) for d in dates),
            fact_regions=tuple(fact_regions(f) for f in knowledge.facts),
            claim_figure_values=tuple(figure_values(c) for c in claims),
            fact_editions=np.array([knowledge.source_of(f).report_year or 0 for f in knowledge.facts]),
            has_money_figure=np.array(
                [1.0 if any(is_money(g) for g in f.figures) else 0.0 for f in knowledge.facts],
                dtype=np.float32,
            ),
            has_count_figure=np.array(
                [
                    1.0 if any(not is_share(g) and not is_money(g) for g in f.figures) else 0.0
                    for f in knowledge.facts
                ],
                dtype=np.float32,
            ),
            same_evidence=same_evidence(knowledge.facts),
            spelling=SpellingCorrector(word_counts([*documents, *source_texts, *synonym_words])),
            encoded_count=cache.last_encoded,
        )

    def query_terms(self, question: str) -> QueryTerms:
        question = without_asker_role(question)
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
        for acronym, phrase in self.acronyms_in(question).items():
            for word, token in surface:
                if word.removesuffix("s") == acronym:
                    alternatives[tokens.index(token)].update(tokenize(phrase))
        unknown = tuple(
            t for t, alts in zip(tokens, alternatives, strict=True) if not (alts & self.vocabulary)
        )
        places = places_in(question)
        names = {t for word in [*name_words(question), *places] for t in tokenize(word)}
        unknown_names = tuple(t for t in unknown if t in names)
        unknown_places = tuple(p for p in places if not set(tokenize(p)) <= self.vocabulary)
        unknown_rare = tuple(t for t in unknown if zipf[t] < ORDINARY_ZIPF)
        return QueryTerms(
            tuple(tokens),
            tuple(frozenset(a) for a in alternatives),
            unknown,
            unknown_names,
            unknown_rare,
            tuple(zipf[t] for t in tokens),
            unknown_places,
        )

    def rewrite_with_synonyms(self, question: str) -> str | None:
        """The question in the report's own words ("how many LAs" -> "how many local authorities").

        The model does not know every abbreviation colleagues use; the rewritten question is
        embedded alongside the original. None when no synonym occurs.
        """
        rewritten = question
        if self.synonym_pattern is not None:
            meanings = self.knowledge.synonyms
            rewritten = self.synonym_pattern.sub(lambda m: meanings[m.group(0).lower()], question)
        acronyms = self.acronyms_in(rewritten)
        if acronyms:
            rewritten = ACRONYM.sub(lambda m: acronyms.get(m.group(1).lower(), m.group(0)), rewritten)
        return rewritten if rewritten != question else None

    def acronyms_in(self, question: str) -> dict[str, str]:
        """The acronyms written in a question that the knowledge's phrases spell, with the phrase."""
        found = {m.group(1).lower() for m in ACRONYM.finditer(question)}
        return {a: self.initialisms[a] for a in sorted(found) if a in self.initialisms}

    def encode_question(self, question: str) -> np.ndarray:
        """(1, dim) or (2, dim): the question, and its synonym rewrite when there is one."""
        rewritten = self.rewrite_with_synonyms(question)
        return self.encoder.encode([question] if rewritten is None else [question, rewritten])

    def dense_scores(self, query_vectors: np.ndarray) -> np.ndarray:
        """Best cosine similarity per fact over its texts (and over the question's variants), a
        generated question's less GENERATED_DISCOUNT.

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
        return np.maximum.reduceat(sims.max(axis=1) + self.row_offset, self.fact_starts)

    @functools.cached_property
    def publishers(self) -> frozenset[str]:
        """The sources' publishers, lower-cased: built once, not on every question."""
        return frozenset(source.publisher.lower() for source in self.knowledge.sources)

    @functools.cached_property
    def fact_ends(self) -> np.ndarray:
        """(facts,) one past the last vector row of each fact; built once, not per question."""
        return np.append(self.fact_starts[1:], len(self.vectors))

    def fact_rows(self, positions: np.ndarray) -> np.ndarray:
        """The vector rows of the facts at ``positions``, fact by fact (each fact's contiguous)."""
        ends = self.fact_ends
        return np.concatenate(
            [np.arange(self.fact_starts[p], ends[p]) for p in positions] or [np.zeros(0, dtype=np.int64)]
        )

    def _two_stage_dense_scores(self, query_vectors: np.ndarray) -> np.ndarray:
        scores = (self.fact_centroids @ query_vectors.T).max(axis=1)
        count = min(CANDIDATE_FACTS, len(scores))
        candidates = np.argpartition(-scores, count - 1)[:count]
        rows = self.fact_rows(candidates)
        exact = (self.vectors[rows] @ query_vectors.T).max(axis=1) + self.row_offset[rows]
        # each candidate's rows are contiguous in ``rows``: reduce them per candidate
        sizes = (self.fact_ends - self.fact_starts)[candidates]
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        scores[candidates] = np.maximum.reduceat(exact, offsets)
        return scores


__all__ = [
    "BUNDLED_MODEL",
    "BUNDLED_MODEL_NAME",
    "CANDIDATE_FACTS",
    "EXACT_SEARCH_MAX_ROWS",
    "STOPWORDS",
    "EmbeddingCache",
    "Encoder",
    "FactIndex",
    "LexicalIndex",
    "QueryTerms",
    "SentenceEncoder",
    "claim_text",
    "fact_document",
    "fact_texts",
    "fact_years",
    "generated_for",
    "load_encoder",
    "name_words",
    "same_evidence",
    "surface_tokens",
    "synonym_pattern",
    "synonym_table",
    "tokenize",
]
