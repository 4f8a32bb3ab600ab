"""Benchmark top-10 semantic search through knowledge_app.selectors.documents_nearest.

For each table size (10,000, 100,000 and 1,000,000 vectors by default) the table
knowledge_base_documents of a throwaway database (bench_socrates_specs on the server of
SOCRATES_DATA_DIR, dropped at the end) is filled by COPY with 384-d unit vectors spread over 50
projects, the HNSW index of migration 0004 (m=16, ef_construction=64, vector_cosine_ops) is
rebuilt, the table vacuumed (the steady state autovacuum keeps), and for every hnsw.ef_search in
--ef the script reports p50/p99 latency of the selector and recall@10 against an exact scan
(SET LOCAL enable_indexscan = off), unfiltered and filtered to one project of the 50 (2% of the
rows). A filter leaving at most EXACT_SCAN_MAX_ROWS rows is answered by an exact scan, so at
100,000 vectors the filtered figures are those of that path; --exact-max 0 forces the HNSW
iterative scan instead.

Vectors: `clustered` (default) draws each vector near one of N/100 random centres, like
embeddings of documents on many topics; `uniform` draws them uniformly on the sphere (the
hardest synthetic case: no neighbourhoods at all, so no graph index does well on it). Projects:
`correlated` (default) gives each project its own topics, as a project's knowledge base has,
and filtered queries ask about them; `independent` spreads every topic over all projects, the
adversarial case for a filtered index scan. Queries are drawn fresh, never from the table.

    SOCRATES_DATA_DIR=/tmp/socrates-<you> .venv/bin/python bench/search.py \\
        [--sizes 10000,100000,1000000] [--ef 40,100,200] [--distribution clustered]
        [--projects correlated] [--exact-max N] [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socrates.settings")

PROJECTS = 50
DIMENSIONS = 384
INDEX_SQL = (
    "CREATE INDEX kb_documents_embedding_hnsw ON knowledge_base_documents"
    " USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
)


def setup_bench_databases():
    """Create and migrate bench_* copies of both databases; return Django's teardown config."""
    import django
    from django.db import connections
    from django.test.utils import setup_databases

    django.setup()
    for alias in ("default", "specs"):
        settings_dict = connections.databases[alias]
        settings_dict.setdefault("TEST", {})["NAME"] = "bench_" + settings_dict["NAME"]
    return setup_databases(verbosity=0, interactive=False, keepdb=False)


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


class VectorSource:
    """Deterministic vectors and their projects, in chunks (never a million rows at once).

    ``projects="correlated"``: each topic centre belongs to one project and 90% of a project's
    documents are on its own topics, as a project's knowledge base is; filtered queries ask
    about the project's topics. ``"independent"``: documents go to projects round-robin,
    whatever their topic (the adversarial case for a filtered index scan).
    """

    def __init__(self, size: int, distribution: str, projects: str, seed: int = 7):
        self.size, self.distribution, self.projects = size, distribution, projects
        rng = np.random.default_rng(seed)
        self.centres = unit(rng.standard_normal((max(size // 100, PROJECTS), DIMENSIONS)))
        self.seed = seed

    def _vectors(self, rng: np.random.Generator, centre_ids: np.ndarray) -> np.ndarray:
        noise = rng.standard_normal((len(centre_ids), DIMENSIONS)).astype(np.float32)
        if self.distribution == "uniform":
            return unit(noise)
        # 0.05 per dimension: a vector is at cosine ~0.7 from its centre, ~0.5 from its
        # neighbours, as related sentences are under all-MiniLM-L6-v2.
        return unit(self.centres[centre_ids] + 0.05 * noise)

    def chunks(self, chunk: int = 20_000):
        """Yield (offset, vectors, project numbers 0..49)."""
        rng = np.random.default_rng(self.seed + 1)
        done = 0
        while done < self.size:
            count = min(chunk, self.size - done)
            centre_ids = rng.integers(0, len(self.centres), count)
            if self.projects == "correlated":
                projects = centre_ids % PROJECTS
                strays = rng.random(count) < 0.1
                projects[strays] = rng.integers(0, PROJECTS, int(strays.sum()))
            else:
                projects = (np.arange(done, done + count) % PROJECTS).astype(np.int64)
            yield done, self._vectors(rng, centre_ids), projects
            done += count

    def queries(self, count: int, project: int | None = None) -> np.ndarray:
        """Queries on any topic, or (correlated) on the topics of one project."""
        rng = np.random.default_rng(self.seed + 2 + (project or 0))
        if project is not None and self.projects == "correlated":
            own = np.arange(project, len(self.centres), PROJECTS)
            centre_ids = own[rng.integers(0, len(own), count)]
        else:
            centre_ids = rng.integers(0, len(self.centres), count)
        return self._vectors(rng, centre_ids)


def fill(source: VectorSource, project_ids: list[uuid.UUID]) -> float:
    """Replace the table's rows with the source's vectors (COPY) and rebuild the index."""
    from django.db import connections
    from pgvector.psycopg import register_vector

    connection = connections["specs"]
    connection.ensure_connection()
    raw = connection.connection
    register_vector(raw)
    owner = uuid.uuid4()
    started = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS kb_documents_embedding_hnsw")
        cursor.execute("TRUNCATE knowledge_base_documents")
        columns = (
            "id, project_id, user_id, filename, file_size, content_type, content, uploaded_at,"
            " embedding, embedding_model"
        )
        now = datetime.now(UTC)
        with cursor.copy(
            f"COPY knowledge_base_documents ({columns}) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                [
                    "uuid",
                    "uuid",
                    "uuid",
                    "varchar",
                    "int4",
                    "varchar",
                    "text",
                    "timestamptz",
                    "vector",
                    "varchar",
                ]
            )
            for offset, vectors, project_numbers in source.chunks():
                for index, (vector, number) in enumerate(
                    zip(vectors, project_numbers, strict=True), start=offset
                ):
                    copy.write_row(
                        (
                            uuid.uuid4(),
                            project_ids[number],
                            owner,
                            f"v{index}",
                            0,
                            "text/plain",
                            "",
                            now,
                            vector,
                            "bench",
                        )
                    )
        raw.commit()
        loaded = time.perf_counter() - started
        # Enough memory for the graph to be built in memory (else the build crawls).
        cursor.execute("SET maintenance_work_mem = '4GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        started = time.perf_counter()
        cursor.execute(INDEX_SQL)
        built = time.perf_counter() - started
        # The steady state autovacuum keeps: statistics, and a visibility map that lets the
        # selector count a project's rows from the index alone.
        cursor.execute("VACUUM ANALYZE knowledge_base_documents")
        raw.commit()
    print(
        f"  loaded {source.size} rows in {loaded:.0f} s, built the HNSW index in {built:.0f} s",
        flush=True,
    )
    return built


def exact_top10(query: np.ndarray, project_id: uuid.UUID | None) -> list[uuid.UUID]:
    from django.db import connections, transaction

    literal = "[" + ",".join(f"{x:.9g}" for x in query) + "]"
    where, params = ("WHERE project_id = %s", [project_id]) if project_id else ("", [])
    with transaction.atomic(using="specs"), connections["specs"].cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(
            f"SELECT id FROM knowledge_base_documents {where}"
            " ORDER BY embedding <=> %s::vector LIMIT 10",
            [*params, literal],
        )
        return [row[0] for row in cursor.fetchall()]


def measure(queries, truths, project_id, **options) -> tuple[float, float, float]:
    from knowledge_app.selectors import documents_nearest

    project_ids = None if project_id is None else [project_id]
    for query in queries[:20]:  # warm the cache
        documents_nearest(vector=query, k=10, project_ids=project_ids, **options)
    latencies, recalls = [], []
    for query, truth in zip(queries, truths, strict=True):
        started = time.perf_counter()
        hits = documents_nearest(vector=query, k=10, project_ids=project_ids, **options)
        latencies.append(time.perf_counter() - started)
        recalls.append(len({hit.id for hit in hits} & set(truth)) / 10)
    p50, p99 = np.percentile(np.array(latencies) * 1000, [50, 99])
    return float(p50), float(p99), float(np.mean(recalls))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--ef", default="40,100,200")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--distribution", choices=["clustered", "uniform"], default="clustered")
    parser.add_argument("--projects", choices=["correlated", "independent"], default="correlated")
    parser.add_argument(
        "--exact-max",
        type=int,
        default=None,
        help="override the selector's EXACT_SCAN_MAX_ROWS (0: always walk the index)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    efs = [int(e) for e in args.ef.split(",")]

    old_config = setup_bench_databases()
    from django.test.utils import teardown_databases

    from knowledge_app.selectors import DEFAULT_EF_SEARCH, EXACT_SCAN_MAX_ROWS
    from specs_app.models import Project

    try:
        owner = uuid.uuid4()
        projects = [
            Project.objects.create(owner_id=owner, creator_id=owner, name=f"p{i}").pk
            for i in range(PROJECTS)
        ]
        print(
            f"{args.distribution} vectors, {PROJECTS} projects ({args.projects} with topics), "
            f"top-10, {args.queries} queries per case; selector defaults: ef_search="
            f"{DEFAULT_EF_SEARCH}, exact scan up to {EXACT_SCAN_MAX_ROWS} rows"
            + (f" (overridden: {args.exact_max})" if args.exact_max is not None else "")
        )
        for size in sizes:
            source = VectorSource(size, args.distribution, args.projects)
            print(f"{size} vectors:", flush=True)
            fill(source, projects)
            # Fewer exact scans at a million rows: each reads the whole table.
            count = args.queries if size <= 100_000 else max(args.queries // 2, 50)
            target = projects[0]
            cases = {
                "unfiltered": (source.queries(count), None),
                "one project of 50": (source.queries(count, project=0), target),
            }
            started = time.perf_counter()
            truths = {
                case: [exact_top10(q, project_id) for q in queries]
                for case, (queries, project_id) in cases.items()
            }
            print(f"  exact scans for recall: {time.perf_counter() - started:.0f} s", flush=True)
            for case, (queries, project_id) in cases.items():
                for ef in efs:
                    options = {"ef_search": ef}
                    if args.exact_max is not None:
                        options["exact_scan_max_rows"] = args.exact_max
                    p50, p99, recall = measure(queries, truths[case], project_id, **options)
                    mark = "  <- default" if ef == DEFAULT_EF_SEARCH else ""
                    print(
                        f"  {case:>17}  ef_search={ef:<4} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
                        f"  recall@10 {recall:.3f}{mark}",
                        flush=True,
                    )
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
