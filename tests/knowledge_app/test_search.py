"""Semantic search through the selector: quality with the real model, permissions, filters."""

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connections

from knowledge_app import selectors
from knowledge_app.embeddings import DEFAULT_MODEL_NAME
from knowledge_app.models import KnowledgeBaseDocument
from socrates.errors import NotFound, ValidationFailed
from teams_app.models import ProjectShare, Team, TeamMember
from tests.factories import ProjectFactory, UserFactory
from tests.knowledge_app.helpers import DATABASE_QUERY, TOPIC_DOCUMENTS, long_document

pytestmark = pytest.mark.django_db(databases=["default", "specs"])

QUERIES = {
    "how long should bread dough proof before baking": "sourdough.txt",
    "observing planets and galaxies in the night sky": "telescope.txt",
    "growing vegetables in a backyard vegetable patch": "tomatoes.txt",
    "home loan interest rate comparison": "mortgage.txt",
    "how to prepare for a long distance running race": "marathon.txt",
    DATABASE_QUERY: "long.txt",
}


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def library(owner, make_document, embedder):
    """A project of documents on unrelated topics, plus a long one, all embedded."""
    project = ProjectFactory(owner_id=owner.pk, creator_id=owner.pk)
    for name, text in TOPIC_DOCUMENTS.items():
        make_document(project, text, name)
    make_document(project, long_document(), "long.txt")
    call_command("backfill_embeddings", stdout=StringIO(), stderr=StringIO())
    return project


def search(user, query, **kwargs):
    return selectors.document_search(user=user, query=query, **kwargs)


def test_each_query_finds_the_semantically_matching_document_first(owner, library):
    firsts = {}
    for query in QUERIES:
        hits = search(owner, query, project_id=library.pk, k=6)
        assert len(hits) == 6
        scores = [hit.score for hit in hits]
        assert scores == sorted(scores, reverse=True)
        assert all(-1.0 <= s <= 1.0 for s in scores)
        firsts[query] = hits[0].filename
    assert firsts == QUERIES


def test_long_document_is_found_by_a_passage_past_its_first_256_tokens(owner, library, embedder):
    (hit, *_rest) = search(owner, DATABASE_QUERY, project_id=library.pk, k=3)
    long_doc = KnowledgeBaseDocument.objects.get(filename="long.txt")
    assert hit.id == long_doc.pk and hit.embedding_windows >= 3
    # The control that makes this test mean something: the model alone (truncating at 256 word
    # pieces) does not rank the long document first, because it never sees the passage.
    truncated = embedder.model.encode([long_document()], normalize_embeddings=True)[0]
    query = embedder.embed_query(DATABASE_QUERY)
    others = [embedder.embed_query(text) for text in TOPIC_DOCUMENTS.values()]
    assert float(query @ truncated) < max(float(query @ other) for other in others)


def test_user_without_access_gets_not_found_and_sees_nothing(library):
    stranger = UserFactory()
    with pytest.raises(NotFound, match=f"Project {library.pk} not found"):
        search(stranger, "bread", project_id=library.pk)
    assert search(stranger, "bread") == []


def test_team_member_of_a_shared_project_can_search_it(owner, library):
    member = UserFactory()
    team = Team.objects.create(name="readers", created_by=owner)
    TeamMember.objects.create(team=team, user=member, role="viewer")
    with pytest.raises(NotFound):
        search(member, "bread", project_id=library.pk)
    ProjectShare.objects.create(
        project=library, team_id=team.pk, shared_by=owner.pk, permission_level="read"
    )
    hits = search(member, "bread dough", project_id=library.pk, k=1)
    assert [hit.filename for hit in hits] == ["sourdough.txt"]


def test_search_stays_inside_the_project_and_the_users_projects(owner, library, make_document):
    mine_too = ProjectFactory(owner_id=owner.pk, creator_id=owner.pk)
    not_mine = ProjectFactory()
    make_document(mine_too, "Baking rye bread with a sourdough starter.", "rye.txt")
    make_document(not_mine, "Sourdough bread baking, flour and a hot oven.", "theirs.txt")
    call_command("backfill_embeddings", stdout=StringIO(), stderr=StringIO())

    in_project = search(owner, "sourdough bread", project_id=library.pk, k=50)
    assert {hit.project_id for hit in in_project} == {library.pk}
    everywhere = search(owner, "sourdough bread", k=50)
    assert {hit.filename for hit in everywhere} >= {"rye.txt", "sourdough.txt"}
    assert "theirs.txt" not in {hit.filename for hit in everywhere}


def test_documents_not_yet_embedded_are_not_returned_but_counted_as_pending(
    owner, library, make_document
):
    make_document(library, "Fresh upload about sourdough bread.", "new.txt")
    make_document(library, "   ", "blank.txt")  # nothing to embed: never pending
    hits = search(owner, "sourdough bread", project_id=library.pk, k=50)
    assert "new.txt" not in {hit.filename for hit in hits}
    pending = selectors.pending_embedding_count(
        project_id=library.pk, model_name=DEFAULT_MODEL_NAME
    )
    assert pending == 1


def test_k_is_validated(owner, library):
    with pytest.raises(ValidationFailed, match="k: must be between 1 and 50"):
        search(owner, "bread", project_id=library.pk, k=51)
    with pytest.raises(ValidationFailed, match="k: 'ten' is not an integer"):
        search(owner, "bread", project_id=library.pk, k="ten")
    with pytest.raises(ValidationFailed, match="q: the query is empty"):
        search(owner, "  ", project_id=library.pk)


# --- a selective filter through the HNSW index ------------------------------------------------


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def crowded(owner):
    """1,200 vectors of other projects right around the query; 12 of ours far from it."""
    rng = np.random.default_rng(1)
    query = unit(rng.standard_normal((1, 384)))[0]
    ours = ProjectFactory(owner_id=owner.pk, creator_id=owner.pk)
    others = [ProjectFactory() for _ in range(3)]
    near = unit(query + 0.3 * rng.standard_normal((1200, 384)))
    far = unit(rng.standard_normal((12, 384)))
    rows = [
        KnowledgeBaseDocument(
            project=others[i % 3], user_id=owner.pk, filename=f"n{i}", content="x", embedding=v
        )
        for i, v in enumerate(near)
    ] + [
        KnowledgeBaseDocument(
            project=ours, user_id=owner.pk, filename=f"f{i}", content="x", embedding=v
        )
        for i, v in enumerate(far)
    ]
    KnowledgeBaseDocument.objects.bulk_create(rows, batch_size=500)
    with connections["specs"].cursor() as cursor:
        cursor.execute("ANALYZE knowledge_base_documents")
        # Leave the planner only the HNSW index, as on a large table where it is the cheap path
        # (dropped inside the test's transaction, so rolled back with it).
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'knowledge_base_documents'"
            " AND indexdef LIKE '%%(project_id%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
    return query, ours, far


def plan(query, project_id, ef_search: int) -> str:
    """EXPLAIN the selector's own query, filtered to one project."""
    where, params = selectors.project_filter([project_id])
    literal = "[" + ",".join(f"{x:.6f}" for x in query) + "]"
    with connections["specs"].cursor() as cursor:
        cursor.execute(f"SET LOCAL hnsw.ef_search = {ef_search}")
        cursor.execute("EXPLAIN " + selectors.nearest_sql(where), [literal, *params, 10])
        return "\n".join(row[0] for row in cursor.fetchall())


def test_selective_filter_still_returns_k_results_through_the_index(crowded):
    query, ours, far = crowded
    assert "kb_documents_embedding_hnsw" in plan(query, ours.pk, 10)
    hits = selectors.documents_nearest(
        vector=query, k=10, project_ids=[ours.pk], ef_search=10, exact_scan_max_rows=0
    )
    assert len(hits) == 10
    assert {hit.project_id for hit in hits} == {ours.pk}
    # They are the true top 10 of the project.
    expected = np.sort(1 - far @ query)[:10]
    assert np.allclose([1 - hit.score for hit in hits], expected, atol=1e-4)

    # Control: without pgvector's iterative scan the same query comes back short.
    with connections["specs"].cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = off")
        cursor.execute("SET LOCAL hnsw.ef_search = 10")
        cursor.execute(
            "SELECT count(*) FROM (SELECT id FROM knowledge_base_documents WHERE project_id = %s"
            " ORDER BY embedding <=> %s::vector LIMIT 10) t",
            [ours.pk, "[" + ",".join(f"{x:.6f}" for x in query) + "]"],
        )
        assert cursor.fetchone()[0] < 10


def test_a_small_filtered_set_is_compared_exhaustively(crowded):
    query, ours, far = crowded
    hits = selectors.documents_nearest(vector=query, k=12, project_ids=[ours.pk], ef_search=1)
    assert np.allclose([1 - hit.score for hit in hits], np.sort(1 - far @ query), atol=1e-4)
