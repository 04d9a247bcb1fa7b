"""Building the FactIndex from Settings: the one place the CLI and the server load knowledge."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.runtime.settings import DEFAULT_KNOWLEDGE_DIR, TUNED_MODEL, TUNED_MODEL_DIR, Settings, SettingsError
from retrieval.knowledge.schema import Knowledge, require_knowledge
from retrieval.matching.answer import warm_up
from retrieval.matching.encoder import BUNDLED_MODEL, SentenceEncoder, load_encoder, read_tuned_name
from retrieval.matching.index import FactIndex

if TYPE_CHECKING:
    from retrieval.evaluation.tuning import TuningRecipe

log = logging.getLogger(__name__)

_encoders: dict[str, SentenceEncoder] = {}
# The folder of the encoder tuned on the knowledge without its hand-written questions, beside the
# tuned one: what `eval --without-example-questions` and `calibrate` measure with.
WITHOUT_QUESTIONS_SUFFIX = "-without-questions"
_encoders_lock = threading.Lock()


def embedding_model_path(model_name: str, tuned_dir: Path | None = None) -> str:
    """What sentence-transformers loads for EMBEDDING_MODEL: "tuned" is the encoder `make model`
    builds in ``tuned_dir`` (built now, once, if it is not there yet); any other value passes through."""
    if model_name != TUNED_MODEL:
        return model_name
    tuned_dir = tuned_dir or TUNED_MODEL_DIR
    if read_tuned_name(tuned_dir) is None:
        build_tuned_encoder(tuned_dir, require_knowledge(DEFAULT_KNOWLEDGE_DIR))
    return str(tuned_dir)


def build_tuned_encoder(
    output_dir: Path,
    knowledge: Knowledge,
    recipe: TuningRecipe | None = None,
    base_model: str = BUNDLED_MODEL,
    rebuild: bool = False,
    progress: Callable[[str], None] = log.info,
    rebuild_when_stale: bool = False,
) -> str:
    """The tuned encoder in ``output_dir``, built from ``base_model`` unless it is there (or
    always, with ``rebuild``: `make model`, ``ofsted-bot tune-encoder``); without make, the first
    load builds it (1-2 minutes). Under a lock, so that processes starting together build it
    once. ``rebuild_when_stale``: also build it again when it was tuned on other knowledge.
    Returns its name."""
    from retrieval.evaluation.tuning import TuningRecipe, fine_tune_encoder, tuned_on  # imports torch

    base_path = embedding_model_path(base_model)  # before the lock: "tuned" may build itself
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        with open(output_dir.parent / f".{output_dir.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            built = read_tuned_name(output_dir)
            # e.g. another process built it meanwhile
            if (
                built is not None
                and not rebuild
                and not (rebuild_when_stale and not tuned_on(built, knowledge))
            ):
                return built
            if not rebuild:
                log.warning(
                    "the tuned encoder is not built: building it in %s (a few minutes on 2 cores, once)",
                    output_dir,
                )
            base = load_encoder(base_path)  # its own copy: it is trained in place
            return fine_tune_encoder(knowledge, base, output_dir, recipe or TuningRecipe(), progress=progress)
    except OSError as exc:
        raise SettingsError(
            f"EMBEDDING_MODEL=tuned, but the tuned encoder cannot be built in {output_dir} ({exc}): "
            "run `make model`, or set EMBEDDING_MODEL=bundled"
        ) from exc


def shared_encoder(model_name: str, tuned_dir: Path | None = None) -> SentenceEncoder:
    """One encoder per model per process: a reload reuses the loaded model, unless the tuned
    encoder's folder now holds a newer one (tuned again for changed knowledge)."""
    tuned_dir = tuned_dir or TUNED_MODEL_DIR
    key = f"{model_name}@{tuned_dir}" if model_name == TUNED_MODEL else model_name
    with _encoders_lock:
        loaded = _encoders.get(key)
        if loaded is None or (model_name == TUNED_MODEL and read_tuned_name(tuned_dir) != loaded.name):
            _encoders[key] = load_encoder(embedding_model_path(model_name, tuned_dir))
        return _encoders[key]


def without_questions_model_dir(tuned_dir: Path | None = None) -> Path:
    tuned_dir = tuned_dir or TUNED_MODEL_DIR
    return tuned_dir.with_name(f"{tuned_dir.name}{WITHOUT_QUESTIONS_SUFFIX}")


def index_without_example_questions(settings: Settings) -> FactIndex:
    """The knowledge with every hand-written example question removed, indexed as the product
    would index it had an admin written none: with EMBEDDING_MODEL=tuned, by an encoder tuned on
    that knowledge alone (built beside the tuned one, again whenever the knowledge changes)."""
    knowledge = require_knowledge(settings.knowledge_dir).without_example_questions()
    model = settings.embedding_model
    if model == TUNED_MODEL:
        model_dir = without_questions_model_dir(settings.tuned_model_dir)
        build_tuned_encoder(model_dir, knowledge, rebuild_when_stale=True)
        encoder = load_encoder(str(model_dir))
    else:
        encoder = shared_encoder(model, settings.tuned_model_dir)
    return FactIndex.build(knowledge, encoder, cache_dir=settings.cache_dir)


def load_fact_index(
    settings: Settings, extra_files: Iterable[Path] = (), show_progress: bool | None = None
) -> FactIndex:
    """Validate the knowledge folder and build its index; raises KnowledgeError on any error."""
    knowledge = require_knowledge(settings.knowledge_dir, extra_files)
    encoder = shared_encoder(settings.embedding_model, settings.tuned_model_dir)
    index = FactIndex.build(knowledge, encoder, cache_dir=settings.cache_dir, show_progress=show_progress)
    warm_up(index)
    return index
