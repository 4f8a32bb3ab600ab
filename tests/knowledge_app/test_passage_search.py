"""Search by passage, keyword and hybrid, with the real model on real PostgreSQL.

The corpus is written here (not bench/passage_size.py's, on which the passage size was
chosen): long documents of unrelated prose, each hiding a one- or two-sentence fact deep
inside, beside short documents on other topics and on nearby ones.
"""

from __future__ import annotations

import random
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from knowledge_app import selectors
from knowledge_app.models import KnowledgeBaseDocument, KnowledgePassage
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "specs"])

FILLER = (
    "The old stone bridge over the valley was built by hand in the eighteenth century. Its "
    "arches were shaped over wooden frames, and the masons marked each block with a sign of "
    "their guild. Floods have twice carried away the parapet, yet the arches still stand.",
    "Sailing a small dinghy teaches patience. The wind shifts without warning, the boom swings "
    "across, and a sailor learns to read ripples on the water long before a gust arrives.",
    "Oil painters of the Dutch golden age ground their own pigments. Lead white, ochre and "
    "bone black were mixed with linseed oil, and a canvas could take months to dry.",
    "In chess the opening is a battle for the centre. Players develop knights before bishops, "
    "castle early and avoid moving the same piece twice without reason.",
    "Thunderstorms form when warm moist air rises quickly. As it cools, water vapour "
    "condenses, releasing heat that drives the updraft higher still, until the anvil spreads.",
    "Steam locomotives needed water every few dozen miles, so railways built towers along the "
    "line. Firemen shovelled coal for hours and knew every gradient of their route.",
    "A beekeeper lifts the frames slowly, smoking the hive first so that the bees stay calm. "
    "Honey is taken only from the upper boxes; the brood below is left untouched.",
    "Violin makers carve the top plate from spruce and the back from maple. The thickness of "
    "the wood is tuned by tapping it and listening for the right note.",
    "Climbers acclimatise by sleeping at a higher camp each night. Thin air slows every step, "
    "and the summit push often starts long before dawn to avoid afternoon storms.",
    "Potters wedge the clay to push out air bubbles, then centre it on the wheel. A bowl is "
    "trimmed when leather hard and fired twice: once as bisque, once with its glaze.",
)

# (file name, the fact hidden deep inside, a query about it, a phrase its passage must show)
NEEDLES = (
    (
        "building-handbook.txt",
        "The emergency generator in building C is tested on the first Tuesday of every month. "
        "During the test the elevators are out of service.",
        "when are the elevators in building C out of service",
        "first Tuesday",
    ),
    (
        "parking-policy.txt",
        "Parking permits for the north lot are renewed every January at the security office. "
        "Replacing a lost permit costs twenty dollars.",
        "how much does it cost to replace a lost parking permit",
        "twenty dollars",
    ),
    (
        "pet-notes.txt",
        "Our cat Miso is allergic to chicken, so she only eats fish-based food.",
        "what food is the cat allergic to",
        "allergic to chicken",
    ),
    (
        "lab-rules.txt",
        "The shared laboratory freezer must stay below minus eighty degrees. An alarm texts the "
        "on-call technician when it warms up.",
        "who gets alerted when the lab freezer gets too warm",
        "laboratory freezer",
    ),
)

SHORT_DOCUMENTS = {
    "bread.txt": "Knead the dough for ten minutes and let it rise until it doubles in size.",
    "galaxies.txt": "Spiral galaxies rotate slowly; their arms are full of young blue stars.",
    "marathon.txt": "Runners taper their training in the last two weeks before a marathon.",
    # Nearby topics that do not answer any question above.
    "elevators.txt": "Elevator maintenance contracts are reviewed by facilities every year.",
    "cars.txt": "Electric cars can be charged overnight from an ordinary wall socket.",
    "dogs.txt": "Dogs need a walk twice a day and fresh water at all times.",
    "fridge.txt": "Keep the kitchen fridge at four degrees and clean it once a month.",
}

IDENTIFIER = "ZX-40917"
IDENTIFIER_DOCUMENTS = {
    "deploy-notes.txt": f"If the deploy stops with error {IDENTIFIER}, the cache volume is "
    "full: clear the build cache and run the deploy again.",
    "cache-guide.txt": "The build cache speeds up deploys. When a deploy fails because the "
    "cache volume is full, clear it and retry the deploy.",
    "errors.txt": "Deploy errors are listed on the status page with their codes; most are "
    "transient and a retry of the deploy fixes them.",
}


def long_text(fact: str, *, seed: int, words: int = 2500) -> str:
    """Unrelated prose of about ``words`` words with ``fact`` placed deep inside."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    while sum(len(p.split()) for p in paragraphs) < words:
        paragraphs.append(rng.choice(FILLER))
    paragraphs.insert(rng.randint(len(paragraphs) // 3, 2 * len(paragraphs) // 3), fact)
    return "\n\n".join(paragraphs)


def backfill() -> str:
    out = StringIO()
    call_command("backfill_embeddings", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def library(owner, make_document, embedder):
    project = ProjectFactory(owner_id=owner.pk, creator_id=owner.pk)
    for seed, (filename, fact, _query, _phrase) in enumerate(NEEDLES):
        make_document(project, long_text(fact, seed=seed), filename)
    for filename, text in {**SHORT_DOCUMENTS, **IDENTIFIER_DOCUMENTS}.items():
        make_document(project, text, filename)
    backfill()
    return project


def search(user, query, **kwargs):
    return selectors.document_search(user=user, query=query, **kwargs)


@pytest.mark.parametrize("mode", ["hybrid", "semantic"])
def test_a_fact_deep_inside_a_long_document_ranks_it_first_with_its_passage(owner, library, mode):
    for filename, fact, query, phrase in NEEDLES:
        document = KnowledgeBaseDocument.objects.get(project=library, filename=filename)
        assert len(document.content.split()) > 2000
        assert document.content.index(fact) > 5000  # deep inside, not near the start

        hits = search(owner, query, project_id=library.pk, k=5, mode=mode)

        assert hits[0].filename == filename, (query, [hit.filename for hit in hits])
        passage = hits[0].passage
        assert phrase in passage.text, (query, passage.text)
        # The offsets point at the passage's text in the document: a client can highlight it.
        assert document.content[passage.start_offset : passage.end_offset] == passage.text
        assert passage.ordinal > 0


def test_the_old_document_vector_alone_would_have_lost_these_facts(owner, library, embedder):
    """Why passages: the mean of a long document's passages drowns the fact (the rollout
    fallback ranks by it, so this also shows that fallback is only a bridge)."""
    lost = 0
    for filename, _fact, query, _phrase in NEEDLES:
        hits = selectors.documents_nearest(
            vector=embedder.embed_query(query), k=3, project_ids=[library.pk]
        )
        lost += hits[0].filename != filename
    assert lost >= len(NEEDLES) // 2


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
@pytest.mark.parametrize("query", [IDENTIFIER, f"what does error {IDENTIFIER} mean"])
def test_an_exact_identifier_ranks_its_only_document_first(owner, library, mode, query):
    hits = search(owner, query, project_id=library.pk, k=5, mode=mode)

    assert hits[0].filename == "deploy-notes.txt", [hit.filename for hit in hits]
    assert IDENTIFIER in hits[0].passage.text
    assert hits[0].keyword_score > 0


def test_keyword_mode_matches_any_word_of_a_question_and_scores_only_matches(owner, library):
    hits = search(
        owner, "how do I clear a full cache volume", project_id=library.pk, mode="keyword"
    )

    names = [hit.filename for hit in hits]
    assert set(names[:2]) == {"deploy-notes.txt", "cache-guide.txt"}
    assert "bread.txt" not in names  # no word of the question in it
    assert all(hit.semantic_score is None and hit.keyword_score > 0 for hit in hits)


def test_hybrid_hits_carry_both_scores_and_fuse_by_rank(owner, library):
    hits = search(owner, f"deploy failed with {IDENTIFIER}", project_id=library.pk, k=10)

    top = hits[0]
    assert top.filename == "deploy-notes.txt"
    assert top.semantic_score is not None and top.keyword_score is not None
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    # RRF: a document first in both lists scores 2 / (60 + 1).
    assert top.score <= 2 / (selectors.RRF_K + 1) + 1e-9


def test_documents_embedded_before_passages_are_found_during_the_rollout_then_by_passage(
    owner, library
):
    filename, fact, query, phrase = NEEDLES[0]
    # What a database embedded before this change holds: document vectors, no passages (and
    # 0005's new column, NULL).
    KnowledgePassage.objects.all().delete()
    KnowledgeBaseDocument.objects.update(passages_content_hash=None)
    assert (
        selectors.pending_embedding_count(
            project_id=library.pk, model_name=KnowledgeBaseDocument.objects.first().embedding_model
        )
        == KnowledgeBaseDocument.objects.filter(project=library).count()
    )

    total = KnowledgeBaseDocument.objects.count()
    plan = StringIO()
    call_command("backfill_embeddings", "--dry-run", stdout=plan)
    assert f"would embed {total} of {total} document(s) (no passages: {total})" in plan.getvalue()

    during = search(owner, "bread dough rising", project_id=library.pk, k=3, mode="semantic")
    assert during[0].filename == "bread.txt"  # still found, by its document vector
    assert during[0].passage is None
    assert {hit.filename for hit in search(owner, query, project_id=library.pk, k=20)} >= {
        filename
    }  # nothing disappears

    some = KnowledgeBaseDocument.objects.get(project=library, filename=filename)
    detail = f"/api/v2/projects/{library.pk}/knowledge/documents/{some.pk}/"
    assert _api(owner).get(detail).json()["embedding_status"] == "pending"

    out = backfill()
    assert f"Embedded {KnowledgeBaseDocument.objects.count()} documents" in out
    assert _api(owner).get(detail).json()["embedding_status"] == "embedded"
    after = search(owner, query, project_id=library.pk, k=3)
    assert after[0].filename == filename and phrase in after[0].passage.text

    assert "Embedded 0 documents" in backfill() or "Nothing to embed" in backfill()


def test_editing_a_document_replaces_its_passages_and_nothing_else(owner, library):
    edited = KnowledgeBaseDocument.objects.get(project=library, filename="bread.txt")
    others_before = dict(
        KnowledgePassage.objects.exclude(document=edited).values_list("id", "content_hash")
    )
    old_ids = set(KnowledgePassage.objects.filter(document=edited).values_list("id", flat=True))
    edited.content = "Sourdough needs a starter fed with flour and water the night before."
    edited.save(update_fields=["content"])

    # Until the backfill runs, the old passage no longer points at this text: no passage shown.
    stale = search(owner, "bread dough rising", project_id=library.pk, k=3, mode="semantic")
    assert next(hit for hit in stale if hit.filename == "bread.txt").passage is None

    assert "Embedded 1 documents" in backfill()

    new = list(KnowledgePassage.objects.filter(document=edited))
    assert new and not {p.id for p in new} & old_ids
    assert all(p.text in edited.content for p in new)
    others_after = dict(
        KnowledgePassage.objects.exclude(document=edited).values_list("id", "content_hash")
    )
    assert others_after == others_before
    hit = search(owner, "sourdough starter", project_id=library.pk, k=1)[0]
    assert hit.filename == "bread.txt" and "starter" in hit.passage.text


def test_deleting_a_document_takes_its_passages_in_the_database(library):
    document = KnowledgeBaseDocument.objects.get(project=library, filename="deploy-notes.txt")
    assert KnowledgePassage.objects.filter(document=document).exists()
    # A raw DELETE, as code written before passages existed would issue: the database cascades.
    from django.db import connections

    with connections["specs"].cursor() as cursor:
        cursor.execute("DELETE FROM knowledge_base_documents WHERE id = %s", [document.pk])
    assert not KnowledgePassage.objects.filter(document_id=document.pk).exists()


def test_passage_vectors_stay_in_their_rows_not_in_the_toast_table(library):
    """A vector moved out of line costs every distance computed from the heap a TOAST lookup
    (0007_passage_vectors_inline measures it): rows over PostgreSQL's ~2 kB mark keep it."""
    from django.db import connections

    with connections["specs"].cursor() as cursor:
        cursor.execute(
            "SELECT max(pg_column_size(p.*)),"
            " count(*) FILTER (WHERE pg_column_toast_chunk_id(p.embedding) IS NOT NULL)"
            " FROM knowledge_passages p"
        )
        largest_row, vectors_out_of_line = cursor.fetchone()
    assert largest_row > 2032  # past TOAST_TUPLE_THRESHOLD: without 0007 these would move out
    assert vectors_out_of_line == 0


def test_search_never_shows_another_users_documents_in_any_mode(owner, library, make_document):
    stranger = UserFactory()
    theirs = ProjectFactory(owner_id=stranger.pk, creator_id=stranger.pk)
    make_document(theirs, f"Their private runbook: {IDENTIFIER} means the disk is on fire.")
    backfill()

    for mode in selectors.SEARCH_MODES:
        # Across every project the owner may read: never the stranger's document.
        hits = search(owner, IDENTIFIER, k=50, mode=mode)
        assert hits and all(hit.project_id == library.pk for hit in hits)
        # And the stranger, asking for the owner's project by id, gets a 404.
        response = _api(stranger).get(
            f"/api/v2/projects/{library.pk}/knowledge/search/", {"q": IDENTIFIER, "mode": mode}
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_the_api_returns_passages_modes_and_bounds(owner, library):
    client = _api(owner)
    base = f"/api/v2/projects/{library.pk}/knowledge/search/"

    body = client.get(base, {"q": NEEDLES[1][2]}).json()
    assert body["mode"] == "hybrid"
    first = body["results"][0]
    assert first["filename"] == NEEDLES[1][0]
    assert set(first["passage"]) == {"ordinal", "start_offset", "end_offset", "text"}
    assert NEEDLES[1][3] in first["passage"]["text"]
    assert first["semantic_score"] is not None

    keyword = client.get(base, {"q": IDENTIFIER, "mode": "keyword", "k": 1}).json()
    assert [hit["filename"] for hit in keyword["results"]] == ["deploy-notes.txt"]
    assert keyword["results"][0]["semantic_score"] is None

    nothing = client.get(base, {"q": "the of and", "mode": "keyword"}).json()
    assert nothing["results"] == []  # only stop words: nothing to match, not an error

    fifty = client.get(base, {"q": "deploy", "k": 50})
    assert fifty.status_code == 200 and len(fifty.json()["results"]) <= 50
    odd = client.get(base, {"q": "ünïcödé — 'quotes' & | ! <-> :* (parens)", "mode": "keyword"})
    assert odd.status_code == 200


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("rows", "share", "expected"),
    [
        (100_000, None, 64),  # the measured default
        (1_000_000, None, 161),  # 64 * 10 ** 0.4: the graph's reach shrinks as it grows
        (100_000, 0.125, 182),  # 64 / sqrt(0.125)
        (1_000_000, 0.125, 204),  # a little over the larger factor (180), not the product (456)
        (1_000_000, 0.02, 455),  # a project spread thin over every topic
        (1_000_000, 0.0001, 800),  # capped
    ],
)
def test_ef_search_widens_by_about_the_larger_of_table_growth_and_filter_narrowing(
    rows, share, expected
):
    import time
    import uuid

    project, other = uuid.uuid4(), uuid.uuid4()
    shares = {} if share is None else {project: share, other: 1 - share}
    selectors._passage_statistics_cache["specs"] = (time.monotonic() + 60, shares, float(rows))
    try:
        scope = None if share is None else [project]
        assert selectors.ef_for_filter(scope, selectors.DEFAULT_EF_SEARCH) == expected
    finally:
        selectors._passage_statistics_cache.pop("specs", None)


def test_the_exact_scan_count_is_skipped_only_for_filters_the_statistics_call_large(owner, library):
    import time
    import uuid

    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    vector = np.zeros(384, dtype=np.float32)
    vector[0] = 1.0

    def counted(shares) -> bool:
        selectors._passage_statistics_cache["specs"] = (time.monotonic() + 60, shares, 1e6)
        with CaptureQueriesContext(connections["specs"]) as queries:
            got = selectors.passages_nearest(vector=vector, k=5, project_ids=[library.pk])
        assert len(got) == 5  # the right project's passages either way
        return any("count(*)" in query["sql"] for query in queries.captured_queries)

    try:
        # Statistics say the project holds half of a million passages: no count per query.
        assert not counted({library.pk: 0.5, uuid.uuid4(): 0.5})
        # Absent from the most-common list (at most the least common's 0.01%): counted, so its
        # few passages are compared exactly.
        assert counted({uuid.uuid4(): 0.9999, uuid.uuid4(): 0.0001})
    finally:
        selectors._passage_statistics_cache.pop("specs", None)


def test_a_vector_literal_reads_back_as_the_same_float32_values():
    from django.db import connections

    rng = np.random.default_rng(7)
    vectors = [
        rng.standard_normal(384).astype(np.float32),
        (rng.standard_normal(384) * 1e-30).astype(np.float32),  # exponents, both ways
        (rng.standard_normal(384) * 1e30).astype(np.float32),
        np.zeros(384, dtype=np.float32),
    ]
    with connections["specs"].cursor() as cursor:
        for vector in vectors:
            cursor.execute("SELECT (%s::vector)::text", [selectors.vector_literal(vector)])
            back = np.array(cursor.fetchone()[0].strip("[]").split(","), dtype=np.float32)
            assert np.array_equal(back, vector)


@pytest.mark.django_db(databases=["default", "specs"], transaction=True)
def test_a_passage_search_is_one_request_and_leaves_no_scan_setting_behind(owner, library):
    """The scan settings and the query go as one request in autocommit mode: the settings are
    local to that request's implicit transaction, so the session a pool hands to the next
    request has none of them (above all not enable_indexscan = off, the exact path's)."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    connection = connections["specs"]
    assert connection.get_autocommit()
    passage = KnowledgePassage.objects.order_by("document_id", "ordinal").first()
    vector = np.asarray(passage.embedding, dtype=np.float32)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('hnsw.ef_search'), current_setting('hnsw.iterative_scan'),"
            " current_setting('enable_indexscan')"
        )
        defaults = cursor.fetchone()
    selectors._passage_statistics_cache.pop("specs", None)
    selectors.passage_statistics()  # read once a minute, not per query: not this request
    selectors.indexed_projects(cached=False)  # the same
    for project_ids in ([library.pk], None):  # the exact path (a small project) and the graph
        with CaptureQueriesContext(connection) as queries:
            got = selectors.passages_nearest(vector=vector, k=3, project_ids=project_ids)
        assert len(queries.captured_queries) == 1
        assert got[0][:2] == (passage.document_id, passage.ordinal)  # itself, nearest
        assert got[0][2] == pytest.approx(0.0, abs=1e-6)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('hnsw.ef_search'), current_setting('hnsw.iterative_scan'),"
                " current_setting('enable_indexscan')"
            )
            assert cursor.fetchone() == defaults
