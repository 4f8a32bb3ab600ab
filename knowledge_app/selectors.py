"""Reads of the knowledge base: documents, embedding staleness, semantic search.

Access follows specs_app.selectors: a user reads the documents of a project they own or that is
shared with one of their teams; anything else is a NotFound, so a project's existence never
leaks.

Search uses the HNSW index `kb_documents_embedding_hnsw` (vector_cosine_ops), so queries order by
the cosine distance operator `<=>`; score = 1 - distance. A filter (one project, the projects a
user may read) is applied while walking the index with pgvector's iterative scan: when the first
`hnsw.ef_search` candidates hold fewer than k matching rows the scan goes on (up to
`hnsw.max_scan_tuples`), so a selective filter still yields k results when k exist. A filter
that leaves only a few rows (EXACT_SCAN_MAX_ROWS) skips the graph and compares them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connections, transaction
from django.db.models import QuerySet
from pgvector import Vector

from knowledge_app.models import KnowledgeBaseDocument
from socrates.db import SPECS_DB
from socrates.errors import NotFound, ValidationFailed
from specs_app.selectors import project_get, readable_project_ids

TABLE = KnowledgeBaseDocument._meta.db_table
MAX_K = 50
# recall@10 >= 0.98 at 100k vectors (bench/search.py) with latency still a few ms.
DEFAULT_EF_SEARCH = 100
# Up to this many rows behind a filter, compare them all rather than walk the graph: exact
# whatever the data, ~2 ms of execution at 2,000 rows on two cores (bench/search.py). Beyond it,
# the HNSW index, whose filtered recall depends on how the filter relates to the vectors.
EXACT_SCAN_MAX_ROWS = 3_000
# How many tuples an iterative scan may visit before it gives up (pgvector's default is 20,000):
# a project holding 0.1% of a million rows still fills k=50 within this.
MAX_SCAN_TUPLES = 100_000


def content_hash_sql(column: str = "content") -> str:
    """SQL for the hex SHA-256 of a text column's UTF-8 bytes (= embeddings.content_hash)."""
    return f"encode(sha256(convert_to({column}, 'UTF8')), 'hex')"


# Text with nothing to embed (the embedders skip it as "empty content").
BLANK_SQL = "content ~ '^[[:space:]]*$'"


def stale_condition(
    *, model_name: str, reembed_stale: bool = True, embedded_before=None
) -> tuple[str, list]:
    """Return (sql, params): the rows the backfill must (re)embed.

    Missing always; with ``reembed_stale`` also rows whose content changed since they were
    embedded or that another model embedded; with ``embedded_before`` (a datetime: ``--all``)
    every row not embedded since then, so workers started together never redo each other's rows.
    """
    if embedded_before is not None:
        return "(embedded_at IS NULL OR embedded_at < %s)", [embedded_before]
    if not reembed_stale:
        return "(embedding IS NULL)", []
    return (
        "(embedding IS NULL OR embedding_model IS DISTINCT FROM %s"
        f" OR embedding_content_hash IS DISTINCT FROM {content_hash_sql()})",
        [model_name],
    )


def pending_embedding_count(*, project_id, model_name: str, using: str = SPECS_DB) -> int:
    """Count a project's documents with text whose embedding is missing or stale."""
    condition, params = stale_condition(model_name=model_name)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {TABLE} WHERE project_id = %s AND NOT ({BLANK_SQL})"
            f" AND {condition}",
            [project_id, *params],
        )
        return cursor.fetchone()[0]


def backlog_counts(
    *,
    model_name: str,
    project_ids: Sequence[uuid.UUID] = (),
    reembed_stale: bool = True,
    embedded_before=None,
    using: str = SPECS_DB,
) -> dict[str, int]:
    """Count the rows a backfill would take, by reason (missing, content changed, other model)."""
    condition, params = stale_condition(
        model_name=model_name, reembed_stale=reembed_stale, embedded_before=embedded_before
    )
    project_sql = " AND project_id = ANY(%s)" if project_ids else ""
    if project_ids:
        params.append(list(project_ids))
    sql = f"""
        SELECT
            count(*) FILTER (WHERE embedding IS NULL),
            count(*) FILTER (WHERE embedding IS NOT NULL
                             AND embedding_model IS DISTINCT FROM %s),
            count(*) FILTER (WHERE embedding IS NOT NULL
                             AND embedding_model IS NOT DISTINCT FROM %s
                             AND embedding_content_hash IS DISTINCT FROM {content_hash_sql()}),
            count(*) FILTER (WHERE {BLANK_SQL}),
            count(*)
        FROM {TABLE} WHERE {condition}{project_sql}
    """
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [model_name, model_name, *params])
        missing, other_model, changed, blank, total = cursor.fetchone()
    return {
        "total": total,
        "missing": missing,
        "content changed": changed,
        "other model": other_model,
        "already fresh (--all)": total - missing - changed - other_model,
        "empty content": blank,
    }


# --- documents --------------------------------------------------------------------------------


def document_list(*, project) -> QuerySet[KnowledgeBaseDocument]:
    """Return a project's documents, newest first (the content column left out)."""
    return (
        KnowledgeBaseDocument.objects.filter(project=project)
        .defer("content", "embedding")
        .order_by("-uploaded_at", "-id")
    )


def document_get(*, project, document_id) -> KnowledgeBaseDocument:
    """Return a document of ``project`` (whose access the caller checked), else NotFound."""
    try:
        document_id = uuid.UUID(str(document_id))
    except ValueError:
        raise ValidationFailed(
            f"document_id: {str(document_id)!r} is not a valid UUID.",
            details={"document_id": ["Must be a valid UUID."]},
        ) from None
    document = (
        KnowledgeBaseDocument.objects.defer("embedding")
        .filter(project=project, pk=document_id)
        .first()
    )
    if document is None:
        raise NotFound(f"Document {document_id} not found.", details={"id": str(document_id)})
    return document


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: uuid.UUID
    project_id: uuid.UUID
    filename: str
    content_type: str
    uploaded_at: object
    embedding_windows: int | None
    score: float  # cosine similarity, 1 - cosine distance


def document_search(
    *,
    user,
    query: str,
    k: int = 10,
    project_id=None,
    ef_search: int = DEFAULT_EF_SEARCH,
    embedder=None,
) -> list[SearchHit]:
    """Return the k documents most similar to ``query`` that the user may read, best first.

    ``project_id`` narrows to one project (NotFound when the user cannot read it); without it
    every readable project is searched.
    """
    if not query or not query.strip():
        raise ValidationFailed("q: the query is empty.", details={"q": ["This field is required."]})
    k = validate_k(k)
    if project_id is not None:
        project, _access = project_get(user=user, project_id=project_id, needed="read")
        project_ids: Iterable | QuerySet = [project.pk]
    else:
        project_ids = readable_project_ids(user)
    if embedder is None:
        from knowledge_app.embeddings import get_embedder

        embedder = get_embedder()
    vector = embedder.embed_query(query)
    return documents_nearest(vector=vector, k=k, project_ids=project_ids, ef_search=ef_search)


def validate_k(k) -> int:
    try:
        k = int(k)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"k: {k!r} is not an integer.", details={"k": ["A whole number is required."]}
        ) from None
    if not 1 <= k <= MAX_K:
        raise ValidationFailed(
            f"k: must be between 1 and {MAX_K} (got {k}).",
            details={"k": [f"Ensure this value is between 1 and {MAX_K}."]},
        )
    return k


_HIT_COLUMNS = "id, project_id, filename, content_type, uploaded_at, embedding_windows"


def nearest_sql(where: str = "") -> str:
    """Return the top-k query; params: the vector literal, the filter's params, k.

    The vector is parsed once (the CTE) and reaches the distance as an InitPlan parameter, which
    the HNSW index can order by; ordering by the output column computes each distance once.
    relaxed_order lets the iterative scan return rows
    slightly out of order; the outer ORDER BY puts them back, cheaper than strict_order.
    """
    return f"""
        WITH query AS (SELECT %s::vector AS v),
        nearest AS MATERIALIZED (
            SELECT {_HIT_COLUMNS}, embedding <=> (SELECT v FROM query) AS distance
            FROM {TABLE}
            WHERE embedding IS NOT NULL {where}
            ORDER BY distance
            LIMIT %s
        )
        SELECT {_HIT_COLUMNS}, distance FROM nearest ORDER BY distance, id
    """


def project_filter(project_ids: Iterable | QuerySet | None) -> tuple[str, list]:
    """Return (" AND ..." sql, params) keeping the rows of these projects (None: all rows)."""
    if project_ids is None:
        return "", []
    if isinstance(project_ids, QuerySet):
        sub_sql, sub_params = project_ids.query.sql_with_params()
        return f"AND project_id IN ({sub_sql})", list(sub_params)
    return "AND project_id = ANY(%s)", [list(project_ids)]


def documents_nearest(
    *,
    vector,
    k: int,
    project_ids: Iterable | QuerySet | None,
    ef_search: int = DEFAULT_EF_SEARCH,
    exact_scan_max_rows: int = EXACT_SCAN_MAX_ROWS,
    using: str = SPECS_DB,
) -> list[SearchHit]:
    """Return the k nearest embedded documents to a unit vector within ``project_ids``.

    ``project_ids`` is a list of ids, a values("id") queryset of projects (compiled into the
    query as a subquery), or None for no filter (benchmarks, admin tools).

    When the filter leaves at most ``exact_scan_max_rows`` rows, they are all compared (found
    through the project index): exact whatever the data, and a few milliseconds at that size.
    Otherwise the HNSW index is walked with iterative scan.
    """
    where, params = project_filter(project_ids)
    literal = Vector._to_db(np.asarray(vector, dtype=np.float32))
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # set_config(..., true) is SET LOCAL: gone with this transaction, never left on a pooled
        # session. With a filter, the same statement counts its rows (from the project index,
        # at most exact_scan_max_rows + 1) and, when they are few, turns index scans off so that
        # the planner compares them all: exact, found through a bitmap scan of that index.
        settings_sql = (
            "SELECT set_config('hnsw.ef_search', %s, true),"
            " set_config('hnsw.iterative_scan', 'relaxed_order', true),"
            " set_config('hnsw.max_scan_tuples', %s, true)"
        )
        settings_params = [str(int(ef_search)), str(MAX_SCAN_TUPLES)]
        if where:
            settings_sql += (
                ", set_config('enable_indexscan', CASE WHEN (SELECT count(*) FROM"
                f" (SELECT 1 FROM {TABLE} WHERE true {where} LIMIT %s) AS c) <= %s"
                " THEN 'off' ELSE current_setting('enable_indexscan') END, true)"
            )
            settings_params += [*params, exact_scan_max_rows + 1, exact_scan_max_rows]
        cursor.execute(settings_sql, settings_params)
        cursor.execute(nearest_sql(where), [literal, *params, k])
        rows = cursor.fetchall()
    return [
        SearchHit(
            id=row[0],
            project_id=row[1],
            filename=row[2],
            content_type=row[3],
            uploaded_at=row[4],
            embedding_windows=row[5],
            score=1.0 - float(row[6]),
        )
        for row in rows
    ]
