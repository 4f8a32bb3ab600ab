"""Reads of the knowledge base: documents, embedding staleness, semantic search.

Access follows specs_app.selectors: a user reads the documents of a project they own or that is
shared with one of their teams; anything else is a NotFound, so a project's existence never
leaks.

Search uses the HNSW index `kb_documents_embedding_hnsw` (vector_cosine_ops), so queries order by
the cosine distance operator `<=>`; score = 1 - distance. A filter (one project, the projects a
user may read) is applied while walking the index with pgvector's iterative scan: when the first
`hnsw.ef_search` candidates hold fewer than k matching rows the scan goes on (up to
`hnsw.max_scan_tuples`), so a selective filter still yields k results when k exist. A filter
that leaves only a few rows (EXACT_SCAN_MAX_ROWS) skips the graph and compares them all. A
large project has a graph of its own (a partial index, PROJECT_INDEX_PREFIX), which the
planner walks for a search of that one project.
"""

from __future__ import annotations

import functools
import math
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connections
from django.db.models import QuerySet

from knowledge_app.models import KEYWORD_CONFIG, KnowledgeBaseDocument, KnowledgePassage
from socrates.db import SPECS_DB
from socrates.errors import NotFound, ValidationFailed
from specs_app.selectors import project_get, readable_project_ids

TABLE = KnowledgeBaseDocument._meta.db_table
PASSAGES = KnowledgePassage._meta.db_table
# A document embedded before passages existed (the search ranks it by its document vector).
NO_PASSAGES_SQL = "passages_content_hash IS NULL"
MAX_K = 50
# bench/search.py, real vectors, 100,000 passages, unfiltered: ef 64 gives recall@10 0.984 at
# p50 3.3 ms (ef 40: 0.973; ef 100: 0.990 at 5.1 ms). Filters widen it (ef_for_filter).
DEFAULT_EF_SEARCH = 64
# Up to this many rows behind a filter, compare them all rather than walk the graph: exact
# whatever the data, ~2 ms of execution at 2,000 rows on two cores (bench/search.py). Beyond it,
# the HNSW index, whose filtered recall depends on how the filter relates to the vectors.
EXACT_SCAN_MAX_ROWS = 3_000
# How many tuples an iterative scan may visit before it gives up (pgvector's default is 20,000):
# a project holding 0.1% of a million rows still fills k=50 within this.
MAX_SCAN_TUPLES = 100_000
# A filter keeping a share s of the passages walks the graph with ef_search / sqrt(s), at most
# MAX_EF_SEARCH: the iterative scan goes on until it has k matching rows, but for those to be
# the nearest ones the candidate list must widen as the filter narrows (bench/search.py, real
# vectors, 100,000 passages: a project of 12.5% has recall@10 0.968 at ef 100, 0.989 at 200).
# The share comes from PostgreSQL's own statistics (pg_stats, kept by autovacuum's ANALYZE),
# read at most every PROJECT_STATS_SECONDS per process: no count per query.
# The graph's own reach also shrinks as the table grows: DEFAULT_EF_SEARCH is measured at
# 100,000 passages, and a larger table multiplies it by (rows / 100,000) ** 0.4 (bench/search.py,
# 1,000,000 real-shaped passages: recall@10 0.964 at ef 64, 0.976 at 100, 0.990 at 200).
# About the larger of the two applies, not their product (see _widened_ef).
MAX_EF_SEARCH = 800
EF_REFERENCE_ROWS = 100_000
EF_GROWTH = 0.4
PROJECT_STATS_SECONDS = 60
_passage_statistics_cache: dict[str, tuple[float, dict[uuid.UUID, float], float]] = {}
# A project holding many passages gets an HNSW graph of its own: a partial index WHERE
# project_id = it, named PROJECT_INDEX_PREFIX + the project's id in hex (built and dropped by
# services.project_indexes_sync). A search of that one project walks its own graph, which the
# planner picks by the index's predicate: as fast and as exact as an unfiltered search of a
# table its size, where walking the shared graph with a filter needs ef / sqrt(share)
# (bench/search.py, real-text vectors, p50 and recall@10 in one run: 100,000 passages, a
# project of 12.5%: shared graph ef 182, 4.78 ms, 0.985; its own graph ef 64, 1.71 ms, 0.990.
# 1,000,000 passages: that project shared 9.20 ms, 0.981, own 2.49 ms, 0.983; a project of 2%
# spread over every topic shared 29.9 ms, 0.971, own 2.20 ms, 0.987).
PROJECT_INDEX_PREFIX = "kb_passages_hnsw_p_"
_project_index_cache: dict[str, tuple[float, frozenset[uuid.UUID]]] = {}


def content_hash_sql(column: str = "content") -> str:
    """SQL for the hex SHA-256 of a text column's UTF-8 bytes (= embeddings.content_hash)."""
    return f"encode(sha256(convert_to({column}, 'UTF8')), 'hex')"


# Text with nothing to embed (the embedders skip it as "empty content").
BLANK_SQL = "content ~ '^[[:space:]]*$'"


def stale_condition(
    *, model_name: str, reembed_stale: bool = True, embedded_before=None
) -> tuple[str, list]:
    """Return (sql, params): the rows the backfill must (re)embed.

    Missing (no vector, or no passages: embedded before passages existed) always; with
    ``reembed_stale`` also rows whose content changed since they were embedded or that another
    model embedded; with ``embedded_before`` (a datetime: ``--all``) every row not embedded
    since then, so workers started together never redo each other's rows.
    """
    if embedded_before is not None:
        return "(embedded_at IS NULL OR embedded_at < %s)", [embedded_before]
    if not reembed_stale:
        return f"(embedding IS NULL OR {NO_PASSAGES_SQL})", []
    return (
        "(embedding IS NULL OR embedding_model IS DISTINCT FROM %s"
        f" OR embedding_content_hash IS DISTINCT FROM {content_hash_sql()}"
        f" OR passages_content_hash IS DISTINCT FROM {content_hash_sql()})",
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
            count(*) FILTER (WHERE embedding IS NOT NULL
                             AND embedding_model IS NOT DISTINCT FROM %s
                             AND embedding_content_hash IS NOT DISTINCT FROM {content_hash_sql()}
                             AND passages_content_hash IS DISTINCT FROM {content_hash_sql()}),
            count(*) FILTER (WHERE {BLANK_SQL}),
            count(*)
        FROM {TABLE} WHERE {condition}{project_sql}
    """
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [model_name, model_name, model_name, *params])
        missing, other_model, changed, no_passages, blank, total = cursor.fetchone()
    return {
        "total": total,
        "missing": missing,
        "content changed": changed,
        "other model": other_model,
        "no passages": no_passages,
        "already fresh (--all)": total - missing - changed - other_model - no_passages,
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

SEARCH_MODES = ("hybrid", "semantic", "keyword")
# Reciprocal rank fusion: score = sum over the lists of 1 / (RRF_K + rank). 60 is the constant
# of the original paper (Cormack et al. 2009): a document's place matters, its raw score (a
# cosine here, a ts_rank_cd there, not comparable) does not.
RRF_K = 60
# How deep each list goes before fusion: a document 20th in both lists beats one 1st in one.
FUSION_DEPTH = 50
# Passages fetched per document wanted: a document can own several of the nearest passages.
PASSAGES_PER_DOCUMENT = 4
# A hit's passage text is cut to this many characters (passages are ~48 word pieces, ~250
# characters; a passage cut inside a very long "word" can be longer).
PASSAGE_TEXT_MAX = 1000
# The queries of keyword search: the words of the question, each stemmed and stop words
# dropped by KEYWORD_CONFIG (phrases of hyphenated identifiers stay phrases); first all of them
# (AND), then, when that finds too few documents, any of them (OR).
KEYWORD_ALL_SQL = f"plainto_tsquery('{KEYWORD_CONFIG}', %s)"
KEYWORD_ANY_SQL = f"replace({KEYWORD_ALL_SQL}::text, ' & ', ' | ')::tsquery"
# Passages ranked per query at most: a common word matches a large share of a big table, and
# ts_rank_cd reads each match (unbounded, p99 was 400 ms at 100,000 passages; bench/search.py).
# Beyond this many matches the rest are not ranked: the AND query comes first, so a question
# whose words occur together is ranked in full unless it matches more than this.
KEYWORD_MAX_CANDIDATES = 2000


@dataclass(frozen=True, slots=True)
class PassageHit:
    ordinal: int
    start_offset: int
    end_offset: int
    text: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: uuid.UUID
    project_id: uuid.UUID
    filename: str
    content_type: str
    uploaded_at: object
    embedding_windows: int | None
    score: float  # the mode's: cosine (semantic), ts_rank_cd (keyword), RRF (hybrid)
    semantic_score: float | None = None  # cosine of the best passage (or document vector)
    keyword_score: float | None = None  # ts_rank_cd of the best keyword passage
    passage: PassageHit | None = None  # where it matched best


@dataclass(frozen=True, slots=True)
class _Match:
    """A document's best passage in one list (ordinal None: matched by its document vector)."""

    document_id: uuid.UUID
    score: float
    ordinal: int | None


def document_search(
    *,
    user,
    query: str,
    k: int = 10,
    project_id=None,
    mode: str = "hybrid",
    ef_search: int = DEFAULT_EF_SEARCH,
    embedder=None,
) -> list[SearchHit]:
    """Return the k documents that best answer ``query`` that the user may read, best first.

    ``mode``: ``semantic`` (nearest passages by meaning, each document scored by its best
    passage; documents without passages yet by their document vector), ``keyword`` (full-text
    match of the passages: any word of the query, ranked by ts_rank_cd) or ``hybrid`` (both
    lists fused by reciprocal rank). ``project_id`` narrows to one project (NotFound when the
    user cannot read it); without it every readable project is searched. Keyword mode never
    loads the model.
    """
    if not query or not query.strip():
        raise ValidationFailed("q: the query is empty.", details={"q": ["This field is required."]})
    k = validate_k(k)
    mode = validate_mode(mode)
    if project_id is not None:
        project, _access = project_get(user=user, project_id=project_id, needed="read")
        project_ids: Iterable | QuerySet = [project.pk]
    else:
        project_ids = readable_project_ids(user)
    vector = None
    if mode in ("semantic", "hybrid"):
        if embedder is None:
            from knowledge_app.embeddings import get_embedder

            embedder = get_embedder()
        vector = embedder.embed_query(query)
    return ranked_search(
        vector=vector, query=query, k=k, mode=mode, project_ids=project_ids, ef_search=ef_search
    )


def ranked_search(
    *,
    vector,
    query: str,
    k: int,
    mode: str,
    project_ids: Iterable | QuerySet | None,
    ef_search: int = DEFAULT_EF_SEARCH,
) -> list[SearchHit]:
    """The search after validation and access: ``vector`` is the query's embedding (unused in
    keyword mode), ``project_ids`` the projects allowed (None: all; benchmarks)."""
    depth = k if mode != "hybrid" else max(k, FUSION_DEPTH)
    semantic: list[_Match] = []
    keyword: list[_Match] = []
    if mode in ("semantic", "hybrid"):
        semantic = semantic_matches(
            vector=vector, limit=depth, project_ids=project_ids, ef_search=ef_search
        )
    if mode in ("keyword", "hybrid"):
        keyword = keyword_matches(query=query, limit=depth, project_ids=project_ids)
    if mode == "semantic":
        ranked = [(m.document_id, m.score) for m in semantic]
    elif mode == "keyword":
        ranked = [(m.document_id, m.score) for m in keyword]
    else:
        ranked = fuse(semantic, keyword)[:k]
    return _hits(
        ranked,
        semantic={m.document_id: m for m in semantic},
        keyword={m.document_id: m for m in keyword},
    )


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


def validate_mode(mode) -> str:
    if mode not in SEARCH_MODES:
        allowed = ", ".join(SEARCH_MODES)
        raise ValidationFailed(
            f"mode: must be one of {allowed} (got {str(mode)[:50]!r}).",
            details={"mode": [f"Must be one of: {allowed}."]},
        )
    return mode


def fuse(*lists: Sequence[_Match]) -> list[tuple[uuid.UUID, float]]:
    """Reciprocal rank fusion of ranked lists: (document id, score), best first."""
    scores: dict[uuid.UUID, float] = {}
    for matches in lists:
        for rank, match in enumerate(matches, start=1):
            scores[match.document_id] = scores.get(match.document_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], str(item[0])))


def semantic_matches(
    *,
    vector,
    limit: int,
    project_ids: Iterable | QuerySet | None,
    ef_search: int = DEFAULT_EF_SEARCH,
    using: str = SPECS_DB,
) -> list[_Match]:
    """The ``limit`` documents nearest to a unit vector, each by its best passage, best first.

    Documents that have no passages yet (embedded before passages existed, until the backfill
    reaches them) are ranked by their document vector instead, so nothing disappears from the
    results during the rollout.
    """
    passages = passages_nearest(
        vector=vector,
        k=limit * PASSAGES_PER_DOCUMENT,
        project_ids=project_ids,
        ef_search=ef_search,
        using=using,
    )
    best: dict[uuid.UUID, _Match] = {}
    for document_id, ordinal, distance in passages:
        if document_id not in best:  # nearest first
            best[document_id] = _Match(document_id, 1.0 - distance, ordinal)
    if _has_documents_without_passages(project_ids, using=using):
        for hit in documents_nearest(
            vector=vector,
            k=limit,
            project_ids=project_ids,
            ef_search=ef_search,
            extra_where=f"AND {NO_PASSAGES_SQL}",
            using=using,
        ):
            best.setdefault(hit.id, _Match(hit.id, hit.score, None))
    return sorted(best.values(), key=lambda m: (-m.score, str(m.document_id)))[:limit]


def _has_documents_without_passages(project_ids, *, using: str) -> bool:
    where, params = project_filter(project_ids)
    with connections[using].cursor() as cursor:
        cursor.execute(
            # Matches the partial index kb_documents_unpassaged_idx: one probe.
            f"SELECT EXISTS (SELECT 1 FROM {TABLE} WHERE embedding IS NOT NULL"
            f" AND {NO_PASSAGES_SQL} {where})",
            params,
        )
        return cursor.fetchone()[0]


def keyword_matches(
    *, query: str, limit: int, project_ids: Iterable | QuerySet | None, using: str = SPECS_DB
) -> list[_Match]:
    """The ``limit`` documents whose passages best match the query's words, each by its best
    passage (ts_rank_cd, cover density: the words close together rank higher), best first.

    Passages holding every word come first; when they make fewer than ``limit`` documents,
    documents with any of the words follow, so a question in plain words still matches."""
    matches = _keyword_ranked(KEYWORD_ALL_SQL, query, project_ids, using=using)
    if len(matches) < limit and " & " in _tsquery_text(query, using=using):
        seen = {m.document_id for m in matches}
        matches += [
            m
            for m in _keyword_ranked(KEYWORD_ANY_SQL, query, project_ids, using=using)
            if m.document_id not in seen
        ]
    return matches[:limit]


def _tsquery_text(query: str, *, using: str) -> str:
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {KEYWORD_ALL_SQL}::text", [query])
        return cursor.fetchone()[0]


def _keyword_ranked(tsquery_sql: str, query: str, project_ids, *, using: str) -> list[_Match]:
    where, params = project_filter(project_ids)
    sql = f"""
        WITH q AS (SELECT {tsquery_sql} AS query),
        found AS MATERIALIZED (
            SELECT document_id, ordinal, search_vector
            FROM {PASSAGES}, q
            WHERE search_vector @@ q.query {where}
            LIMIT %s
        ),
        ranked AS (
            SELECT DISTINCT ON (document_id) document_id, ordinal,
                   ts_rank_cd(search_vector, q.query) AS rank
            FROM found, q
            ORDER BY document_id, rank DESC, ordinal
        )
        SELECT document_id, ordinal, rank FROM ranked ORDER BY rank DESC, document_id
    """
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [query, *params, KEYWORD_MAX_CANDIDATES])
        return [_Match(document_id, float(rank), ordinal) for document_id, ordinal, rank in cursor]


def _hits(
    ranked: list[tuple[uuid.UUID, float]],
    *,
    semantic: dict[uuid.UUID, _Match],
    keyword: dict[uuid.UUID, _Match],
    using: str = SPECS_DB,
) -> list[SearchHit]:
    """Load the ranked documents and the passage each matched by (semantic first)."""
    if not ranked:
        return []
    wanted = []
    for document_id, _score in ranked:
        match = semantic.get(document_id)
        if match is None or match.ordinal is None:
            match = keyword.get(document_id, match)
        wanted.append((document_id, match.ordinal if match is not None else None))
    sql = f"""
        SELECT d.id, d.project_id, d.filename, d.content_type, d.uploaded_at,
               d.embedding_windows, p.ordinal, p.start_offset, p.end_offset,
               left(p.text, {PASSAGE_TEXT_MAX})
        FROM unnest(%s::uuid[], %s::integer[]) AS w(id, ordinal)
        JOIN {TABLE} d ON d.id = w.id
        LEFT JOIN {PASSAGES} p ON p.document_id = w.id AND p.ordinal = w.ordinal
            -- the offsets must still point at this text (not so after an edit, until the
            -- backfill re-embeds it): else the hit comes without its passage
            AND substr(d.content, p.start_offset + 1, p.end_offset - p.start_offset) = p.text
    """
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [[w[0] for w in wanted], [w[1] for w in wanted]])
        rows = {row[0]: row for row in cursor.fetchall()}
    hits = []
    for document_id, score in ranked:
        row = rows.get(document_id)
        if row is None:
            continue  # deleted meanwhile
        passage = None
        if row[6] is not None:
            passage = PassageHit(
                ordinal=row[6], start_offset=row[7], end_offset=row[8], text=row[9]
            )
        hits.append(
            SearchHit(
                id=row[0],
                project_id=row[1],
                filename=row[2],
                content_type=row[3],
                uploaded_at=row[4],
                embedding_windows=row[5],
                score=score,
                semantic_score=semantic[document_id].score if document_id in semantic else None,
                keyword_score=keyword[document_id].score if document_id in keyword else None,
                passage=passage,
            )
        )
    return hits


def project_filter(project_ids: Iterable | QuerySet | None) -> tuple[str, list]:
    """Return (" AND ..." sql, params) keeping the rows of these projects (None: all rows)."""
    if project_ids is None:
        return "", []
    if isinstance(project_ids, QuerySet):
        sub_sql, sub_params = project_ids.query.sql_with_params()
        return f"AND project_id IN ({sub_sql})", list(sub_params)
    return "AND project_id = ANY(%s)", [list(project_ids)]


def _scan_settings(
    *, table: str, where: str, params: list, ef_search: int, exact_scan_max_rows: int
) -> tuple[str, list]:
    """(sql, params) of the statement that SETs LOCAL the HNSW scan settings for the
    nearest-neighbour query sent after it in the same request (see _nearest_rows).

    set_config(..., true) is SET LOCAL: gone with the transaction, never left on a pooled
    session. With a filter, the same statement counts its rows (from the project index, at most
    exact_scan_max_rows + 1) and, when they are few, turns index scans off so that the planner
    compares them all: exact, found through a bitmap scan of that index. relaxed_order lets the
    iterative scan return rows slightly out of order; the outer ORDER BY puts them back.
    """
    sql = (
        "SELECT set_config('hnsw.ef_search', %s, true),"
        " set_config('hnsw.iterative_scan', 'relaxed_order', true),"
        " set_config('hnsw.max_scan_tuples', %s, true)"
    )
    values = [str(int(ef_search)), str(MAX_SCAN_TUPLES)]
    if where:
        sql += (
            ", set_config('enable_indexscan', CASE WHEN (SELECT count(*) FROM"
            f" (SELECT 1 FROM {table} WHERE true {where} LIMIT %s) AS c) <= %s"
            " THEN 'off' ELSE current_setting('enable_indexscan') END, true)"
        )
        values += [*params, exact_scan_max_rows + 1, exact_scan_max_rows]
    return sql, values


def _nearest_rows(settings: tuple[str, list], sql: str, params: list, *, using: str) -> list:
    """Run the scan settings and then the top-k query in one request to the server.

    Two statements in one simple-protocol request run as one transaction (PostgreSQL's
    implicit transaction block), so the settings are LOCAL to it and gone when it ends, with
    no BEGIN and COMMIT of their own: one round trip instead of four (~0.3-0.6 ms of a search;
    bench/search.py). The second statement is planned after the first has run, so the
    enable_indexscan it set decides its plan. Inside a caller's transaction both simply run in
    it (the settings then last until it ends, as SET LOCAL does). Django's cursor binds
    parameters on the client, which is what lets one request carry both statements.
    """
    settings_sql, settings_params = settings
    with connections[using].cursor() as cursor:
        cursor.execute(f"{settings_sql};\n{sql}", [*settings_params, *params])
        cursor.nextset()  # past the settings' row, to the query's
        return cursor.fetchall()


@functools.cache
def _vector_format(dimensions: int) -> str:
    return "[" + ",".join(["%.9g"] * dimensions) + "]"


def vector_literal(vector) -> str:
    """The text of a float32 vector for a ``%s::vector`` parameter: nine significant digits,
    enough for every float32 to read back exactly (pgvector parses with strtof). One format
    operation: pgvector's own to_text prints each float through str(), ~0.5 ms for 384
    dimensions against ~0.15 ms, and longer (8 kB against 5 kB) for the server to parse."""
    values = np.asarray(vector, dtype=np.float32).ravel().tolist()
    return _vector_format(len(values)) % tuple(values)


def passage_statistics(using: str = SPECS_DB) -> tuple[dict[uuid.UUID, float], float]:
    """(share of the passages each common project holds, estimated row count), from
    PostgreSQL's statistics (pg_stats, pg_class; kept by autovacuum), cached a while."""
    now = time.monotonic()
    cached = _passage_statistics_cache.get(using)
    if cached is not None and cached[0] > now:
        return cached[1], cached[2]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = %s::regclass),"
            " (SELECT most_common_vals::text FROM pg_stats WHERE schemaname = current_schema()"
            "  AND tablename = %s AND attname = 'project_id'),"
            " (SELECT most_common_freqs FROM pg_stats WHERE schemaname = current_schema()"
            "  AND tablename = %s AND attname = 'project_id')",
            [PASSAGES, PASSAGES, PASSAGES],
        )
        rows, values, freqs = cursor.fetchone()
    shares: dict[uuid.UUID, float] = {}
    if values:
        shares = {
            uuid.UUID(value): float(f)
            for value, f in zip(values.strip("{}").split(","), freqs, strict=True)
        }
    _passage_statistics_cache[using] = (now + PROJECT_STATS_SECONDS, shares, float(rows or 0))
    return shares, float(rows or 0)


def project_index_name(project_id) -> str:
    """The name of a project's own HNSW index (the id in hex: 51 characters, under 63)."""
    return PROJECT_INDEX_PREFIX + uuid.UUID(str(project_id)).hex


def project_indexes(using: str = SPECS_DB) -> dict[uuid.UUID, bool]:
    """Every project index on the passages, as {project: valid}. Valid is False while it is
    built CONCURRENTLY or after a build that died; names of another shape are left out."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = %s::regclass AND c.relname LIKE %s",
            [PASSAGES, PROJECT_INDEX_PREFIX.replace("_", r"\_") + "%"],
        )
        found = {project_of_index(name): valid for name, valid in cursor.fetchall()}
    found.pop(None, None)
    return found


def indexed_projects(using: str = SPECS_DB, *, cached: bool = True) -> frozenset[uuid.UUID]:
    """The projects whose own HNSW index is built and valid (an index still being built
    CONCURRENTLY, or left invalid by a build that died, does not count), cached a while."""
    now = time.monotonic()
    hit = _project_index_cache.get(using)
    if cached and hit is not None and hit[0] > now:
        return hit[1]
    projects = frozenset(project for project, valid in project_indexes(using).items() if valid)
    _project_index_cache[using] = (now + PROJECT_STATS_SECONDS, projects)
    return projects


def project_of_index(name: str) -> uuid.UUID | None:
    """The project a project index is named after (None: a name of another shape, which some
    hand-made index with the prefix could have: ignored, never a failed search)."""
    try:
        return uuid.UUID(hex=name.removeprefix(PROJECT_INDEX_PREFIX))
    except ValueError:
        return None


def forget_indexed_projects(using: str = SPECS_DB) -> None:
    """Read the projects' own indexes afresh at the next search (after a sync changed them)."""
    _project_index_cache.pop(using, None)


def _own_graph(project_ids, *, using: str) -> uuid.UUID | None:
    """The project of a one-project filter whose own HNSW index exists, else None."""
    if not isinstance(project_ids, list | tuple | set | frozenset) or len(project_ids) != 1:
        return None  # None (all), a queryset (the readable projects), several projects
    project_id = uuid.UUID(str(next(iter(project_ids))))
    return project_id if project_id in indexed_projects(using) else None


def filter_share(project_ids, *, using: str = SPECS_DB) -> tuple[float, float]:
    """(estimated share of the passages the filter keeps, estimated passages in the table),
    from PostgreSQL's statistics: no count."""
    shares, rows = passage_statistics(using)
    if project_ids is None or not shares:
        return 1.0, rows
    if isinstance(project_ids, QuerySet):
        project_ids = [row["id"] if isinstance(row, dict) else row for row in project_ids]
    # A project missing from the most-common list holds at most the least common's share.
    floor = min(shares.values())
    share = min(1.0, sum(shares.get(uuid.UUID(str(pid)), floor) for pid in project_ids))
    return share, rows


def ef_for_filter(project_ids, ef_search: int, *, using: str = SPECS_DB) -> int:
    """ef_search for a walk of the graph: wider as the table grows or as the filter keeps
    fewer of its rows, by about the larger of the two factors (they do not multiply); for a
    project with its own graph, as for an unfiltered table of the project's size."""
    plan = _scan_plan(project_ids, ef_search, exact_scan_max_rows=EXACT_SCAN_MAX_ROWS, using=using)
    return plan[0]


def _scan_plan(
    project_ids, ef_search: int, *, exact_scan_max_rows: int, using: str
) -> tuple[int, bool]:
    """(ef_search, whether to count the filter's rows to choose an exact scan)."""
    share, rows = filter_share(project_ids, using=using)
    if _own_graph(project_ids, using=using) is not None:
        # Large by construction (services.PROJECT_INDEX_MIN_PASSAGES): no count.
        return _widened_ef(ef_search, share=1.0, rows=share * rows), False
    # A filter the statistics put at twice the exact-scan limit or more is not counted (the
    # count reads up to exact_scan_max_rows index entries: ~1 ms of every query); one they put
    # near or below it is. A project that shrank below the limit since the last ANALYZE
    # (autovacuum's, after 10% of the table changed) walks the graph until the next one: the
    # right rows, found approximately rather than exactly.
    count_rows = project_ids is not None and share * rows < 2 * exact_scan_max_rows
    return _widened_ef(ef_search, share=share, rows=rows), count_rows


def _widened_ef(ef_search: int, *, share: float, rows: float) -> int:
    growth = max(1.0, rows / EF_REFERENCE_ROWS) ** EF_GROWTH
    narrowing = 1 / math.sqrt(max(share, 1e-6))
    # A smooth maximum of the two: exactly one of them when the other is 1, a little more than
    # the larger when both are alike. Measured at 1,000,000 passages, a project of 12.4%:
    # the product (ef 456) gave recall@10 0.999 at p50 31 ms, the plain maximum (180) 0.976,
    # ef 200 0.981 at 14 ms; this asks 204.
    factor = (growth**4 + narrowing**4 - 1) ** 0.25
    return int(min(MAX_EF_SEARCH, max(ef_search, math.ceil(ef_search * factor))))


def passages_nearest(
    *,
    vector,
    k: int,
    project_ids: Iterable | QuerySet | None,
    ef_search: int = DEFAULT_EF_SEARCH,
    exact_scan_max_rows: int = EXACT_SCAN_MAX_ROWS,
    adapt_ef: bool = True,
    using: str = SPECS_DB,
) -> list[tuple[uuid.UUID, int, float]]:
    """Return the k passages nearest to a unit vector within ``project_ids``, nearest first,
    as (document id, ordinal, cosine distance): through the HNSW index with iterative scan, or
    an exact scan when the filter leaves at most ``exact_scan_max_rows`` passages."""
    count_rows = True
    if adapt_ef:
        ef_search, count_rows = _scan_plan(
            project_ids, ef_search, exact_scan_max_rows=exact_scan_max_rows, using=using
        )
    where, params = project_filter(project_ids)
    sql = f"""
        WITH query AS (SELECT %s::vector AS v),
        nearest AS MATERIALIZED (
            SELECT document_id, ordinal, embedding <=> (SELECT v FROM query) AS distance
            FROM {PASSAGES}
            WHERE true {where}
            ORDER BY distance
            LIMIT %s
        )
        SELECT document_id, ordinal, distance FROM nearest ORDER BY distance, document_id, ordinal
    """
    settings = _scan_settings(
        table=PASSAGES,
        where=where if count_rows else "",
        params=params if count_rows else [],
        ef_search=ef_search,
        exact_scan_max_rows=exact_scan_max_rows,
    )
    rows = _nearest_rows(settings, sql, [vector_literal(vector), *params, k], using=using)
    return [(row[0], row[1], float(row[2])) for row in rows]


_HIT_COLUMNS = "id, project_id, filename, content_type, uploaded_at, embedding_windows"


def nearest_sql(where: str = "") -> str:
    """Return the top-k query of document vectors; params: the vector literal, the filter's
    params, k. The vector is parsed once (the CTE) and reaches the distance as an InitPlan
    parameter, which the HNSW index can order by; ordering by the output column computes each
    distance once."""
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


def documents_nearest(
    *,
    vector,
    k: int,
    project_ids: Iterable | QuerySet | None,
    ef_search: int = DEFAULT_EF_SEARCH,
    exact_scan_max_rows: int = EXACT_SCAN_MAX_ROWS,
    extra_where: str = "",
    using: str = SPECS_DB,
) -> list[SearchHit]:
    """Return the k nearest embedded documents to a unit vector within ``project_ids``, by
    their document vector (the search's fallback for documents without passages).

    ``project_ids`` is a list of ids, a values("id") queryset of projects (compiled into the
    query as a subquery), or None for no filter (benchmarks, admin tools).
    """
    where, params = project_filter(project_ids)
    settings = _scan_settings(
        table=TABLE,
        where=where,
        params=params,
        ef_search=ef_search,
        exact_scan_max_rows=exact_scan_max_rows,
    )
    rows = _nearest_rows(
        settings,
        nearest_sql(f"{where} {extra_where}"),
        [vector_literal(vector), *params, k],
        using=using,
    )
    return [
        SearchHit(
            id=row[0],
            project_id=row[1],
            filename=row[2],
            content_type=row[3],
            uploaded_at=row[4],
            embedding_windows=row[5],
            score=1.0 - float(row[6]),
            semantic_score=1.0 - float(row[6]),
        )
        for row in rows
    ]
