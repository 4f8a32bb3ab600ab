"""`manage.py backfill_embeddings` in process, with the real model and real PostgreSQL."""

from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from knowledge_app.embeddings import DEFAULT_MODEL_NAME, content_hash, get_embedder
from knowledge_app.models import KnowledgeBaseDocument
from knowledge_app.testing import FAKE_MODEL_NAME
from tests.factories import ProjectFactory
from tests.knowledge_app.helpers import FAKE_BACKEND, TOPIC_DOCUMENTS, long_document

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def backfill(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("backfill_embeddings", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def embedded_at_by_id() -> dict:
    return dict(KnowledgeBaseDocument.objects.values_list("id", "embedded_at"))


@pytest.fixture
def documents(project, make_document, embedder):
    docs = [make_document(project, text, name) for name, text in TOPIC_DOCUMENTS.items()]
    docs.append(make_document(project, long_document(), "long.txt"))
    return docs


def test_backfill_embeds_every_missing_document_with_model_hash_and_windows(documents):
    out, _err = backfill("--batch-size", "4")
    assert "6 document(s) to embed" in out
    assert "Embedded 6 documents; skipped 0; failed 0;" in out
    for doc in KnowledgeBaseDocument.objects.all():
        assert doc.embedding_model == DEFAULT_MODEL_NAME
        assert doc.embedding_content_hash == content_hash(doc.content)
        assert doc.embedded_at is not None
        assert np.linalg.norm(doc.embedding) == pytest.approx(1.0, abs=1e-4)
        expected_windows = (
            1 if doc.filename != "long.txt" else len(get_embedder().windows([doc.content])[0])
        )
        assert doc.embedding_windows == expected_windows
    assert KnowledgeBaseDocument.objects.get(filename="long.txt").embedding_windows >= 3


def test_second_run_embeds_nothing(documents, tmp_path):
    backfill()
    before = embedded_at_by_id()
    log = tmp_path / "calls.log"
    out, _err = backfill("--log-embedded", str(log))
    assert "0 document(s) to embed" in out
    assert "Embedded 0 documents" in out
    assert embedded_at_by_id() == before
    assert not log.exists()  # the model was not called at all


def test_changed_content_makes_only_that_document_stale_and_the_next_run_reembeds_it(
    documents, tmp_path
):
    backfill()
    before = embedded_at_by_id()
    changed = documents[1]
    KnowledgeBaseDocument.objects.filter(pk=changed.pk).update(
        content="The Hubble space telescope photographed a distant spiral galaxy."
    )
    dry, _err = backfill("--dry-run")
    assert "would embed 1 of 1 document(s) (content changed: 1)" in dry

    log = tmp_path / "calls.log"
    out, _err = backfill("--log-embedded", str(log))
    assert "Embedded 1 documents" in out
    assert log.read_text().split() == [str(changed.pk)]
    after = embedded_at_by_id()
    assert after[changed.pk] > before[changed.pk]
    assert {k: v for k, v in after.items() if k != changed.pk} == {
        k: v for k, v in before.items() if k != changed.pk
    }
    changed.refresh_from_db()
    assert changed.embedding_content_hash == content_hash(changed.content)


def test_document_embedded_by_another_model_is_stale_unless_told_missing_only(documents):
    backfill()
    KnowledgeBaseDocument.objects.filter(pk=documents[0].pk).update(embedding_model="old-model")
    out, _err = backfill("--dry-run")
    assert "would embed 1 of 1 document(s) (other model: 1)" in out
    out, _err = backfill("--dry-run", "--no-reembed-stale")
    assert "would embed 0 of 0 document(s)" in out
    out, _err = backfill()
    assert "Embedded 1 documents" in out
    assert KnowledgeBaseDocument.objects.filter(embedding_model=DEFAULT_MODEL_NAME).count() == 6


def test_dry_run_counts_by_reason_and_writes_nothing(documents):
    out, err = backfill("--dry-run", "--limit", "4")
    assert out.strip() == (
        f"Dry run: would embed 4 of 6 document(s) (missing: 6) with {DEFAULT_MODEL_NAME} "
        "in batches of 128. Nothing written."
    )
    assert err == ""
    assert not KnowledgeBaseDocument.objects.exclude(embedding=None).exists()
    assert not KnowledgeBaseDocument.objects.exclude(embedded_at=None).exists()


def test_all_reembeds_every_document_once(documents, tmp_path):
    backfill()
    before = embedded_at_by_id()
    log = tmp_path / "calls.log"
    out, _err = backfill("--all", "--batch-size", "4", "--log-embedded", str(log))
    assert "Embedded 6 documents" in out
    assert sorted(log.read_text().split()) == sorted(str(d.pk) for d in documents)
    after = embedded_at_by_id()
    assert all(after[pk] > before[pk] for pk in before)


def test_limit_and_project_narrow_the_run(documents, make_document):
    other = ProjectFactory()
    theirs = make_document(other, "Knitting a wool scarf with circular needles.", "knit.txt")
    out, _err = backfill("--project", str(other.pk))
    assert "Embedded 1 documents" in out
    assert KnowledgeBaseDocument.objects.exclude(embedding=None).get().pk == theirs.pk
    out, _err = backfill("--limit", "2", "--batch-size", "1")
    assert "Embedded 2 documents" in out
    assert KnowledgeBaseDocument.objects.filter(embedding=None).count() == 4


def test_empty_document_is_skipped_with_its_reason_and_the_run_succeeds(project, make_document):
    empty = make_document(project, "   \n", "blank.txt")
    make_document(project, "Saturn's rings are made of ice.", "saturn.txt")
    out, err = backfill("-v", "2")
    assert "Embedded 1 documents; skipped 1 (empty content: 1); failed 0;" in out
    assert f"Skipped {empty.pk}: empty content" in out
    assert "Failed" not in err
    empty.refresh_from_db()
    assert empty.embedding is None


@override_settings(EMBEDDING_BACKEND=FAKE_BACKEND)
def test_model_error_fails_that_document_only_and_exits_1(project, make_document, monkeypatch):
    # Batching mechanics: the named fake embedder fails on a marker, like a model error would.
    monkeypatch.setenv("FAKE_EMBEDDER_FAIL_MARKER", "POISON")
    bad = make_document(project, "POISON in the text", "bad.txt")
    for index in range(5):
        make_document(project, f"fine document number {index}", f"ok{index}.txt")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("backfill_embeddings", "--batch-size", "3", stdout=out, stderr=err)
    assert failure.value.returncode == 1
    assert str(failure.value) == "1 document(s) could not be embedded; see the lines above."
    assert f"Failed {bad.pk}: RuntimeError: fake model failure" in err.getvalue()
    assert (
        "Embedded 5 documents; skipped 0; failed 1 (model error: RuntimeError: fake model "
        "failure: 1);" in out.getvalue()
    )
    assert KnowledgeBaseDocument.objects.filter(embedding_model=FAKE_MODEL_NAME).count() == 5


def test_write_skips_a_document_whose_content_changed_while_it_was_embedded(
    project, make_document, monkeypatch
):
    doc = make_document(project, "Original text about comets.", "comet.txt")
    embedder = get_embedder()
    original = embedder.embed_prepared

    def embed_then_edit(prepared):
        results = original(prepared)
        # Someone edits the document while the model runs.
        KnowledgeBaseDocument.objects.filter(pk=doc.pk).update(content="Edited text about rain.")
        return results

    monkeypatch.setattr(embedder, "embed_prepared", embed_then_edit)
    out, _err = backfill()
    assert "skipped 1 (content changed or document deleted while embedding: 1)" in out
    doc.refresh_from_db()
    assert doc.embedding is None  # never a vector of text the row no longer holds


def test_bad_options_are_refused_with_clear_messages():
    with pytest.raises(CommandError, match="--database 'nope' is not a configured database"):
        backfill("--database", "nope")
    with pytest.raises(CommandError, match="--database 'default' does not hold"):
        backfill("--database", "default")
    with pytest.raises(CommandError, match="--all and --no-reembed-stale contradict"):
        backfill("--all", "--no-reembed-stale")
    with pytest.raises(CommandError, match="must be at least 1"):
        backfill("--batch-size", "0")
    with pytest.raises(CommandError, match="is not a project UUID"):
        backfill("--project", "42")


@pytest.mark.parametrize(
    ("batch_size", "left", "expected"),
    [
        (32, 100, [32, 32, 12, 8, 6, 4, 4, 2]),
        (128, 512, [128, 128, 128, 43, 29, 19, 16, 16, 5]),
        (4, 3, [1, 1, 1]),
        (128, 200, [67, 45, 30, 20, 16, 16, 6]),
    ],
)
def test_the_last_batches_shrink_so_the_final_write_is_short(batch_size, left, expected):
    """The pipeline ends by waiting for its last write; the tail's batches shrink so that last
    one is small, and each still gets the work it was counted for."""
    from knowledge_app.backfill import EmbeddingBackfill

    backfill = EmbeddingBackfill(
        model_name=FAKE_MODEL_NAME, embedder_factory=lambda: None, batch_size=batch_size
    )
    sizes = []
    while left:
        sizes.append(backfill._batch_size_for(left))
        left -= sizes[-1]
    assert sizes == expected
    # Not knowing what is left (no count, or the count used up by new documents): full.
    assert backfill._batch_size_for(None) == backfill._batch_size_for(0) == batch_size


def test_a_backfill_claims_full_batches_then_a_shrinking_tail(project, make_document):
    """End to end: 100 documents in batches of 32 are claimed 32, 32, then fewer, each written;
    the model sees each batch once."""
    from knowledge_app.backfill import EmbeddingBackfill
    from knowledge_app.testing import FakeDeterministicEmbedder

    claimed = []

    class Recording(FakeDeterministicEmbedder):
        def prepare(self, texts):
            claimed.append(len(texts))
            return super().prepare(texts)

    for index in range(100):
        make_document(project, f"document number {index} about nothing in particular", f"{index}")
    run = EmbeddingBackfill(
        model_name=FAKE_MODEL_NAME, embedder_factory=Recording, batch_size=32
    ).run()
    assert claimed == [32, 32, 12, 8, 6, 4, 4, 2]
    assert run.embedded == 100
    assert KnowledgeBaseDocument.objects.filter(embedding=None).count() == 0
