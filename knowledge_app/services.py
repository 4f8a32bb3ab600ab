"""Writes of the knowledge base: documents and their embeddings.

An embedding is written only where the document's content still has the hash it had when it was
read, in one statement per batch, so a vector can never describe text the row no longer holds.

Claims: while a document is being embedded its id is held with a session-level advisory lock
(`pg_try_advisory_lock(bigint)`, key = the first 64 bits of the UUID). See knowledge_app.backfill
for why advisory locks rather than a lease column.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connections, transaction
from django.db.models import TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from knowledge_app.embeddings import PassageEmbedding, content_hash
from knowledge_app.models import KnowledgeBaseDocument
from knowledge_app.selectors import (
    PASSAGES,
    TABLE,
    content_hash_sql,
    forget_indexed_projects,
    project_index_name,
    project_indexes,
    vector_literal,
)
from socrates import migration_safety, queue
from socrates.db import SPECS_DB
from socrates.errors import ValidationFailed

logger = logging.getLogger("knowledge_app.services")

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

# The advisory-lock key of a document: the first 16 hex digits of its UUID as a signed bigint.
CLAIM_KEY_SQL = "('x' || translate(left({column}::text, 18), '-', ''))::bit(64)::bigint"


def claim_key(document_id: uuid.UUID) -> int:
    """Return the advisory-lock key of a document (the same number CLAIM_KEY_SQL computes)."""
    return int.from_bytes(document_id.bytes[:8], "big", signed=True)


@dataclass(frozen=True, slots=True)
class EmbeddingRow:
    """One document's vector and passages to store, with the hash of the content they were
    computed from."""

    document_id: uuid.UUID
    vector: np.ndarray
    content_hash: str
    windows: int
    passages: Sequence[PassageEmbedding] = ()
    content: str = ""  # the text that was embedded: the passages' texts are cut from it


def embeddings_write(
    *, rows: Sequence[EmbeddingRow], model_name: str, using: str = SPECS_DB
) -> set[uuid.UUID]:
    """Store a batch of vectors and their passages in one transaction; return the ids written.

    Three statements whatever the batch size: one UPDATE of the documents' vectors, one DELETE
    of the passages of exactly the documents updated, one binary COPY of their new passages
    (no per-passage statement, no vector printed as text). A row whose content changed (or that
    was deleted) since it was read is left alone, its old passages too: its hash no longer
    matches, so it stays stale and a later backfill embeds the new text. The transaction makes
    a document's vector and its passages appear together, never one without the other.
    """
    if not rows:
        return set()
    values = ", ".join(["(%s::uuid, %s::vector, %s::text, %s::integer)"] * len(rows))
    params: list = []
    for row in rows:
        params += [row.document_id, vector_literal(row.vector), row.content_hash, row.windows]
    update_sql = f"""
        UPDATE {TABLE} AS d
        SET embedding = v.embedding,
            embedding_model = %s,
            embedding_content_hash = v.content_hash,
            embedding_windows = v.windows,
            passages_content_hash = v.content_hash,
            embedded_at = statement_timestamp()
        FROM (VALUES {values}) AS v(id, embedding, content_hash, windows)
        WHERE d.id = v.id AND {content_hash_sql("d.content")} = v.content_hash
        RETURNING d.id, d.project_id
    """
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(update_sql, [model_name, *params])
        written = dict(cursor.fetchall())
        if written:
            cursor.execute(f"DELETE FROM {PASSAGES} WHERE document_id = ANY(%s)", [list(written)])
            _copy_passages(connection.connection, rows, written, model_name)
        return set(written)


PASSAGE_COLUMNS = (
    ("document_id", "uuid"),
    ("project_id", "uuid"),
    ("ordinal", "int4"),
    ("start_offset", "int4"),
    ("end_offset", "int4"),
    ("token_count", "int4"),
    ("text", "text"),
    ("embedding", "vector"),
    ("embedding_model", "varchar"),
    ("content_hash", "varchar"),
    ("created_at", "timestamptz"),
)


def _copy_passages(raw, rows: Sequence[EmbeddingRow], written: dict, model_name: str) -> None:
    """COPY the passages of the written documents (binary; same session, same transaction)."""
    from pgvector.psycopg.vector import register_vector_info
    from psycopg.types import TypeInfo

    now = timezone.now()
    columns = ", ".join(name for name, _type in PASSAGE_COLUMNS)
    with raw.cursor() as cursor:
        # The binary vector format on this cursor only: registered on the connection it would
        # change how every later query of this Django connection reads vectors.
        register_vector_info(cursor, TypeInfo.fetch(raw, "vector"))
        with cursor.copy(f"COPY {PASSAGES} ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
            _write_passages(copy, rows, written, model_name, now)


def _write_passages(copy, rows, written: dict, model_name: str, now) -> None:
    copy.set_types([type_name for _name, type_name in PASSAGE_COLUMNS])
    for row in rows:
        project_id = written.get(row.document_id)
        if project_id is None:
            continue
        for passage in row.passages:
            copy.write_row(
                (
                    row.document_id,
                    project_id,
                    passage.ordinal,
                    passage.start,
                    passage.end,
                    passage.tokens,
                    row.content[passage.start : passage.end],
                    np.asarray(passage.vector, dtype=np.float32),
                    model_name,
                    row.content_hash,
                    now,
                )
            )


@contextlib.contextmanager
def claimed(document_ids: Iterable[uuid.UUID], *, using: str = SPECS_DB):
    """Hold the claim of each document this session can take; yield the set of ids taken.

    The locks are session-level: they outlive any transaction and go when the connection does,
    so a killed process frees its documents at once.
    """
    ids = list(document_ids)
    taken: set[uuid.UUID] = set()
    cursor = connections[using].cursor()
    try:
        if ids:
            cursor.execute(
                "SELECT id FROM unnest(%s::uuid[]) AS t(id)"
                f" WHERE pg_try_advisory_lock({CLAIM_KEY_SQL.format(column='id')})",
                [ids],
            )
            taken = {row[0] for row in cursor.fetchall()}
        yield taken
    finally:
        release_claims(taken, using=using)
        cursor.close()


def release_claims(document_ids: Iterable[uuid.UUID], *, using: str = SPECS_DB) -> None:
    """Release this session's claims on these documents."""
    keys = [claim_key(document_id) for document_id in document_ids]
    if not keys:
        return
    connection = connections[using]
    if connection.connection is None or connection.needs_rollback:
        return  # the session is gone or unusable: its locks went with it
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(key) FROM unnest(%s::bigint[]) AS k(key)", [keys])


# --- documents --------------------------------------------------------------------------------


# The queue's name for the task that embeds one document (knowledge_app/tasks.py).
EMBED_TASK = "knowledge.embed_document"


def document_create(
    *,
    project,
    user_id: uuid.UUID,
    filename: str,
    content: str,
    content_type: str = "text/plain",
    embed: bool = True,
) -> tuple[KnowledgeBaseDocument, bool]:
    """Store a document and defer its embedding; return it and whether it was created.

    The embedding job is deferred in the transaction that stores the row (never one without
    the other) and run by a queue worker, so the upload answers at once whatever its size and
    the web process never loads the model for it. If the model is missing or fails, the
    document stays stored without a vector and the next `backfill_embeddings` embeds it.

    A retry of the same upload (same project, uploader, file name and content within
    DOCUMENT_DEDUP_SECONDS) answers the stored document (created False) instead of a second
    copy; concurrent retries are serialised by a transaction-level advisory lock on that key.
    """
    filename = (filename or "").strip()
    if not filename:
        raise ValidationFailed(
            "filename: a file name is required.", details={"filename": ["This field is required."]}
        )
    if "\x00" in content:
        raise ValidationFailed(
            "content: text documents cannot contain NUL characters.",
            details={"content": ["NUL characters are not allowed."]},
        )
    size = len(content.encode("utf-8"))
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(
            f"content: {size} bytes is over the {MAX_DOCUMENT_BYTES}-byte limit.",
            details={"content": [f"At most {MAX_DOCUMENT_BYTES} bytes."]},
        )
    digest = content_hash(content)
    filename = filename[:255]
    with transaction.atomic(using=SPECS_DB):
        earlier = _recent_same_upload(
            project=project, user_id=user_id, filename=filename, digest=digest
        )
        if earlier is not None:
            return earlier, False
        document = KnowledgeBaseDocument.objects.using(SPECS_DB).create(
            project=project,
            user_id=user_id,
            filename=filename,
            file_size=size,
            content_type=content_type or "text/plain",
            content=content,
        )
        if embed:
            queue.defer(EMBED_TASK, document_id=str(document.pk))
    return document, True


def _recent_same_upload(*, project, user_id, filename: str, digest: str):
    with connections[SPECS_DB].cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"upload:{project.pk}:{user_id}:{filename}:{digest}"],
        )
    since = timezone.now() - datetime.timedelta(seconds=settings.DOCUMENT_DEDUP_SECONDS)
    # The hash is computed by PostgreSQL: the candidates' texts never travel to this process.
    return (
        KnowledgeBaseDocument.objects.using(SPECS_DB)
        .filter(project=project, user_id=user_id, filename=filename, uploaded_at__gte=since)
        .alias(digest=RawSQL(content_hash_sql(), (), output_field=TextField()))
        .filter(digest=digest)
        .order_by("-uploaded_at")
        .first()
    )


def document_embed(*, document: KnowledgeBaseDocument, embedder=None) -> bool:
    """Embed one document now; return whether its vector was stored. Never raises.

    The document is claimed like a backfill claims it, so a backfill running at the same time
    does not embed it a second time.
    """
    try:
        if embedder is None:
            from knowledge_app.embeddings import get_embedder

            embedder = get_embedder()
        with claimed([document.pk]) as taken:
            if document.pk not in taken:
                return False  # a backfill worker has it
            (result,) = embedder.embed_documents([document.content])
            if result.vector is None:
                logger.info(
                    "Document %s not embedded: %s", document.pk, result.skipped or result.error
                )
                return False
            row = EmbeddingRow(
                document.pk,
                result.vector,
                content_hash(document.content),
                result.windows,
                result.passages,
                document.content,
            )
            written = embeddings_write(rows=[row], model_name=embedder.model_name)
    except Exception:
        # The upload must succeed without the model (missing files, out of memory...): the
        # backfill embeds the document later.
        logger.warning("Embedding document %s on upload failed", document.pk, exc_info=True)
        return False
    if document.pk in written:
        refreshed = (
            KnowledgeBaseDocument.objects.using(SPECS_DB)
            .filter(pk=document.pk)
            .values("embedding_model", "embedding_content_hash", "embedding_windows", "embedded_at")
            .first()
        )
        for field, value in (refreshed or {}).items():
            setattr(document, field, value)
        document.embedding = result.vector
        return True
    return False


def document_delete(*, document: KnowledgeBaseDocument) -> None:
    """Delete a document (its vector goes with the row)."""
    with transaction.atomic(using=SPECS_DB):
        KnowledgeBaseDocument.objects.using(SPECS_DB).filter(pk=document.pk).delete()


# --- projects' own HNSW indexes -----------------------------------------------------------------

# A project gets its own graph (selectors.PROJECT_INDEX_PREFIX) from this many passages
# (~1,400 documents of ~7 passages): below it the shared graph's filtered walk is fast enough,
# and below selectors.EXACT_SCAN_MAX_ROWS an exact scan is used anyway. Its index goes again
# when the project falls under half of it (no build and drop at every sync near the line).
PROJECT_INDEX_MIN_PASSAGES = 10_000
# ... and while it holds at most this share of all passages: a project holding more needs at
# most ef x 2 on the shared graph, and a second graph of most of the table would double the
# cost of writing most passages. Kept up to twice the share.
PROJECT_INDEX_MAX_SHARE = 0.25
# maintenance_work_mem of a build: an HNSW graph built in memory is built ~10x faster than
# one that spills (~2 kB a passage: 250 MB holds ~120,000 passages).
PROJECT_INDEX_BUILD_MEMORY = "512MB"


class ProjectIndexSyncBusy(Exception):
    """Another schema change (a sync, `migrate`, `phase`) holds the schema-change lock."""


@dataclass
class ProjectIndexChange:
    project_id: uuid.UUID
    passages: int
    share: float
    action: str  # "create", "drop", "keep", "rebuild" (an invalid leftover)
    seconds: float = 0.0
    megabytes: float = 0.0


def project_indexes_plan(
    *,
    min_passages: int | None = None,
    max_share: float | None = None,
    project_ids: Sequence[uuid.UUID] | None = None,
    using: str = SPECS_DB,
) -> list[ProjectIndexChange]:
    """What project_indexes_sync would do now: one change per project that has, should have or
    should lose its own HNSW index (counts are exact: one pass over the project index), only
    for ``project_ids`` when given."""
    if min_passages is None:
        min_passages = PROJECT_INDEX_MIN_PASSAGES
    if max_share is None:
        max_share = PROJECT_INDEX_MAX_SHARE
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT project_id, count(*) FROM {PASSAGES} GROUP BY project_id")
        counts = dict(cursor.fetchall())
    existing = project_indexes(using)
    total = sum(counts.values()) or 1
    changes = []
    candidates = set(counts) | set(existing)
    if project_ids is not None:
        candidates &= {uuid.UUID(str(project_id)) for project_id in project_ids}
    for project_id in sorted(candidates, key=str):
        passages = counts.get(project_id, 0)
        share = passages / total
        if project_id in existing:
            keep = passages >= min_passages / 2 and share <= 2 * max_share
            if not keep:
                action = "drop"
            elif existing[project_id]:
                action = "keep"
            else:
                action = "rebuild"
        elif passages >= min_passages and share <= max_share:
            action = "create"
        else:
            continue
        changes.append(ProjectIndexChange(project_id, passages, share, action))
    return changes


def project_indexes_sync(
    *,
    min_passages: int | None = None,
    max_share: float | None = None,
    project_ids: Sequence[uuid.UUID] | None = None,
    using: str = SPECS_DB,
    on_change=None,
) -> list[ProjectIndexChange]:
    """Give each large project its own HNSW index and take it from projects no longer large.

    Builds with CREATE INDEX CONCURRENTLY and drops with DROP INDEX CONCURRENTLY: writes to the
    passages never wait, and a search keeps using the shared graph until the project's own is
    valid. An index left invalid by a build that died (a killed worker, a restart) is dropped
    and built again. ``project_ids``: only these projects. Must run outside a transaction
    (CONCURRENTLY's rule); raises ProjectIndexSyncBusy while another schema change runs.
    ``on_change(change)`` is called after each index built or dropped.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        raise RuntimeError("project_indexes_sync builds indexes CONCURRENTLY: not in a transaction")
    # The schema-change lock of `migrate` and `phase`: one sync at a time (two would build the
    # same index twice, or drop one the other is still building), and never while a migration
    # changes the table.
    try:
        with migration_safety.exclusive_schema_change([using]), connection.cursor() as cursor:
            changes = project_indexes_plan(
                min_passages=min_passages,
                max_share=max_share,
                project_ids=project_ids,
                using=using,
            )
            try:
                cursor.execute(f"SET maintenance_work_mem = '{PROJECT_INDEX_BUILD_MEMORY}'")
                for change in changes:
                    if change.action != "keep":
                        _apply(cursor, change)
                        if on_change is not None:
                            on_change(change)
            finally:
                cursor.execute("RESET maintenance_work_mem")
                forget_indexed_projects(using)
    except migration_safety.SchemaChangeBusy as exc:
        raise ProjectIndexSyncBusy(
            "another schema change (a sync of the projects' indexes, `migrate` or `phase`) is "
            "running"
        ) from exc
    return changes


def _apply(cursor, change: ProjectIndexChange) -> None:
    name = project_index_name(change.project_id)
    started = time.monotonic()
    if change.action in ("drop", "rebuild"):
        cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
    if change.action in ("create", "rebuild"):
        # The id is a UUID read from the database and printed by uuid: safe in the SQL (a
        # partial index's predicate cannot be a parameter).
        cursor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON {PASSAGES}'
            " USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
            f" WHERE project_id = '{uuid.UUID(str(change.project_id))}'"
        )
        cursor.execute("SELECT pg_relation_size(%s::regclass)", [name])
        change.megabytes = cursor.fetchone()[0] / 2**20
    change.seconds = time.monotonic() - started
