"""Building the FactIndex from Settings: the one place the CLI and the server load knowledge."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from bot.settings import Settings
from retrieval.answer import warm_up
from retrieval.encoder import SentenceEncoder, load_encoder
from retrieval.index import FactIndex
from retrieval.knowledge import require_knowledge

_encoders: dict[str, SentenceEncoder] = {}
_encoders_lock = threading.Lock()


def shared_encoder(model_name: str) -> SentenceEncoder:
    """One encoder per model per process: a reload reuses the loaded model."""
    with _encoders_lock:
        if model_name not in _encoders:
            _encoders[model_name] = load_encoder(model_name)
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
