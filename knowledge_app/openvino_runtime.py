"""Run a sentence-transformers model's transformer in OpenVINO; pooling stays in torch.

Why: on CPUs, OpenVINO's fused attention and bf16 kernels encode all-MiniLM-L6-v2 about 1.3x
faster than torch with bf16 autocast, and 1.7x faster than torch float32, from the very same
weights (vectors within 1e-4 cosine of float32 torch). Its throughput mode also runs one
inference stream per core group, so a batch of windows is spread over the cores.

The torch transformer is converted in memory when the embedder loads (about 2 s for MiniLM);
nothing is written to disk. Tokenising (`preprocess`) and the modules after the transformer
(pooling, normalisation) are the sentence-transformers model's own, so the vectors are the
model's vectors: `OpenVINOTransformer.agrees_with_torch` checks that on probe texts at load, and
the embedder falls back to torch when it does not hold.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import torch

PROBE_TEXTS = (
    "Hello.",
    "The knowledge base keeps project documents so that the assistant can find the passage "
    "that answers a question, even when the question uses other words than the document.",
)


class UnsupportedModel(Exception):
    """The model's first module is not a plain text transformer this runtime can convert."""


class OpenVINOTransformer:
    """The first module of a SentenceTransformer, compiled for OpenVINO's CPU plugin."""

    def __init__(self, model, *, precision: str | None = None):
        """Convert `model[0]` (a sentence_transformers Transformer) and compile it.

        precision: OpenVINO's INFERENCE_PRECISION_HINT ("bf16", "f32"); None leaves the
        plugin's default, which is bf16 exactly on CPUs with native bf16.
        """
        import openvino
        from transformers.utils import logging as transformers_logging

        self.model = model
        first = model[0]
        auto_model = getattr(first, "auto_model", None)
        if auto_model is None or getattr(first, "module_output_name", "") != "token_embeddings":
            raise UnsupportedModel(f"{type(first).__name__} is not a text transformer module")
        probe = model.preprocess(list(PROBE_TEXTS))
        self.input_names = [
            name
            for name in ("input_ids", "attention_mask", "token_type_ids")
            if isinstance(probe.get(name), torch.Tensor)
        ]
        if self.input_names[:2] != ["input_ids", "attention_mask"]:
            raise UnsupportedModel(f"unexpected tokenizer outputs {sorted(probe)}")
        wrapper = _LastHiddenState(auto_model.eval(), self.input_names)
        verbosity = transformers_logging.get_verbosity()
        with torch.no_grad(), warnings.catch_warnings():
            # Tracing warns about Python branches on shapes (the agreement check covers them)
            # and transformers about config fields: noise next to the backfill's progress bar.
            warnings.simplefilter("ignore")
            transformers_logging.set_verbosity_error()
            try:
                converted = openvino.convert_model(
                    wrapper, example_input=tuple(probe[name] for name in self.input_names)
                )
            finally:
                transformers_logging.set_verbosity(verbosity)
        config = {"PERFORMANCE_HINT": "THROUGHPUT"}
        if precision:
            config["INFERENCE_PRECISION_HINT"] = precision
        self.compiled = openvino.Core().compile_model(converted, "CPU", config)
        hint = self.compiled.get_property("INFERENCE_PRECISION_HINT")
        self.precision = hint.to_string() if hasattr(hint, "to_string") else str(hint)
        self.streams = max(1, int(self.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))
        self.tail = [module for index, module in enumerate(model) if index > 0]

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Return the unit vectors of texts that fit the model's window, float32, input order.

        Longest first, in sub-batches spread over the inference streams (a handful of windows
        still uses every stream); each finished sub-batch is pooled at once, so only the token
        embeddings of the batches in flight are held.
        """
        import openvino

        count = len(texts)
        if count == 0:
            return np.empty((0, self.model.get_embedding_dimension()), dtype=np.float32)
        order = sorted(range(count), key=lambda i: len(texts[i]), reverse=True)
        size = max(1, min(batch_size, math.ceil(count / self.streams)))
        chunks = [order[start : start + size] for start in range(0, count, size)]
        vectors: list[np.ndarray | None] = [None] * count
        errors: list[BaseException] = []

        def pooled(request, userdata) -> None:
            indices, features = userdata
            try:
                hidden = np.array(request.get_output_tensor(0).data, dtype=np.float32)
                for index, vector in zip(indices, self._pool(hidden, features), strict=True):
                    vectors[index] = vector
            except BaseException as exc:  # raised again in the caller's thread below
                errors.append(exc)

        queue = openvino.AsyncInferQueue(self.compiled, min(self.streams, len(chunks)))
        queue.set_callback(pooled)
        for indices in chunks:
            features = self.model.preprocess([texts[i] for i in indices])
            inputs = [features[name].numpy() for name in self.input_names]
            queue.start_async(inputs, (indices, features))
        queue.wait_all()
        if errors:
            raise errors[0]
        result = np.stack(vectors).astype(np.float32, copy=False)
        norms = np.linalg.norm(result, axis=1, keepdims=True)
        return result / np.where(norms == 0, 1, norms)

    def _pool(self, hidden: np.ndarray, features: dict) -> np.ndarray:
        features["token_embeddings"] = torch.from_numpy(hidden)
        with torch.no_grad():
            for module in self.tail:
                features = module(features)
        return features["sentence_embedding"].float().numpy()

    def agrees_with_torch(self, *, min_cosine: float = 0.999) -> bool:
        """Whether this runtime gives the torch model's vectors for the probe texts."""
        reference = self.model.encode(
            list(PROBE_TEXTS), normalize_embeddings=True, convert_to_numpy=True
        )
        ours = self.encode(PROBE_TEXTS, batch_size=len(PROBE_TEXTS))
        cosines = (np.asarray(reference, dtype=np.float32) * ours).sum(axis=1)
        return bool(np.all(np.isfinite(cosines)) and cosines.min() >= min_cosine)


class _LastHiddenState(torch.nn.Module):
    """Positional inputs in, the transformer's last hidden state out (what tracing needs)."""

    def __init__(self, auto_model, input_names: list[str]):
        super().__init__()
        self.auto_model = auto_model
        self.input_names = input_names

    def forward(self, *inputs):
        kwargs = dict(zip(self.input_names, inputs, strict=True))
        return self.auto_model(**kwargs, return_dict=True).last_hidden_state
