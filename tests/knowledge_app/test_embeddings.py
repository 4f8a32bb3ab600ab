"""The embedding service with the real all-MiniLM-L6-v2: windows, normalisation, failures."""

import numpy as np
import pytest

from knowledge_app.embeddings import (
    DEFAULT_MODEL_NAME,
    EMPTY_CONTENT,
    content_hash,
    get_embedder,
)
from tests.knowledge_app.helpers import LONG_PASSAGE, long_document


def token_count(embedder, text: str) -> int:
    return len(embedder.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])


def test_embedder_is_loaded_once_per_process_and_names_the_default_model(embedder):
    assert get_embedder() is embedder
    assert embedder.model_name == DEFAULT_MODEL_NAME
    assert embedder.dimensions == 384
    assert embedder.window_tokens == 254  # 256 word pieces less [CLS] and [SEP]


def test_short_text_is_one_window_and_a_unit_vector(embedder):
    (result,) = embedder.embed_documents(["Bake the bread in a hot oven."])
    assert result.windows == 1
    assert result.vector.shape == (384,)
    assert result.vector.dtype == np.float32
    assert np.linalg.norm(result.vector) == pytest.approx(1.0, abs=1e-5)


def test_long_text_is_split_into_overlapping_windows_that_the_model_reads_whole(embedder):
    text = long_document()
    assert token_count(embedder, text) > 256
    (windows,) = embedder.windows([text])
    assert len(windows) >= 3
    assert all(token_count(embedder, window) <= embedder.window_tokens for window in windows)
    # Overlap: each window begins with words the previous one ended with.
    for previous, current in zip(windows, windows[1:], strict=False):
        assert current[:40] in previous
    # Nothing is lost: the passage past the first 256 tokens is in some window.
    assert any(LONG_PASSAGE[:60] in window for window in windows)
    assert windows[-1].endswith(text.rstrip()[-40:])


def test_long_document_vector_is_the_normalised_mean_of_its_window_vectors(embedder):
    text = long_document()
    (result,) = embedder.embed_documents([text])
    (windows,) = embedder.windows([text])
    assert result.windows == len(windows)
    mean = embedder.encode(windows).mean(axis=0)
    expected = mean / np.linalg.norm(mean)
    assert float(np.dot(result.vector, expected)) == pytest.approx(1.0, abs=1e-5)
    assert np.linalg.norm(result.vector) == pytest.approx(1.0, abs=1e-5)


def test_a_batch_gives_the_same_vectors_as_one_text_at_a_time(embedder):
    texts = ["Plant tomatoes after the frost.", long_document(), "Jupiter has many moons."]
    batch = embedder.embed_documents(texts)
    for text, result in zip(texts, batch, strict=True):
        (alone,) = embedder.embed_documents([text])
        assert float(np.dot(alone.vector, result.vector)) == pytest.approx(1.0, abs=1e-3)


def test_empty_content_is_skipped_with_its_reason_without_sinking_the_batch(embedder):
    results = embedder.embed_documents(["", "  \n\t", "Real text about gardening."])
    assert [r.skipped for r in results] == [EMPTY_CONTENT, EMPTY_CONTENT, None]
    assert results[2].ok and results[2].windows == 1


def test_a_model_error_on_one_text_fails_only_that_text(embedder, monkeypatch):
    original = embedder.encode

    def encode(texts):
        if any("poison" in text for text in texts):
            raise RuntimeError("model exploded")
        return original(texts)

    monkeypatch.setattr(embedder, "encode", encode)
    results = embedder.embed_documents(["good text about stars", "poison pill", "more text"])
    assert results[0].ok and results[2].ok
    assert results[1].vector is None
    assert results[1].error == "RuntimeError: model exploded"


def test_content_hash_is_the_hex_sha256_of_the_utf8_bytes():
    assert content_hash("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert content_hash("é") != content_hash("e")
