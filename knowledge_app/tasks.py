"""The queue's tasks of knowledge_app (procrastinate imports this module in every worker).

``knowledge.sync_project_indexes`` (periodic, every 15 minutes) gives large projects their own HNSW
index (services.project_indexes_sync).

``knowledge.embed_document`` embeds one uploaded document through the backfill's own code path
(services.document_embed: the same claim, hash check and model bookkeeping), so a backfill
running at the same time never embeds it twice. The model is loaded once per worker process,
never by a web process. A model that does not load is a transient error: the job is retried
with backoff; after the last attempt the job ends failed and the document stays pending, for
`backfill_embeddings` to embed (and report) later.
"""

from __future__ import annotations

import logging
import uuid

from django.db import close_old_connections
from procrastinate.contrib.django import app

from knowledge_app import services
from knowledge_app.embeddings import configured_model_name, content_hash, get_embedder
from knowledge_app.models import KnowledgeBaseDocument
from socrates import phases, queue
from socrates.db import SPECS_DB

logger = logging.getLogger("knowledge_app.tasks")


# The phase whose schema holds knowledge_base_documents.
KNOWLEDGE_PHASE = 5


class ModelUnavailable(OSError):
    """The embedding model could not be loaded in this worker (for now)."""


@app.task(
    name=services.EMBED_TASK, queue="embedding", pass_context=True, retry=queue.transient_retry()
)
def embed_document(context, document_id: str) -> None:
    close_old_connections()
    if not phases.phase_enabled(KNOWLEDGE_PHASE):
        logger.warning("Embedding job %s skipped: below phase %s", document_id, KNOWLEDGE_PHASE)
        return
    try:
        document = (
            KnowledgeBaseDocument.objects.using(SPECS_DB).filter(pk=uuid.UUID(document_id)).first()
        )
        if document is None:
            return  # deleted since the upload
        if (
            document.embedded_at is not None
            and document.embedding_model == configured_model_name()
            and document.embedding_content_hash == content_hash(document.content)
            and document.passages_content_hash == document.embedding_content_hash
        ):
            return  # a backfill got there first
        try:
            embedder = get_embedder()
        except Exception as exc:
            raise ModelUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not services.document_embed(document=document, embedder=embedder):
            logger.info("Document %s left for the backfill", document_id)
    finally:
        close_old_connections()


@app.periodic(cron="*/15 * * * *", periodic_id="project-passage-indexes")
@app.task(
    name="knowledge.sync_project_indexes",
    queue="maintenance",
    queueing_lock="knowledge.sync_project_indexes",
)
def sync_project_indexes(timestamp: int) -> None:
    """Every quarter of an hour: each large project gets its own HNSW index of passages, and
    loses it when it is large no longer (services.project_indexes_sync; builds CONCURRENTLY)."""
    close_old_connections()
    if not phases.phase_enabled(KNOWLEDGE_PHASE):
        return
    try:
        services.project_indexes_sync(
            on_change=lambda change: logger.info(
                "Project %s (%s passages): index %s in %.1f s",
                change.project_id,
                change.passages,
                {"create": "built", "rebuild": "rebuilt", "drop": "dropped"}[change.action],
                change.seconds,
            )
        )
    except services.ProjectIndexSyncBusy:
        logger.info("Project indexes: another sync is running; this one skipped")
    finally:
        close_old_connections()
