"""Uploads through the real queue: the request stores the document and its job and answers at
once; a real worker process (the real model, loaded there and only there) embeds it; without
the model the document stays pending and the backfill embeds it later."""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from knowledge_app import services
from knowledge_app.embeddings import DEFAULT_MODEL_NAME, content_hash
from knowledge_app.models import KnowledgeBaseDocument
from tests.factories import ProjectFactory, UserFactory
from tests.helpers import BOTH
from tests.knowledge_app.helpers import TOPIC_DOCUMENTS
from tests.queue_helpers import empty_queue, job_statuses, wait_until, worker

pytestmark = [pytest.mark.django_db(databases=BOTH, transaction=True), pytest.mark.slow]

# 256 kB here (about 200 windows: seconds of the model); bench/uploads.py times 2 MB.
SIZE = 256 * 1024


@pytest.fixture(autouse=True)
def _empty_queue():
    empty_queue()
    yield
    empty_queue()


@pytest.fixture
def project():
    owner = UserFactory(username="uploader")
    return ProjectFactory(owner_id=owner.pk, name="Library")


@pytest.fixture
def api(project):
    client = APIClient()
    client.force_authenticate(UserFactory._meta.model.objects.get(pk=project.owner_id))
    return client


def documents_url(project) -> str:
    return f"/api/v2/projects/{project.pk}/knowledge/documents/"


def large_text() -> str:
    text = " ".join(TOPIC_DOCUMENTS.values()) + " "
    return (text * (SIZE // len(text) + 1))[:SIZE]


def test_a_large_upload_answers_pending_and_a_worker_embeds_it(api, project, tmp_path):
    content = large_text()

    response = api.post(
        documents_url(project), {"filename": "big.txt", "content": content}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["embedding_status"] == "pending" and body["file_size"] == SIZE
    with worker(tmp_path) as running:
        wait_until(
            lambda: (
                api.get(f"{documents_url(project)}{body['id']}/").json()["embedding_status"]
                == "embedded"
            ),
            timeout=600,
            what="the worker to embed the document",
            worker=running,
        )
    stored = KnowledgeBaseDocument.objects.get(pk=body["id"])
    assert stored.embedding_model == DEFAULT_MODEL_NAME
    assert stored.embedding_content_hash == content_hash(content)
    assert stored.embedding_windows > 100
    # The job wrote the passages too (the backfill's path), cut from this very text.
    passages = list(stored.passages.order_by("ordinal"))
    assert len(passages) == stored.embedding_windows
    assert stored.passages_content_hash == content_hash(content)
    assert all(content[p.start_offset : p.end_offset] == p.text for p in passages)
    assert job_statuses(services.EMBED_TASK, document_id=body["id"]) == ["succeeded"]
    search = api.get(f"/api/v2/projects/{project.pk}/knowledge/search/", {"q": "bread"}).json()
    assert search["pending_embeddings"] == 0


def test_without_the_model_the_document_stays_pending_and_the_backfill_embeds_it(
    api, project, tmp_path
):
    response = api.post(
        documents_url(project),
        {"filename": "stars.txt", "content": "Stars are far away."},
        format="json",
    )
    document_id = response.json()["id"]

    with worker(tmp_path, EMBEDDING_MODEL="/nonexistent/model", QUEUE_MAX_ATTEMPTS="2") as running:
        wait_until(
            lambda: job_statuses(services.EMBED_TASK, document_id=document_id) == ["failed"],
            timeout=120,
            what="the job to fail after its two attempts",
            worker=running,
        )
        assert "ModelUnavailable" in running.output()

    detail = api.get(f"{documents_url(project)}{document_id}/").json()
    assert detail["embedding_status"] == "pending"
    out = StringIO()
    call_command("backfill_embeddings", stdout=out, stderr=StringIO())
    assert "Embedded 1 documents" in out.getvalue()
    detail = api.get(f"{documents_url(project)}{document_id}/").json()
    assert detail["embedding_status"] == "embedded"
