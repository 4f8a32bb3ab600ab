"""The OpenVINO runtime: the same vectors as the torch model, chosen and refused as configured.

Real model, both runtimes: the OpenVINO transformer is compared with the torch model it was
converted from, on the windows the backfill really encodes.
"""

import numpy as np
import pytest
from django.test import override_settings

from knowledge_app import openvino_runtime
from knowledge_app.embeddings import SentenceTransformerEmbedder, get_embedder
from tests.knowledge_app.helpers import TOPIC_DOCUMENTS, long_document

# Every test loads the real model in both runtimes.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def torch_embedder():
    return SentenceTransformerEmbedder(runtime="torch", bf16=False)


def varied_texts() -> list[str]:
    """More windows than streams times batch size, of many lengths, so order is exercised."""
    words = long_document().split()
    texts = list(TOPIC_DOCUMENTS.values()) + ["Hi.", "A", long_document()]
    texts += [" ".join(words[: 7 * i]) for i in range(1, 40)]
    return texts


def test_the_default_embedder_runs_on_openvino_here(embedder):
    # openvino is in requirements.txt; a silent fallback to torch would cost a third of the
    # backfill's speed, so this fails instead.
    assert embedder.openvino is not None
    assert embedder.inference.startswith("openvino")
    assert embedder.openvino.streams >= 1


def test_openvino_vectors_are_the_torch_models_vectors_in_input_order(embedder, torch_embedder):
    windows = [w for per_text in embedder.windows(varied_texts()) for w in per_text]
    assert len(windows) > embedder.openvino.streams * embedder.encode_batch_size
    ours = embedder.encode(windows)
    reference = torch_embedder.encode(windows)
    assert ours.shape == reference.shape == (len(windows), 384)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() > 0.999, f"window {int(cosines.argmin())} differs: {cosines.min()}"


def test_document_vectors_agree_across_runtimes(embedder, torch_embedder):
    texts = [long_document(), *TOPIC_DOCUMENTS.values()]
    for ours, reference in zip(
        embedder.embed_documents(texts), torch_embedder.embed_documents(texts), strict=True
    ):
        assert ours.windows == reference.windows
        assert float(np.dot(ours.vector, reference.vector)) > 0.999


def test_encode_of_nothing_is_an_empty_matrix(embedder):
    assert embedder.encode([]).shape == (0, 384)


def test_torch_runtime_is_used_when_asked(torch_embedder):
    assert torch_embedder.openvino is None
    assert torch_embedder.inference == "torch float32"


def test_auto_falls_back_to_torch_when_openvino_disagrees(monkeypatch, caplog):
    monkeypatch.setattr(openvino_runtime.OpenVINOTransformer, "agrees_with_torch", lambda s: False)
    with caplog.at_level("INFO", logger="knowledge_app.embeddings"):
        embedder = SentenceTransformerEmbedder(runtime="auto", bf16=False)
    assert embedder.openvino is None
    assert "not OpenVINO" in caplog.text
    assert embedder.encode(["still works"]).shape == (1, 384)


def test_openvino_runtime_required_but_unusable_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(openvino_runtime.OpenVINOTransformer, "agrees_with_torch", lambda s: False)
    with pytest.raises(ValueError, match="EMBEDDING_RUNTIME=openvino: .*differ from torch"):
        SentenceTransformerEmbedder(runtime="openvino")


def test_unknown_runtime_setting_is_refused():
    with override_settings(EMBEDDING_RUNTIME="tensorflow"):
        with pytest.raises(ValueError, match="EMBEDDING_RUNTIME must be one of auto, openvino"):
            get_embedder()
