"""Building the FactIndex from Settings: the one place the CLI and the server load knowledge."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import DEFAULT_KNOWLEDGE_DIR, TUNED_MODEL, TUNED_MODEL_DIR, Settings, SettingsError
from retrieval.answer import warm_up
from retrieval.encoder import BUNDLED_MODEL, SentenceEncoder, load_encoder, read_tuned_name
from retrieval.index import FactIndex
from retrieval.knowledge import Knowledge, require_knowledge

if TYPE_CHECKING:
    from retrieval.tuning import TuningRecipe

log = logging.getLogger(__name__)

_encoders: dict[str, SentenceEncoder] = {}
_encoders_lock = threading.Lock()


def embedding_model_path(model_name: str) -> str:
    """What sentence-transformers loads for EMBEDDING_MODEL: "tuned" is the encoder `make model`
    builds (built now, once, if it is not there yet); any other value passes through."""
    if model_name != TUNED_MODEL:
        return model_name
    if read_tuned_name(TUNED_MODEL_DIR) is None:
        build_tuned_encoder(TUNED_MODEL_DIR, require_knowledge(DEFAULT_KNOWLEDGE_DIR))
    return str(TUNED_MODEL_DIR)


def build_tuned_encoder(
    output_dir: Path,
    knowledge: Knowledge,
    recipe: TuningRecipe | None = None,
    base_model: str = BUNDLED_MODEL,
    rebuild: bool = False,
    progress: Callable[[str], None] = log.info,
) -> str:
    """The tuned encoder in ``output_dir``, built from ``base_model`` unless it is there (or
    always, with ``rebuild``: `make model`, ``ofsted-bot tune-encoder``); without make, the first
    load builds it (1-2 minutes). Under a lock, so that processes starting together build it
    once. Returns its name."""
    from retrieval.tuning import TuningRecipe, fine_tune_encoder  # imports torch

    base_path = embedding_model_path(base_model)  # before the lock: "tuned" may build itself
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        with open(output_dir.parent / f".{output_dir.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            built = read_tuned_name(output_dir)
            if built is not None and not rebuild:  # e.g. another process built it meanwhile
                return built
            if not rebuild:
                log.warning("the tuned encoder is not built: building it in %s (1-2 min, once)", output_dir)
            base = load_encoder(base_path)  # its own copy: it is trained in place
            return fine_tune_encoder(knowledge, base, output_dir, recipe or TuningRecipe(), progress=progress)
    except OSError as exc:
        raise SettingsError(
            f"EMBEDDING_MODEL=tuned, but the tuned encoder cannot be built in {output_dir} ({exc}): "
            "run `make model`, or set EMBEDDING_MODEL=bundled"
        ) from exc


def shared_encoder(model_name: str) -> SentenceEncoder:
    """One encoder per model per process: a reload reuses the loaded model."""
    with _encoders_lock:
        if model_name not in _encoders:
            _encoders[model_name] = load_encoder(embedding_model_path(model_name))
        return _encoders[model_name]


def load_fact_index(
    settings: Settings, extra_files: Iterable[Path] = (), show_progress: bool | None = None
) -> FactIndex:
    """Validate the knowledge folder and build its index; raises KnowledgeError on any error."""
    knowledge = require_knowledge(settings.knowledge_dir, extra_files)
    encoder = shared_encoder(settings.embedding_model)
    index = FactIndex.build(knowledge, encoder, cache_dir=settings.cache_dir, show_progress=show_progress)
    warm_up(index)
    return index
