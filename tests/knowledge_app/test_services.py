"""Documents written through the service: stored with their embedding job, embedded by the job
(run here in-process; tests/knowledge_app/test_upload_queue.py runs a real worker)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from knowledge_app import services
from knowledge_app.embeddings import DEFAULT_MODEL_NAME, content_hash
from knowledge_app.models import KnowledgeBaseDocument
from socrates.errors import ValidationFailed
from tests.queue_helpers import job_statuses

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def test_upload_stores_the_document_with_its_job_and_the_job_embeds_it(project, embedder):
    doc, created = services.document_create(
        project=project,
        user_id=project.owner_id,
        filename="bread.txt",
        content="Knead the dough and bake the bread.",
    )
    assert created and doc.embedding is None
    assert job_statuses(services.EMBED_TASK, document_id=str(doc.pk)) == ["todo"]
    assert services.document_embed(document=doc)
    stored = KnowledgeBaseDocument.objects.get(pk=doc.pk)
    assert stored.embedding is not None
    assert stored.embedding_model == DEFAULT_MODEL_NAME
    assert stored.embedding_content_hash == content_hash(stored.content)
    assert stored.embedding_windows == 1
    assert stored.file_size == len(b"Knead the dough and bake the bread.")
    assert doc.embedded_at == stored.embedded_at


def test_without_the_model_the_document_stays_pending_and_the_backfill_picks_it_up(project, caplog):
    doc, _ = services.document_create(
        project=project, user_id=project.owner_id, filename="a.txt", content="Stars at night."
    )
    with override_settings(EMBEDDING_MODEL="/nonexistent/model/path"):
        assert services.document_embed(document=doc) is False
    assert "Embedding document" in caplog.text and "on upload failed" in caplog.text
    stored = KnowledgeBaseDocument.objects.get(pk=doc.pk)
    assert stored.embedding is None and stored.embedded_at is None

    out = StringIO()
    call_command("backfill_embeddings", stdout=out, stderr=StringIO())
    assert "Embedded 1 documents" in out.getvalue()
    stored.refresh_from_db()
    assert stored.embedding_model == DEFAULT_MODEL_NAME


def test_upload_of_a_document_a_backfill_worker_holds_leaves_it_to_that_worker(project, embedder):
    doc, _ = services.document_create(
        project=project, user_id=project.owner_id, filename="a.txt", content="x", embed=False
    )
    # Another session (a backfill worker) holds the claim.
    from django.db import connections

    other = connections.create_connection("specs")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [services.claim_key(doc.pk)])
        assert services.document_embed(document=doc) is False
    finally:
        other.close()
    assert KnowledgeBaseDocument.objects.get(pk=doc.pk).embedding is None
    assert services.document_embed(document=doc) is True


def test_upload_refuses_a_missing_filename_and_nul_characters(project):
    with pytest.raises(ValidationFailed, match="filename: a file name is required"):
        services.document_create(
            project=project, user_id=project.owner_id, filename=" ", content="text"
        )
    with pytest.raises(ValidationFailed, match="content: text documents cannot contain NUL"):
        services.document_create(
            project=project, user_id=project.owner_id, filename="a.txt", content="a\x00b"
        )
    assert not KnowledgeBaseDocument.objects.exists()


def test_delete_removes_the_document(project, make_document):
    doc = make_document(project, "text")
    services.document_delete(document=doc)
    assert not KnowledgeBaseDocument.objects.filter(pk=doc.pk).exists()
