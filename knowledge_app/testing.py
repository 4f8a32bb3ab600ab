"""A deterministic fake embedder, for batching-mechanics tests and the memory benchmark only.

Everything that checks what a vector *means* (search quality, windowing) uses the real model;
this stand-in exists so that tests of claiming, concurrency and crash recovery, and the memory
benchmark, are not dominated by inference time. Select it with
EMBEDDING_BACKEND=knowledge_app.testing.FakeDeterministicEmbedder.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence

import numpy as np

from knowledge_app.embeddings import (
    EMPTY_CONTENT,
    BaseEmbedder,
    DocumentEmbedding,
    PassageEmbedding,
)

FAKE_MODEL_NAME = "fake-deterministic"
# Its passages: fixed slices of this many characters (no tokenizer), each its own vector.
FAKE_PASSAGE_CHARS = 1000


class FakeDeterministicEmbedder(BaseEmbedder):
    """Map a text to a unit vector seeded by its SHA-256; same text, same vector, no model.

    Environment knobs, read at each call so that tests and subprocesses can steer the one
    cached instance: FAKE_EMBEDDER_DELAY seconds slept per text (to make workers overlap), and
    FAKE_EMBEDDER_FAIL_MARKER: a text containing it fails like a model error would.
    """

    model_name = FAKE_MODEL_NAME

    def __init__(self, model: str = ""):
        self.calls = 0

    def embed_documents(self, texts: Sequence[str]) -> list[DocumentEmbedding]:
        self.calls += 1
        delay = float(os.environ.get("FAKE_EMBEDDER_DELAY") or 0)
        if delay:
            time.sleep(delay * len(texts))
        fail_marker = os.environ.get("FAKE_EMBEDDER_FAIL_MARKER", "")
        return [self._one(text, fail_marker) for text in texts]

    def _one(self, text: str, fail_marker: str) -> DocumentEmbedding:
        if not text or not text.strip():
            return DocumentEmbedding(None, skipped=EMPTY_CONTENT)
        if fail_marker and fail_marker in text:
            return DocumentEmbedding(None, error="RuntimeError: fake model failure")
        passages = tuple(
            PassageEmbedding(
                ordinal,
                start,
                min(start + FAKE_PASSAGE_CHARS, len(text)),
                len(text[start : start + FAKE_PASSAGE_CHARS].split()),
                self._vector(text[start : start + FAKE_PASSAGE_CHARS]),
            )
            for ordinal, start in enumerate(range(0, len(text), FAKE_PASSAGE_CHARS))
        )
        return DocumentEmbedding(self._vector(text), windows=len(passages), passages=passages)

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
        vector = np.random.default_rng(seed).standard_normal(self.dimensions).astype(np.float32)
        return vector / np.linalg.norm(vector)
