"""Benchmark passage search through knowledge_app.selectors, on vectors of real text.

Vectors: the real model's embeddings of 48-token passages of text nobody here wrote: the
docstrings of the installed Python packages (site-packages of this virtual environment: Django,
numpy, torch, transformers, ... hundreds of subjects), cut into passages exactly as the backfill
cuts documents. They are embedded once and cached outside the repository
(~/.cache/socrates-bench/, or $SOCRATES_BENCH_CACHE), so later runs start at once. Held-out
passages (never in the table) are the queries.

Sizes above the number of real passages (--real, 100,000 by default) are made from them: each
extra row is a real vector plus Gaussian noise, normalised, the noise sized so that a made
vector is as far from its seed as a real passage is from its nearest real neighbour (median).
The script prints the nearest-neighbour cosine distribution (p10/p50/p90) of real vectors and
of the made set, to show how alike they are. Rows made from a seed carry its text.

Projects: 50. Passages of one package go to one project (as a project's knowledge base sits on
its own topics), except a random 2% of all rows, which go to project 0: a project spread over
every topic, the hard case for a filtered index scan. Cases per size: unfiltered, one regular
project, the spread project. For each: p50/p99 of the selector and recall@10 against an exact
scan (SET LOCAL enable_indexscan = off): `passages_nearest` (semantic, passage level, for
recall), and the whole `ranked_search` (documents with their best passages) in semantic,
keyword and hybrid modes (keyword search is exact by construction, a GIN index lookup: latency
only). Also: load time, HNSW and GIN build time and index sizes. Then the two filtered cases
again after services.project_indexes_sync has given the projects large enough (10,000 passages,
at most 25% of the table) an HNSW index of their own, with that index's build time and size.

The table knowledge_passages of throwaway databases (bench_socrates_* on the server of
SOCRATES_DATA_DIR, dropped at the end) is filled by COPY; documents hold 50 passages each, and
are written as the backfill writes them: a document's passages together, the documents of all
projects interleaved in random order (so a project's passages lie in runs of a few pages, not
one row per page).

    SOCRATES_DATA_DIR=/tmp/socrates-<you> .venv/bin/python bench/search.py \\
        [--sizes 100000,1000000] [--real 100000] [--ef 40,100,200] [--queries 200]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socrates.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROJECTS = 50
SPREAD_SHARE = 0.02
PASSAGES_PER_DOCUMENT = 50
HELD_OUT = 2000
CACHE = Path(os.environ.get("SOCRATES_BENCH_CACHE", Path.home() / ".cache" / "socrates-bench"))
HNSW_SQL = (
    "CREATE INDEX kb_passages_embedding_hnsw ON knowledge_passages"
    " USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
)
GIN_SQL = "CREATE INDEX kb_passages_keyword_gin ON knowledge_passages USING gin (search_vector)"


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


# --- real passages ----------------------------------------------------------------------------


def docstrings() -> list[tuple[str, str]]:
    """(package, docstring) of every module, class and function of site-packages, in a fixed
    order; docstrings of at least 200 characters, whitespace collapsed."""
    import site

    root = Path(site.getsitepackages()[0])
    found = []
    for path in sorted(root.rglob("*.py")):
        package = path.relative_to(root).parts[0]
        if package.endswith(".dist-info") or "/tests/" in str(path):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                text = ast.get_docstring(node)
                if text and len(text) >= 200:
                    found.append((package.split(".")[0], " ".join(text.split())))
    return found


def real_passages(embedder, count: int) -> tuple[np.ndarray, list[str], list[str]]:
    """``count`` real passages (vectors, texts, packages), from the cache or made now."""
    key = hashlib.sha256(
        f"{count}:{embedder.model_name}:{embedder.passage_tokens}:v1".encode()
    ).hexdigest()[:12]
    vectors_path, meta_path = CACHE / f"passages-{key}.npy", CACHE / f"passages-{key}.json"
    if vectors_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        print(f"real passages: {count} from the cache {vectors_path}", flush=True)
        texts = [text.replace("\x00", "") for text in meta["texts"]]  # no NUL in PostgreSQL
        return np.load(vectors_path), texts, meta["packages"]
    started = time.perf_counter()
    sources = docstrings()
    random.Random(7).shuffle(sources)
    texts, packages, seen = [], [], set()
    for start in range(0, len(sources), 256):
        chunk = sources[start : start + 256]
        for (package, _text), spans in zip(
            chunk, embedder.passages([t for _p, t in chunk]), strict=True
        ):
            for span in spans:
                # A docstring may hold a NUL, which no PostgreSQL text can (nor can uploads).
                if span.tokens >= 16 and span.text not in seen and "\x00" not in span.text:
                    seen.add(span.text)
                    texts.append(span.text)
                    packages.append(package)
        if len(texts) >= count:
            break
    if len(texts) < count:
        raise SystemExit(f"only {len(texts)} distinct passages in site-packages' docstrings")
    texts, packages = texts[:count], packages[:count]
    print(
        f"real passages: {count} cut from {len(sources)} docstrings of "
        f"{len(set(packages))} packages; embedding them once...",
        flush=True,
    )
    vectors = np.empty((count, embedder.dimensions), dtype=np.float32)
    for start in range(0, count, 1024):
        vectors[start : start + 1024] = embedder.encode(texts[start : start + 1024])
        if start % 20480 == 0:
            print(f"  {start}/{count} ({time.perf_counter() - started:.0f} s)", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(vectors_path, vectors)
    meta_path.write_text(json.dumps({"texts": texts, "packages": packages}))
    print(f"  embedded and cached in {time.perf_counter() - started:.0f} s", flush=True)
    return vectors, texts, packages


def nearest_cosines(sample: np.ndarray, population: np.ndarray, *, skip_self: bool) -> np.ndarray:
    """Cosine of each sample vector to its nearest neighbour in the population (brute force)."""
    best = np.full(len(sample), -2.0, dtype=np.float32)
    for start in range(0, len(population), 100_000):
        block = sample @ population[start : start + 100_000].T
        if skip_self:
            block[block > 0.99999] = -2.0  # the vector itself (or an exact duplicate)
        best = np.maximum(best, block.max(axis=1))
    return best


def made_vectors(real: np.ndarray, count: int, noise: float, seed: int = 11):
    """Yield (seed indexes, vectors) chunks: a real vector plus noise, normalised."""
    rng = np.random.default_rng(seed)
    for start in range(0, count, 50_000):
        size = min(50_000, count - start)
        seeds = rng.integers(0, len(real), size)
        vectors = real[seeds] + noise * rng.standard_normal((size, real.shape[1])).astype(
            np.float32
        ) / np.sqrt(real.shape[1])
        yield seeds, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


# --- the table ---------------------------------------------------------------------------------


def fill(rows_vectors, texts, project_of_row, project_ids) -> dict:
    """Replace documents and passages by COPY; build the indexes; return timings and sizes."""
    from django.db import connections
    from pgvector.psycopg import register_vector

    connection = connections["specs"]
    connection.ensure_connection()
    raw = connection.connection
    register_vector(raw)
    owner = uuid.uuid4()
    figures = {}
    started = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS kb_passages_embedding_hnsw")
        cursor.execute("DROP INDEX IF EXISTS kb_passages_keyword_gin")
        cursor.execute("TRUNCATE knowledge_base_documents CASCADE")
        count = len(project_of_row)
        order = np.argsort(project_of_row, kind="stable")
        # (id, project, its rows in ordinal order)
        documents: list[tuple[uuid.UUID, int, np.ndarray]] = []
        position = 0
        for project in range(PROJECTS):
            rows = order[position : position + int((project_of_row == project).sum())]
            position += len(rows)
            for start in range(0, len(rows), PASSAGES_PER_DOCUMENT):
                documents.append(
                    (uuid.uuid4(), project, rows[start : start + PASSAGES_PER_DOCUMENT])
                )
        with cursor.copy(
            "COPY knowledge_base_documents (id, project_id, user_id, filename, file_size,"
            " content_type, content, uploaded_at, passages_content_hash) FROM STDIN"
        ) as copy:
            for index, (document_id, project, _rows) in enumerate(documents):
                copy.write_row(
                    (document_id, project_ids[project], owner, f"d{index}.txt", 0, "text/plain",
                     "", "2026-01-01T00:00:00Z", "bench")
                )  # fmt: skip
        vectors = np.concatenate(list(rows_vectors()))
        assert len(vectors) == count
        # Written as the backfill writes them: a document's passages together (one COPY per
        # batch), the documents of every project interleaved in random order.
        written = list(range(len(documents)))
        random.Random(count).shuffle(written)
        with cursor.copy(
            "COPY knowledge_passages (document_id, project_id, ordinal, start_offset,"
            " end_offset, token_count, text, embedding, embedding_model, content_hash,"
            " created_at) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                ["uuid", "uuid", "int4", "int4", "int4", "int4", "text", "vector", "varchar",
                 "varchar", "timestamptz"]
            )  # fmt: skip
            now = datetime.now(UTC)
            for index in written:
                document_id, project, rows = documents[index]
                for ordinal, row in enumerate(rows):
                    text = texts(int(row))
                    copy.write_row(
                        (document_id, project_ids[project], ordinal, 0, len(text), 48, text,
                         vectors[row], "bench", "bench", now)
                    )  # fmt: skip
        del vectors
        raw.commit()
        figures["load_s"] = time.perf_counter() - started
        # Enough memory for the graph to be built in memory (else the build crawls).
        cursor.execute("SET maintenance_work_mem = '6GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        started = time.perf_counter()
        cursor.execute(HNSW_SQL)
        figures["hnsw_build_s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(GIN_SQL)
        figures["gin_build_s"] = time.perf_counter() - started
        cursor.execute("VACUUM ANALYZE knowledge_passages")
        cursor.execute("VACUUM ANALYZE knowledge_base_documents")
        # Flush what the load dirtied now, not while the queries are timed.
        cursor.execute("CHECKPOINT")
        cursor.execute(
            "SELECT pg_relation_size('kb_passages_embedding_hnsw'),"
            " pg_relation_size('kb_passages_keyword_gin'),"
            " pg_total_relation_size('knowledge_passages')"
        )
        figures["hnsw_mb"], figures["gin_mb"], figures["table_mb"] = (
            value / 2**20 for value in cursor.fetchone()
        )
        raw.commit()
    return figures


def exact_top10(query: np.ndarray, project_id) -> set:
    from django.db import connections, transaction

    literal = "[" + ",".join(f"{x:.9g}" for x in query) + "]"
    where, params = ("WHERE project_id = %s", [project_id]) if project_id else ("", [])
    with transaction.atomic(using="specs"), connections["specs"].cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")
        cursor.execute(
            f"SELECT document_id, ordinal FROM knowledge_passages {where}"
            " ORDER BY embedding <=> %s::vector LIMIT 10",
            [*params, literal],
        )
        return set(cursor.fetchall())


def walked(project_id) -> str:
    """The index the selector's query walks for a search of this project."""
    from django.db import connections

    from knowledge_app import selectors

    where, params = selectors.project_filter([project_id])
    with connections["specs"].cursor() as cursor:
        cursor.execute(
            f"EXPLAIN SELECT document_id FROM knowledge_passages WHERE true {where}"
            " ORDER BY embedding <=> %s::vector LIMIT 10",
            [*params, selectors.vector_literal(np.eye(384, dtype=np.float32)[0])],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    return plan.split("Index Scan using ")[1].split()[0] if "Index Scan using " in plan else plan


def timed(function, items) -> tuple[float, float, list]:
    for item in items[:10]:  # warm the cache
        function(item)
    latencies, results = [], []
    for item in items:
        started = time.perf_counter()
        results.append(function(item))
        latencies.append(time.perf_counter() - started)
    p50, p99 = np.percentile(np.array(latencies) * 1000, [50, 99])
    return float(p50), float(p99), results


def keyword_query(text: str, rng: random.Random) -> str:
    """Two words of a held-out passage, the longest (often an identifier) and one other."""
    words = [w.strip(".,:;()[]`'\"") for w in text.split()]
    words = [w for w in words if len(w) > 3]
    if not words:
        return text[:30]
    longest = max(words, key=len)
    return f"{longest} {rng.choice(words)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--real", type=int, default=100_000)
    parser.add_argument("--ef", default="40,64,100,200,400,800")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    efs = [int(e) for e in args.ef.split(",")]

    old_config = setup_bench_databases()
    from django.test.utils import teardown_databases

    from knowledge_app import selectors, services
    from knowledge_app.embeddings import get_embedder
    from specs_app.models import Project

    try:
        from django.db import connections

        with connections["specs"].cursor() as cursor:
            cursor.execute("SELECT current_setting('shared_buffers'), version()")
            buffers, version = cursor.fetchone()
        print(f"server: {version.split(' on ')[0]}, shared_buffers {buffers}", flush=True)
        embedder = get_embedder()
        real, real_texts, real_packages = real_passages(embedder, args.real + HELD_OUT)
        queries_all, query_texts, query_packages = (
            real[args.real :],
            real_texts[args.real :],
            real_packages[args.real :],
        )
        real, real_texts, real_packages = (
            real[: args.real],
            real_texts[: args.real],
            real_packages[: args.real],
        )
        sample = real[np.random.default_rng(3).choice(len(real), 1000, replace=False)]
        real_nn = nearest_cosines(sample, real, skip_self=True)
        median_nn = float(np.median(real_nn))
        noise = float(np.sqrt(1 / median_nn**2 - 1))
        print(
            f"real nearest-neighbour cosine among {len(real)}: p10/p50/p90 "
            + "/".join(f"{v:.3f}" for v in np.percentile(real_nn, [10, 50, 90]))
            + f"; made rows: real + noise of norm {noise:.3f}",
            flush=True,
        )
        package_names = sorted(set(real_packages) | set(query_packages))
        project_of_package = {
            name: 1 + int(hashlib.md5(name.encode()).hexdigest(), 16) % (PROJECTS - 1)
            for name in package_names
        }
        owner = uuid.uuid4()
        project_ids = [
            Project.objects.create(owner_id=owner, creator_id=owner, name=f"p{i}").pk
            for i in range(PROJECTS)
        ]
        rng = random.Random(5)
        for size in sizes:
            print(f"{size} passages:", flush=True)
            made = size - min(size, len(real))

            def rows_vectors(size=size, made=made):
                yield real[: min(size, len(real))]
                for _seeds, vectors in made_vectors(real, made, noise):
                    yield vectors.astype(np.float32)

            seed_of_row = np.concatenate(
                [np.arange(min(size, len(real)))] + [s for s, _v in made_vectors(real, made, noise)]
            )
            project_of_row = np.array(
                [project_of_package[real_packages[s]] for s in seed_of_row], dtype=np.int64
            )
            spread = np.random.default_rng(size).random(size) < SPREAD_SHARE
            project_of_row[spread] = 0

            def text_of_row(row: int, seed_of_row=seed_of_row) -> str:
                return real_texts[int(seed_of_row[row])]

            figures = fill(rows_vectors, text_of_row, project_of_row, project_ids)
            print(
                f"  loaded in {figures['load_s']:.0f} s; HNSW built in "
                f"{figures['hnsw_build_s']:.0f} s ({figures['hnsw_mb']:.0f} MB), GIN in "
                f"{figures['gin_build_s']:.0f} s ({figures['gin_mb']:.0f} MB); table with "
                f"indexes {figures['table_mb']:.0f} MB",
                flush=True,
            )
            if made:
                made_sample = np.concatenate(
                    [v for _s, v in made_vectors(real, min(made, 50_000), noise, seed=99)]
                )[:500]
                population = np.concatenate(
                    [real] + [v.astype(np.float32) for _s, v in made_vectors(real, made, noise)]
                )
                made_nn = nearest_cosines(made_sample, population, skip_self=True)
                real_nn_big = nearest_cosines(sample[:500], population, skip_self=True)
                del population
                print(
                    "  nearest-neighbour cosine in this table: made rows p10/p50/p90 "
                    + "/".join(f"{v:.3f}" for v in np.percentile(made_nn, [10, 50, 90]))
                    + ", real rows "
                    + "/".join(f"{v:.3f}" for v in np.percentile(real_nn_big, [10, 50, 90])),
                    flush=True,
                )
            regular = max(
                range(1, PROJECTS),
                key=lambda p: sum(project_of_package[q] == p for q in query_packages),
            )
            own = [i for i, q in enumerate(query_packages) if project_of_package[q] == regular]
            count = args.queries if size <= 100_000 else max(args.queries // 2, 50)
            picks = np.random.default_rng(size + 1).choice(len(queries_all), count, replace=False)
            cases = {
                "unfiltered": (picks, None),
                f"project {regular} ({(project_of_row == regular).mean():.1%})": (
                    np.array(own[:count]),
                    project_ids[regular],
                ),
                f"spread project ({SPREAD_SHARE:.0%}, every topic)": (picks, project_ids[0]),
            }

            def measure(case, indexes, project_id, efs=efs):
                vectors = queries_all[indexes]
                scope = None if project_id is None else [project_id]
                started = time.perf_counter()
                truths = [exact_top10(v, project_id) for v in vectors]
                seconds = time.perf_counter() - started
                print(f"  {case}: {len(indexes)} queries (exact scans {seconds:.0f} s)", flush=True)
                for ef in [*efs, None]:
                    # None: the selector's own choice (ef_search from the filter's share).
                    p50, p99, results = timed(
                        lambda v, ef=ef, scope=scope: selectors.passages_nearest(
                            vector=v,
                            k=10,
                            project_ids=scope,
                            ef_search=ef or selectors.DEFAULT_EF_SEARCH,
                            adapt_ef=ef is None,
                        ),
                        list(vectors),
                    )
                    recall = np.mean(
                        [
                            len({(r[0], r[1]) for r in got} & truth) / 10
                            for got, truth in zip(results, truths, strict=True)
                        ]
                    )
                    if ef is None:
                        chosen = selectors.ef_for_filter(scope, selectors.DEFAULT_EF_SEARCH)
                        label, mark = f"auto={chosen}", "  <- what the search uses"
                    else:
                        label, mark = str(ef), ""
                    print(
                        f"    passages_nearest ef_search={label:<8} p50 {p50:6.2f} ms  p99 "
                        f"{p99:6.2f} ms  recall@10 {recall:.3f}{mark}",
                        flush=True,
                    )
                words = [keyword_query(query_texts[i], rng) for i in indexes]
                for mode in ("semantic", "keyword", "hybrid"):
                    p50, p99, _results = timed(
                        lambda item, mode=mode, scope=scope: selectors.ranked_search(
                            vector=item[0], query=item[1], k=10, mode=mode, project_ids=scope
                        ),
                        list(zip(vectors, words, strict=True)),
                    )
                    print(
                        f"    ranked_search mode={mode:<8} (documents + best passage) p50 "
                        f"{p50:6.2f} ms  p99 {p99:6.2f} ms",
                        flush=True,
                    )

            for case, (indexes, project_id) in cases.items():
                measure(case, indexes, project_id)
            # Large projects get an HNSW graph of their own (services.project_indexes_sync,
            # as the periodic task does it): the same cases again on the two filtered projects.
            changes = services.project_indexes_sync(
                project_ids=[project_ids[regular], project_ids[0]]
            )
            for change in changes:
                print(
                    f"  own index of project {project_ids.index(change.project_id)} "
                    f"({change.passages} passages): {change.action}, {change.seconds:.0f} s, "
                    f"{change.megabytes:.0f} MB",
                    flush=True,
                )
            if not changes:
                print("  no project large enough for an index of its own", flush=True)
            indexed = selectors.indexed_projects(cached=False)
            for case, (indexes, project_id) in cases.items():
                if project_id in indexed:
                    print(f"  {case}: the planner walks {walked(project_id)}", flush=True)
                    measure(f"{case}, own graph", indexes, project_id, efs=[])
            services.project_indexes_sync(min_passages=10**12)  # drop them (next size)

    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
