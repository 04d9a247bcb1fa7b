"""Building the FactIndex from Settings: the one place the CLI and the server load knowledge."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from bot.settings import TUNED_MODEL, TUNED_MODEL_DIR, Settings, SettingsError
from retrieval.answer import warm_up
from retrieval.encoder import SentenceEncoder, load_encoder, read_tuned_name
from retrieval.index import FactIndex
from retrieval.knowledge import require_knowledge

_encoders: dict[str, SentenceEncoder] = {}
_encoders_lock = threading.Lock()


def embedding_model_path(model_name: str) -> str:
    """What sentence-transformers loads for EMBEDDING_MODEL: "tuned" is the encoder `make model`
    builds; any other value passes through. Raises SettingsError when the tuned one is not built."""
    if model_name != TUNED_MODEL:
        return model_name
    if read_tuned_name(TUNED_MODEL_DIR) is None:
        raise SettingsError(
            f"EMBEDDING_MODEL=tuned, but the tuned encoder is not built in {TUNED_MODEL_DIR}: "
            "run `make model` (or `ofsted-bot tune-encoder`), or set EMBEDDING_MODEL=bundled"
        )
    return str(TUNED_MODEL_DIR)


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
