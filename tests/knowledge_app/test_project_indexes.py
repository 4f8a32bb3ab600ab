"""Large projects' own HNSW indexes: built and dropped CONCURRENTLY, picked by the planner.

CREATE INDEX CONCURRENTLY cannot run in a transaction, so these tests run in autocommit
(transaction=True) and drop what they built. The vectors are made here (this is about which
graph a search walks and what it returns, checked against an exact answer; the model plays no
part).
"""

from __future__ import annotations

import uuid
from io import StringIO

import numpy as np
import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connections, transaction

from knowledge_app import selectors, services
from knowledge_app.models import KnowledgeBaseDocument, KnowledgePassage
from knowledge_app.tasks import sync_project_indexes
from socrates.migration_safety import SCHEMA_CHANGE_LOCK
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(databases=["default", "specs"], transaction=True)


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def add_passages(project, vectors: np.ndarray, per_document: int = 10) -> None:
    documents, passages = [], []
    for start in range(0, len(vectors), per_document):
        document = KnowledgeBaseDocument(
            project=project, user_id=project.owner_id, filename=f"{start}.txt", content="x"
        )
        documents.append(document)
        for ordinal, vector in enumerate(vectors[start : start + per_document]):
            passages.append(
                KnowledgePassage(
                    document=document, project_id=project.pk, ordinal=ordinal, start_offset=0,
                    end_offset=1, token_count=1, text="x", embedding=vector,
                    embedding_model="m", content_hash="h",
                )
            )  # fmt: skip
    KnowledgeBaseDocument.objects.bulk_create(documents)
    KnowledgePassage.objects.bulk_create(passages, batch_size=500)


def own_indexes() -> dict[str, bool]:
    with connections["specs"].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid ="
            " i.indexrelid WHERE c.relname LIKE %s",
            [selectors.PROJECT_INDEX_PREFIX.replace("_", r"\_") + "%"],
        )
        return dict(cursor.fetchall())


@pytest.fixture
def projects():
    """A project of 300 passages in 6 clusters, two of 60 and 40: only the first is large."""
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((6, 384))
    large, medium, small = (ProjectFactory() for _ in range(3))
    large_vectors = unit(np.repeat(centres, 50, axis=0) + 0.6 * rng.standard_normal((300, 384)))
    add_passages(large, large_vectors)
    add_passages(medium, unit(rng.standard_normal((60, 384))))
    add_passages(small, unit(rng.standard_normal((40, 384))))
    with connections["specs"].cursor() as cursor:
        cursor.execute("ANALYZE knowledge_passages")
    selectors.forget_indexed_projects()
    selectors._passage_statistics_cache.pop("specs", None)
    yield large, medium, small, large_vectors
    with connections["specs"].cursor() as cursor:
        for name in own_indexes():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    selectors.forget_indexed_projects()
    selectors._passage_statistics_cache.pop("specs", None)


def index_plan(project_ids, vector) -> str:
    """The plan of the selector's query when only index-ordered paths are allowed (on a table
    this small the planner would rather sort every row; on a large one it walks a graph)."""
    where, params = selectors.project_filter(project_ids)
    with transaction.atomic(using="specs"), connections["specs"].cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(
            f"EXPLAIN SELECT document_id FROM knowledge_passages WHERE true {where}"
            " ORDER BY embedding <=> %s::vector LIMIT 10",
            [*params, selectors.vector_literal(vector)],
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_large_project_gets_its_own_index_and_its_search_walks_it(projects):
    large, medium, small, large_vectors = projects
    changes = services.project_indexes_sync(min_passages=100, max_share=0.9)
    assert [(c.project_id, c.action) for c in changes] == [(large.pk, "create")]
    assert own_indexes() == {selectors.project_index_name(large.pk): True}
    assert selectors.indexed_projects() == {large.pk}

    query = large_vectors[7]
    name = selectors.project_index_name(large.pk)
    assert name in index_plan([large.pk], query)
    # Another project, or two projects, walk the shared graph with the filter.
    assert name not in index_plan([medium.pk], query)
    assert name not in index_plan([large.pk, medium.pk], query)
    assert "kb_passages_embedding_hnsw" in index_plan([large.pk, medium.pk], query)

    # Its own graph is searched as an unfiltered table of its size: no widening, no count.
    assert selectors.ef_for_filter([large.pk], selectors.DEFAULT_EF_SEARCH) == 64
    got = selectors.passages_nearest(vector=query, k=10, project_ids=[large.pk])
    expected = np.sort(1 - large_vectors @ query)[:10]
    assert np.allclose([distance for _d, _o, distance in got], expected, atol=1e-5)

    # A second sync keeps it and builds nothing.
    again = services.project_indexes_sync(min_passages=100, max_share=0.9)
    assert [(c.project_id, c.action) for c in again] == [(large.pk, "keep")]


def test_the_index_goes_when_the_project_is_no_longer_large_or_is_gone(projects):
    large, medium, _small, _vectors = projects
    services.project_indexes_sync(min_passages=50, max_share=0.9)
    assert selectors.indexed_projects() == {large.pk, medium.pk}
    # Down to 40 passages: under half the threshold of 100, dropped; 60 stays kept (>= 50).
    KnowledgeBaseDocument.objects.filter(project=large).exclude(
        pk__in=KnowledgeBaseDocument.objects.filter(project=large).values("pk")[:4]
    ).delete()
    medium.delete()  # the project itself: its passages go with it (cascade in the database)
    changes = services.project_indexes_sync(min_passages=100, max_share=0.9)
    assert sorted((c.action, c.passages) for c in changes) == [("drop", 0), ("drop", 40)]
    assert own_indexes() == {}
    assert selectors.indexed_projects() == frozenset()


def test_a_project_holding_most_passages_gets_no_index_of_its_own(projects):
    large, _medium, _small, _vectors = projects
    # 300 of 400 passages is 75%: the shared graph needs at most a little more ef for it.
    assert services.project_indexes_sync(min_passages=100, max_share=0.5) == []
    assert own_indexes() == {}


def test_an_index_left_invalid_by_a_dead_build_is_unused_then_rebuilt(projects):
    large, _medium, _small, large_vectors = projects
    services.project_indexes_sync(min_passages=100, max_share=0.9)
    name = selectors.project_index_name(large.pk)
    with connections["specs"].cursor() as cursor:  # what a killed CONCURRENTLY build leaves
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", [name]
        )
    assert selectors.indexed_projects(cached=False) == frozenset()
    assert name not in index_plan([large.pk], large_vectors[0])  # the planner skips it too
    changes = services.project_indexes_sync(min_passages=100, max_share=0.9)
    assert [(c.project_id, c.action) for c in changes] == [(large.pk, "rebuild")]
    assert own_indexes() == {name: True}


def test_a_sync_while_another_schema_change_runs_is_refused_in_one_line(projects):
    settings_dict = connections["specs"].settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"], port=settings_dict["PORT"], dbname=settings_dict["NAME"],
        user=settings_dict["USER"] or "postgres", autocommit=True,
    ) as other:  # fmt: skip
        # What `migrate`, `phase` or another sync hold while they change the schema.
        other.execute("SELECT pg_advisory_lock(%s)", [SCHEMA_CHANGE_LOCK])
        with pytest.raises(CommandError, match="another schema change .* running; nothing changed"):
            call_command("index_large_projects", "--min-passages", "100", stdout=StringIO())
    assert own_indexes() == {}


def test_the_command_dry_run_says_what_it_would_do_and_does_nothing(projects):
    large, *_rest = projects
    out = StringIO()
    call_command("index_large_projects", "--min-passages", "100", "--dry-run", stdout=out)
    assert f"project {large.pk}: 300 passages (75.0%): would build its index" not in out.getvalue()
    assert "Would build 0 and drop 0 project indexes. Nothing changed." in out.getvalue()
    out = StringIO()
    call_command(
        "index_large_projects", "--min-passages", "100", "--max-share", "0.9", "--dry-run",
        stdout=out,
    )  # fmt: skip
    assert f"project {large.pk}: 300 passages (75.0%): would build its index" in out.getvalue()
    assert "Would build 1 and drop 0 project indexes. Nothing changed." in out.getvalue()
    assert own_indexes() == {}
    out = StringIO()
    call_command("index_large_projects", "--min-passages", "100", "--max-share", "0.9", stdout=out)
    assert f"project {large.pk}: 300 passages (75.0%): index built in" in out.getvalue()
    assert "Built 1, dropped 0 project indexes." in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-share", "0"], "must be more than 0 and at most 1"),
        (["--max-share", "lots"], "'lots' is not a number"),
        (["--min-passages", "-5"], "must be at least 1"),
    ],
)
def test_the_command_refuses_bad_arguments_in_one_line(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("index_large_projects", *args, stdout=StringIO())


def test_a_sync_refuses_to_run_inside_a_transaction(projects):
    with transaction.atomic(using="specs"), pytest.raises(RuntimeError, match="CONCURRENTLY"):
        services.project_indexes_sync(min_passages=100, max_share=0.9)


def test_the_periodic_task_builds_with_the_configured_thresholds(projects, monkeypatch):
    large, *_rest = projects
    monkeypatch.setattr(services, "PROJECT_INDEX_MIN_PASSAGES", 100)
    monkeypatch.setattr(services, "PROJECT_INDEX_MAX_SHARE", 0.9)
    sync_project_indexes(0)
    assert own_indexes() == {selectors.project_index_name(large.pk): True}


def test_an_index_name_is_the_project_id_and_fits_postgres():
    project_id = uuid.uuid4()
    name = selectors.project_index_name(project_id)
    assert name == f"kb_passages_hnsw_p_{project_id.hex}" and len(name) <= 63


def test_an_index_of_another_shape_with_the_prefix_is_ignored_not_a_failed_search(projects):
    large, _medium, _small, large_vectors = projects
    with connections["specs"].cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX {selectors.PROJECT_INDEX_PREFIX}by_hand ON knowledge_passages (ordinal)"
        )
    assert selectors.indexed_projects(cached=False) == frozenset()
    assert services.project_indexes_plan(min_passages=100, max_share=0.9)[0].action == "create"
    got = selectors.passages_nearest(vector=large_vectors[0], k=3, project_ids=[large.pk])
    assert len(got) == 3
