"""Fine-tuning the sentence encoder on the knowledge's own texts (``ofsted-bot tune-encoder``).

all-MiniLM-L6-v2 learnt general English; each fact's example questions say how this report's
facts are asked. So the encoder is taught, contrastively, that a question
and any other text of its fact (statement, quote, another question) are close and the texts of
other facts in the same batch are not (symmetric in-batch cross-entropy, as sentence-transformers'
``MultipleNegativesRankingLoss`` with the roles swapped too). No evaluation question is used.

The training is deterministic (seeded, CPU): the same knowledge and recipe give the same weights
bit for bit, so a fresh clone builds the encoder the shipped decision model was fitted for. The
model's name records the recipe and, after ``#``, the digest of the texts it learnt from:
embeddings are cached per name, and a decision model fitted for a recipe serves the encoder that
recipe builds from later knowledge (``decision.encoder_family``).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.knowledge.schema import Knowledge
from retrieval.matching.encoder import TUNING_FILE, SentenceEncoder
from retrieval.matching.index import generated_for

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

TUNED_PREFIX = "ofsted-minilm"


@dataclass(frozen=True)
class TuningRecipe:
    """How the encoder is tuned; its digest is part of the tuned model's name."""

    epochs: int = 2
    learning_rate: float = 3e-5
    batch_size: int = 32
    scale: float = 20.0  # inverse temperature of the cosine similarities in the loss
    warmup_share: float = 0.1  # linear warm-up over this share of the steps, then linear decay
    seed: int = 0

    def digest(self, base_model: str) -> str:
        text = json.dumps({"base": base_model, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class TrainingTexts:
    """Per fact, every text that says it; the anchors are the example questions."""

    texts: tuple[tuple[str, ...], ...]  # texts[fact] = (statement, quote, *questions)
    anchors: tuple[tuple[int, str], ...]  # (fact, question)

    @classmethod
    def from_knowledge(cls, knowledge: Knowledge) -> TrainingTexts:
        asked = [(*f.questions, *generated_for(f, knowledge)) for f in knowledge.facts]
        texts = tuple((f.statement, f.quote, *q) for f, q in zip(knowledge.facts, asked, strict=True))
        anchors = tuple((i, q) for i, questions in enumerate(asked) for q in questions)
        return cls(texts, anchors)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.texts).encode("utf-8")).hexdigest()[:12]


def tuned_on(tuned_name: str, knowledge: Knowledge) -> bool:
    """Whether a tuned encoder's name (``…#<digest>``) records exactly this knowledge's texts."""
    return tuned_name.partition("#")[2] == TrainingTexts.from_knowledge(knowledge).digest()


def tuned_model_name(recipe: TuningRecipe, base_model: str, training: TrainingTexts) -> str:
    return f"{TUNED_PREFIX}@{recipe.digest(base_model)}#{training.digest()}"


def batches(anchors: Sequence[tuple[int, str]], batch_size: int) -> list[list[tuple[int, str]]]:
    """One epoch's batches, in the anchors' order, each fact at most once per batch (a second
    question of the same fact would be scored as a wrong match); batches under 4 are dropped."""
    pool = list(anchors)
    out = []
    while pool:
        batch: list[tuple[int, str]] = []
        seen: set[int] = set()
        rest: list[tuple[int, str]] = []
        for anchor in pool:
            if anchor[0] not in seen and len(batch) < batch_size:
                batch.append(anchor)
                seen.add(anchor[0])
            else:
                rest.append(anchor)
        pool = rest
        if len(batch) < 4:
            break
        out.append(batch)
    return out


def fine_tune_encoder(
    knowledge: Knowledge,
    base: SentenceEncoder,
    output_dir: Path,
    recipe: TuningRecipe = TuningRecipe(),
    progress: Callable[[str], None] | None = None,
) -> str:
    """Tune ``base``'s model in place on the knowledge's texts and save it, with its
    ``tuning.json``, to ``output_dir``. Returns the tuned model's name."""
    import torch  # heavy, and only this command trains

    training = TrainingTexts.from_knowledge(knowledge)
    if not training.anchors:
        raise ValueError("the knowledge has no facts to tune on")
    torch.manual_seed(recipe.seed)
    rng = random.Random(recipe.seed)
    model = base.model
    optimiser = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate)
    total = recipe.epochs * (len(training.anchors) // recipe.batch_size)
    warmup = max(recipe.warmup_share * total, 1.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, 1 - step / max(total, 1))
    )
    model.train()
    order = list(training.anchors)
    for epoch in range(recipe.epochs):
        rng.shuffle(order)
        losses = []
        for batch in batches(order, recipe.batch_size):
            positives = [rng.choice([t for t in training.texts[i] if t != q]) for i, q in batch]
            anchors = _embed(model, [q for _, q in batch])
            targets = _embed(model, positives)
            scores = anchors @ targets.T * recipe.scale
            labels = torch.arange(len(batch))
            loss = (
                torch.nn.functional.cross_entropy(scores, labels)
                + torch.nn.functional.cross_entropy(scores.T, labels)
            ) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(float(loss.detach()))
        if progress:
            progress(f"epoch {epoch + 1}/{recipe.epochs}: mean loss {sum(losses) / max(len(losses), 1):.3f}")
    model.eval()
    name = tuned_model_name(recipe, base.name, training)
    # Written beside and swapped in whole: a running bot never loads half a model.
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = output_dir.with_name(output_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save(str(staging))
    info = {
        "name": name,
        "base_model": base.name,
        "recipe": asdict(recipe),
        "facts": len(training.texts),
        "questions": len(training.anchors),
    }
    (staging / TUNING_FILE).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(output_dir, ignore_errors=True)
    staging.rename(output_dir)
    return name


def _embed(model: SentenceTransformer, texts: list[str]) -> torch.Tensor:
    import torch

    vectors = model(model.preprocess(texts))["sentence_embedding"]
    return torch.nn.functional.normalize(vectors, dim=-1)
