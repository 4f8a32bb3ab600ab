"""The engine of `manage.py backfill_embeddings`: claim, embed, write, in keyset batches.

Per batch:

1. Claim, in one short transaction: the next rows by primary key that need an embedding,
   `SELECT ... FOR UPDATE SKIP LOCKED`, and for each of them a session-level advisory lock
   (`pg_try_advisory_lock`). The transaction commits at once; the advisory locks stay.
2. Embed the claimed texts outside any transaction (the slow part).
3. Write all vectors in one `UPDATE ... FROM (VALUES ...)`, only where the content still has
   the hash it had when claimed; then release the advisory locks.

Why advisory locks rather than a lease column (`claimed_until`): the row lock of FOR UPDATE
ends with the claim transaction, so the claim must outlive it somehow. A session-level advisory
lock needs no schema change and no clock, and it dies with the connection: a worker killed by
SIGKILL frees its rows the moment PostgreSQL sees the socket close, so a rerun finishes the job
at once instead of waiting for leases to expire. Its one requirement is a session-pooled (or
direct) connection; behind a transaction-pooling PgBouncer use a direct DATABASE_URL.

Why no document is embedded twice by concurrent workers: a worker only embeds rows it holds the
advisory lock of, and takes that lock while holding the row lock; the holder writes the vector
(its UPDATE waits for any claim transaction that has the row locked) before releasing the lock,
and a claim that locks the row after that write re-checks the staleness condition on the new
row version (READ COMMITTED re-evaluation under FOR UPDATE) and drops it. Why none is missed:
rows skipped by SKIP LOCKED or held by another worker's lock are in that worker's hands; rows
whose content changes mid-flight stay stale for the next run.

Crash safety: the write is one statement in one transaction, so a row has either its complete
new embedding (vector, model, hash, windows, time) or its previous state.

Passages: the write stores each document's passages (knowledge_passages) with its vector, in
the same transaction: the UPDATE of the vectors, a DELETE of exactly the updated documents' old
passages, one multi-row INSERT of the new ones (services.embeddings_write).

A pipeline: while the model encodes batch n (this thread), one database thread claims and
splits batch n+1 into passages and writes batch n-1 then releases its claims. At most one batch
waits on each side of the model, so memory stays flat (three batches at most), and the model
is never idle waiting for the database. The database thread uses this thread's connection
(handed over with Django's thread sharing; the two never use it at once), so the advisory locks
are taken and released on one session, and the work stays in the caller's transaction scope.

Memory: three batches of texts and vectors at most; nothing grows with the table.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connections, transaction

from knowledge_app.embeddings import EMPTY_CONTENT, BaseEmbedder
from knowledge_app.selectors import TABLE, backlog_counts, content_hash_sql, stale_condition
from knowledge_app.services import CLAIM_KEY_SQL, EmbeddingRow, embeddings_write, release_claims
from socrates.db import SPECS_DB

CLAIMED_ELSEWHERE = "being embedded by another worker"
CHANGED_MEANWHILE = "content changed or document deleted while embedding"


@dataclass
class BackfillReport:
    total_at_start: int = 0
    embedded: int = 0
    skipped: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    batches: int = 0
    seconds: float = 0.0
    load_seconds: float = 0.0  # loading the model, left out of the rate
    # Where the time went: claiming, the model (windowing included), writing.
    claim_seconds: float = 0.0
    embed_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def processed(self) -> int:
        return self.embedded + sum(self.skipped.values()) + sum(self.failed.values())

    @property
    def documents_per_second(self) -> float:
        working = self.seconds - self.load_seconds
        return self.embedded / working if working > 0 else 0.0

    def summary(self) -> str:
        def reasons(counter: Counter) -> str:
            total = sum(counter.values())
            if not total:
                return "0"
            detail = ", ".join(f"{reason}: {count}" for reason, count in counter.most_common())
            return f"{total} ({detail})"

        return (
            f"Embedded {self.embedded} documents; skipped {reasons(self.skipped)}; "
            f"failed {reasons(self.failed)}; {self.documents_per_second:.1f} documents/s "
            f"({self.seconds:.1f} s in {self.batches} batches"
            + (f", model load {self.load_seconds:.1f} s" if self.load_seconds else "")
            + ")."
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    id: uuid.UUID
    claimed: bool
    content: str | None
    content_hash: str | None


@dataclass
class Batch:
    """One claimed batch on its way through the pipeline."""

    candidates: list[Candidate]
    claimed: list[Candidate]
    texts: list[Candidate]  # claimed, with something to embed
    prepared: object = None  # the embedder's split of the texts (passages)
    released: bool = False


class EmbeddingBackfill:
    """Fill missing or stale embeddings; several instances may share one backlog."""

    def __init__(
        self,
        *,
        model_name: str,
        embedder_factory: Callable[[], BaseEmbedder],
        using: str = SPECS_DB,
        batch_size: int = 128,
        limit: int | None = None,
        project_ids: Sequence[uuid.UUID] = (),
        reembed_stale: bool = True,
        reembed_all: bool = False,
        sleep: float = 0.0,
        log_embedded: str | None = None,
        on_document: Callable[[uuid.UUID, str, str], None] | None = None,
    ):
        self.model_name = model_name
        self.embedder_factory = embedder_factory
        self.using = using
        self.batch_size = batch_size
        self.limit = limit
        self.project_ids = list(project_ids)
        self.reembed_stale = reembed_stale
        self.reembed_all = reembed_all
        self._started_at = None
        self.sleep = sleep
        self.log_embedded = log_embedded
        # Called as on_document(id, "skipped" | "failed", reason) for each document not embedded.
        self.on_document = on_document
        self._loaded: BaseEmbedder | None = None

    @property
    def embedded_before(self):
        """With --all: the run's start, by the database's clock (which stamps embedded_at)."""
        if not self.reembed_all:
            return None
        if self._started_at is None:
            with connections[self.using].cursor() as cursor:
                cursor.execute("SELECT statement_timestamp()")
                self._started_at = cursor.fetchone()[0]
        return self._started_at

    def count(self) -> dict[str, int]:
        """Count the backlog now, by reason, and how many of it have empty content."""
        counts = backlog_counts(
            model_name=self.model_name,
            project_ids=self.project_ids,
            reembed_stale=self.reembed_stale,
            embedded_before=self.embedded_before,
            using=self.using,
        )
        if self.limit is not None:
            counts["to process"] = min(counts["total"], self.limit)
        else:
            counts["to process"] = counts["total"]
        return counts

    def run(self, *, total: int | None = None, progress=None) -> BackfillReport:
        """Process the backlog to its end (or --limit); ``progress`` is a tqdm-like bar."""
        started = time.monotonic()
        report = BackfillReport(
            total_at_start=self.count()["to process"] if total is None else total
        )
        if report.total_at_start == 0:
            report.seconds = time.monotonic() - started
            return report
        self.embedded_before  # noqa: B018 - read once, here, before the thread shares the session
        connection = connections[self.using]
        connection.inc_thread_sharing()
        database = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="backfill-db",
            initializer=_use_connection,
            initargs=(self.using, connection),
        )
        self._unwritten: list[Batch] = []  # claimed, not yet released (database thread only)
        try:
            self._pipeline(database, report, progress)
        finally:
            # Stopped early (an error, Ctrl-C): give back the claims nobody will write. Queued
            # work runs first (a write in flight still lands), then this.
            database.submit(self._release_all).result()
            database.shutdown(wait=True)
            connection.dec_thread_sharing()
        report.seconds = time.monotonic() - started
        return report

    def _batch_size_for(self, left: int | None) -> int:
        """The size of the next claim, given about how many documents are ``left`` (None or
        0: not known).

        Full batches until two batches' worth are left; then a third of what is left each time
        (at least an eighth of a batch). The last batch's write is the one step the pipeline
        cannot overlap with the model (nothing is left to encode meanwhile), so a run ends by
        waiting for it: ~2.5 s for 128 documents of ~7 passages, their HNSW inserts chiefly
        (bench/embeddings.py), against ~0.1 s for the few documents this leaves last. Each
        smaller batch still hides the write of the one before (a third of the documents to
        encode against a write that takes about a third as long as encoding them).
        """
        full = self.batch_size
        if not left or left >= 2 * full:
            return full
        return min(left, max(full // 8, 1, math.ceil(left / 3)))

    def _pipeline(self, database, report, progress) -> None:
        remaining = self.limit
        # Without --limit, the backlog counted at the start less what was claimed since: an
        # estimate (other workers and new documents change it) used only to size the tail.
        unseen = report.total_at_start

        def size_for(remaining: int | None) -> int:
            return self._batch_size_for(unseen if remaining is None else remaining)

        next_batch: Future | None = database.submit(
            self._claim_batch, after=None, size=size_for(remaining), report=report
        )
        writing: tuple[Future, Batch, list] | None = None
        while next_batch is not None:
            batch = next_batch.result()
            next_batch = None
            if batch is None:
                break
            if remaining is not None:
                remaining -= len(batch.claimed)
            unseen = max(0, unseen - len(batch.candidates))
            if remaining is None or remaining > 0:
                # Claimed and split while the model works on this batch.
                next_batch = database.submit(
                    self._claim_batch,
                    after=batch.candidates[-1].id,
                    size=size_for(remaining),
                    report=report,
                )
            rows = self._embed(batch, report)
            if writing is not None:
                self._account(*writing, report)  # at most one write waits
            writing = (database.submit(self._write_batch, batch, rows), batch, rows)
            if progress is not None:
                progress.update(len(batch.candidates))
            if self.sleep:
                time.sleep(self.sleep)
        if writing is not None:
            self._account(*writing, report)

    # --- on the database thread ------------------------------------------------------------

    def _claim_batch(self, *, after: uuid.UUID | None, size: int, report) -> Batch | None:
        tick = time.monotonic()
        candidates = self._claim(after=after, size=size)
        report.claim_seconds += time.monotonic() - tick
        if not candidates:
            return None
        claimed = [c for c in candidates if c.claimed]
        texts = [c for c in claimed if c.content and not c.content.isspace()]
        batch = Batch(candidates=candidates, claimed=claimed, texts=texts)
        self._unwritten.append(batch)
        if texts:
            batch.prepared = self._embedder(report).prepare([c.content for c in texts])
        return batch

    def _write_batch(self, batch: Batch, rows: list[EmbeddingRow]) -> tuple[set, float]:
        tick = time.monotonic()
        try:
            written = embeddings_write(rows=rows, model_name=self.model_name, using=self.using)
        finally:
            self._release(batch)
        return written, time.monotonic() - tick

    def _release(self, batch: Batch) -> None:
        if not batch.released:
            release_claims([c.id for c in batch.claimed], using=self.using)
            batch.released = True
            self._unwritten.remove(batch)

    def _release_all(self) -> None:
        for batch in list(self._unwritten):
            self._release(batch)

    # --- on the caller's thread --------------------------------------------------------------

    def _claim(self, *, after: uuid.UUID | None, size: int) -> list[Candidate]:
        condition, params = stale_condition(
            model_name=self.model_name,
            reembed_stale=self.reembed_stale,
            embedded_before=self.embedded_before,
        )
        where = [condition]
        if after is not None:
            where.append("id > %s")
            params.append(after)
        if self.project_ids:
            where.append("project_id = ANY(%s)")
            params.append(self.project_ids)
        sql = f"""
            WITH candidates AS MATERIALIZED (
                SELECT id, content, {content_hash_sql()} AS content_hash
                FROM {TABLE}
                WHERE {" AND ".join(where)}
                ORDER BY id
                LIMIT %s
                FOR UPDATE SKIP LOCKED
            ),
            claims AS MATERIALIZED (
                SELECT id, pg_try_advisory_lock({CLAIM_KEY_SQL.format(column="id")}) AS claimed
                FROM candidates
            )
            SELECT c.id, k.claimed,
                   CASE WHEN k.claimed THEN c.content END,
                   CASE WHEN k.claimed THEN c.content_hash END
            FROM candidates c JOIN claims k USING (id)
            ORDER BY c.id
        """
        with transaction.atomic(using=self.using), connections[self.using].cursor() as cursor:
            cursor.execute(sql, [*params, size])
            return [Candidate(*row) for row in cursor.fetchall()]

    def _embedder(self, report: BackfillReport) -> BaseEmbedder:
        """Load the model on first need (a backlog of blank documents never loads it)."""
        if self._loaded is None:
            started = time.monotonic()
            self._loaded = self.embedder_factory()
            report.load_seconds += time.monotonic() - started
            if self._loaded.model_name != self.model_name:
                raise ValueError(
                    f"the embedder reports model {self._loaded.model_name!r}, "
                    f"expected {self.model_name!r}"
                )
        return self._loaded

    def _embed(self, batch: Batch, report: BackfillReport) -> list[EmbeddingRow]:
        """Run the model on a batch (the only step on this thread); return the rows to write."""
        elsewhere = len(batch.candidates) - len(batch.claimed)
        if elsewhere:
            report.skipped[CLAIMED_ELSEWHERE] += elsewhere
        for candidate in batch.claimed:
            if not (candidate.content and not candidate.content.isspace()):
                report.skipped[EMPTY_CONTENT] += 1
                self._notify(candidate.id, "skipped", EMPTY_CONTENT)
        report.batches += 1
        if not batch.texts:
            return []
        embedder = self._embedder(report)
        tick = time.monotonic()
        results = embedder.embed_prepared(batch.prepared)
        report.embed_seconds += time.monotonic() - tick
        batch.prepared = None  # the passages' texts are not needed any more
        self._log([c.id for c in batch.texts])
        rows = []
        for candidate, result in zip(batch.texts, results, strict=True):
            if result.vector is not None:
                rows.append(
                    EmbeddingRow(
                        candidate.id,
                        result.vector,
                        candidate.content_hash,
                        result.windows,
                        result.passages,
                        candidate.content,
                    )
                )
            elif result.skipped:
                report.skipped[result.skipped] += 1
                self._notify(candidate.id, "skipped", result.skipped)
            else:
                reason = result.error or "unknown error"
                report.failed[f"model error: {reason}"[:120]] += 1
                self._notify(candidate.id, "failed", reason)
        return rows

    def _account(self, future: Future, batch: Batch, rows: list, report: BackfillReport) -> None:
        """Wait for a batch's write; count what was written and what changed meanwhile."""
        written, seconds = future.result()
        report.write_seconds += seconds
        report.embedded += len(written)
        for row in rows:
            if row.document_id not in written:
                report.skipped[CHANGED_MEANWHILE] += 1
                self._notify(row.document_id, "skipped", CHANGED_MEANWHILE)

    def _notify(self, document_id: uuid.UUID, outcome: str, reason: str) -> None:
        if self.on_document is not None:
            self.on_document(document_id, outcome, reason)

    def _log(self, ids: list[uuid.UUID]) -> None:
        """Append the ids just sent to the model (an audit of model calls per document)."""
        if not self.log_embedded:
            return
        line = "".join(f"{document_id}\n" for document_id in ids)
        # One O_APPEND write per batch: lines from concurrent workers never interleave.
        fd = os.open(self.log_embedded, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def _use_connection(alias: str, connection) -> None:
    """Thread initializer: work on the caller's connection (see the module docstring)."""
    connections[alias] = connection
