"""The encoder fine-tuned on the knowledge's example questions (``ofsted-bot tune-encoder``).

A few real facts are tuned on for one short epoch from the bundled model: the run must move each
question nearer its own fact than before, name the model by recipe and knowledge, give the same
weights twice, and be what the shipped decision model and ``EMBEDDING_MODEL=tuned`` expect.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.bot_process import REPO_ROOT

from bot.runtime.loading import build_tuned_encoder, embedding_model_path
from bot.runtime.settings import DEFAULT_EMBEDDING_MODEL, TUNED_MODEL, TUNED_MODEL_DIR, SettingsError
from retrieval.evaluation.tuning import TrainingTexts, TuningRecipe, batches, fine_tune_encoder
from retrieval.knowledge.schema import Knowledge
from retrieval.matching.decision import load_decision_models, select_model
from retrieval.matching.encoder import (
    BUNDLED_MODEL,
    SentenceEncoder,
    encoder_family,
    load_encoder,
    read_tuned_name,
)
from retrieval.matching.index import FactIndex, generated_for

QUICK = TuningRecipe(epochs=1, batch_size=8, learning_rate=1e-4)


@pytest.fixture(scope="module")
def few_facts(knowledge: Knowledge) -> Knowledge:
    return replace(knowledge, facts=knowledge.facts[:8])


def own_fact_margin(encoder: SentenceEncoder, few: Knowledge) -> float:
    """Mean over example questions: similarity to its own fact's statement minus the best other's."""
    statements = encoder.encode([f.statement for f in few.facts])
    margins = []
    for i, fact in enumerate(few.facts):
        sims = encoder.encode(list(fact.questions)) @ statements.T
        margins.extend(sims[:, i] - np.delete(sims, i, axis=1).max(axis=1))
    return float(np.mean(margins))


@pytest.mark.slow
def test_tuning_moves_questions_towards_their_own_fact_and_is_repeatable(
    few_facts: Knowledge, tmp_path: Path
) -> None:
    before = own_fact_margin(load_encoder(BUNDLED_MODEL), few_facts)
    name = fine_tune_encoder(few_facts, load_encoder(BUNDLED_MODEL), tmp_path / "a", QUICK)
    tuned = load_encoder(str(tmp_path / "a"))
    assert tuned.name == name == read_tuned_name(tmp_path / "a")
    assert own_fact_margin(tuned, few_facts) > before + 0.02
    assert not (tmp_path / "a.partial").exists()

    again = fine_tune_encoder(few_facts, load_encoder(BUNDLED_MODEL), tmp_path / "b", QUICK)
    assert again == name
    probe = ["what share of councils were judged inadequate?"]
    assert np.array_equal(tuned.encode(probe), load_encoder(str(tmp_path / "b")).encode(probe))


def test_the_name_says_recipe_and_knowledge(few_facts: Knowledge, knowledge: Knowledge) -> None:
    few, every = TrainingTexts.from_knowledge(few_facts), TrainingTexts.from_knowledge(knowledge)
    # the anchors are the written questions and those generated from the fields
    assert len(every.anchors) == sum(
        len(f.questions) + len(generated_for(f, knowledge)) for f in knowledge.facts
    )
    assert few.digest() != every.digest()
    base = "sentence-transformers/all-MiniLM-L6-v2@x"
    recipe = TuningRecipe()
    assert QUICK.digest(base) != recipe.digest(base) != recipe.digest("other/model")
    # the decision fitted for a recipe serves it tuned on other knowledge, not another recipe
    same_recipe = {encoder_family(f"ofsted-minilm@{recipe.digest(base)}#{t.digest()}") for t in (few, every)}
    assert len(same_recipe) == 1


def test_a_batch_holds_each_fact_once(knowledge: Knowledge) -> None:
    anchors = TrainingTexts.from_knowledge(knowledge).anchors
    out = batches(anchors, 32)
    assert all(len({fact for fact, _ in b}) == len(b) <= 32 for b in out)
    assert sum(len(b) for b in out) > 0.95 * len(anchors)  # few questions left over


def test_the_shipped_decision_model_fits_the_encoder_make_builds(index: FactIndex) -> None:
    assert DEFAULT_EMBEDDING_MODEL == TUNED_MODEL
    name = index.encoder.name
    assert name == read_tuned_name(TUNED_MODEL_DIR) and name.startswith("ofsted-minilm@")
    models = load_decision_models()
    assert select_model(models, name, index.vectors.shape[1]) is models[0] and models[0].uses_pairs


@pytest.mark.slow
def test_an_unbuilt_tuned_encoder_is_built_once_on_first_use(
    few_facts: Knowledge, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without `make model`, the first load builds it; a second finds it built and trains nothing."""
    out = tmp_path / "models" / "ofsted-minilm"
    name = build_tuned_encoder(out, few_facts, QUICK)
    assert read_tuned_name(out) == name
    weights = (out / "model.safetensors").stat().st_mtime_ns
    assert build_tuned_encoder(out, few_facts, QUICK) == name
    assert (out / "model.safetensors").stat().st_mtime_ns == weights
    monkeypatch.setattr("bot.runtime.loading.TUNED_MODEL_DIR", out)
    assert embedding_model_path(TUNED_MODEL) == str(out)  # built: nothing to do
    assert embedding_model_path(BUNDLED_MODEL) == BUNDLED_MODEL
    assert (REPO_ROOT / "models" / "ofsted-minilm") == TUNED_MODEL_DIR


def test_a_folder_where_it_cannot_be_built_is_a_clear_configuration_error(
    few_facts: Knowledge, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    with pytest.raises(SettingsError, match="cannot be built"):
        build_tuned_encoder(blocked / "ofsted-minilm", few_facts, QUICK)
