"""Several backfill processes, and a backfill killed with SIGKILL, against the test databases.

These pin batching mechanics (claims, crash recovery), so the child processes use the named
FakeDeterministicEmbedder with a small delay per document, which makes the workers overlap.
"""

import collections
import os
import signal
import time
import uuid

import pytest

from knowledge_app.embeddings import content_hash
from knowledge_app.models import KnowledgeBaseDocument, KnowledgePassage
from knowledge_app.testing import FAKE_MODEL_NAME, FAKE_PASSAGE_CHARS
from tests.factories import ProjectFactory
from tests.knowledge_app.helpers import FAKE_BACKEND, manage, subprocess_env

pytestmark = [
    pytest.mark.django_db(databases=["default", "specs"], transaction=True),
    pytest.mark.slow,
]


def seed(count: int) -> list[uuid.UUID]:
    project = ProjectFactory()
    docs = KnowledgeBaseDocument.objects.bulk_create(
        KnowledgeBaseDocument(
            project=project,
            user_id=project.owner_id,
            filename=f"doc{i}.txt",
            # Every fifth document spans several of the fake embedder's passages.
            content=f"Document number {i} about topic {i % 7}. " * (1 if i % 5 else 150),
        )
        for i in range(count)
    )
    return [doc.pk for doc in docs]


def assert_all_embedded_once_with_the_right_hash(ids: list[uuid.UUID]) -> None:
    rows = KnowledgeBaseDocument.objects.values_list(
        "id", "content", "embedding_model", "embedding_content_hash", "embedding_windows"
    )
    assert sorted(row[0] for row in rows) == sorted(ids)
    passages = collections.defaultdict(list)
    for passage in KnowledgePassage.objects.values(
        "document_id", "ordinal", "start_offset", "end_offset", "text", "content_hash"
    ):
        passages[passage["document_id"]].append(passage)
    for document_id, content, model, digest, windows in rows:
        assert model == FAKE_MODEL_NAME
        assert digest == content_hash(content)
        expected = -(-len(content) // FAKE_PASSAGE_CHARS)
        assert windows == expected
        # Each passage written exactly once (the ordinals 0..n-1, no gap, no repeat), none
        # missing, each with the hash of the content it was cut from and that content's text.
        own = sorted(passages[document_id], key=lambda p: p["ordinal"])
        assert [p["ordinal"] for p in own] == list(range(expected)), document_id
        for passage in own:
            assert passage["content_hash"] == digest
            assert passage["text"] == content[passage["start_offset"] : passage["end_offset"]]
    assert not KnowledgeBaseDocument.objects.filter(embedding=None).exists()
    assert set(passages) == set(ids)


def assert_no_half_written_row() -> None:
    columns = [
        "embedding",
        "embedding_model",
        "embedding_content_hash",
        "embedding_windows",
        "embedded_at",
    ]
    for column in columns:
        others = [c for c in columns if c != column]
        for other in others:
            assert not KnowledgeBaseDocument.objects.filter(
                **{f"{column}__isnull": True, f"{other}__isnull": False}
            ).exists(), f"{column} is NULL while {other} is set"
    # A vector and its passages are written in one transaction: never one without the other.
    assert not KnowledgeBaseDocument.objects.filter(
        embedding__isnull=False, passages__isnull=True
    ).exists(), "a document has its vector but no passages"
    assert not KnowledgePassage.objects.filter(document__embedding__isnull=True).exists()


def finish(process, timeout: float = 120) -> tuple[str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    except BaseException:
        process.kill()
        process.communicate()
        raise
    assert process.returncode == 0, f"exit {process.returncode}\n{out}\n{err}"
    return out, err


def test_two_processes_started_together_embed_each_document_exactly_once(tmp_path):
    ids = seed(500)
    env = subprocess_env(EMBEDDING_BACKEND=FAKE_BACKEND, FAKE_EMBEDDER_DELAY="0.01")
    logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
    workers = [
        manage("backfill_embeddings", "--batch-size", "10", "--log-embedded", str(log), env=env)
        for log in logs
    ]
    outputs = [finish(worker) for worker in workers]

    per_worker = [log.read_text().split() if log.exists() else [] for log in logs]
    calls = collections.Counter(doc_id for ids_ in per_worker for doc_id in ids_)
    assert set(calls) == {str(i) for i in ids}, "some documents were never sent to the model"
    assert max(calls.values()) == 1, f"embedded twice: {[d for d, n in calls.items() if n > 1]}"
    # Both really worked on the shared backlog (otherwise this test proves nothing).
    assert all(per_worker), f"one worker did nothing: {[o for o, _ in outputs]}"
    assert_all_embedded_once_with_the_right_hash(ids)
    embedded = sum(int(out.split("Embedded ")[1].split(" ")[0]) for out, _err in outputs)
    assert embedded == 500


def test_backfill_killed_with_sigkill_is_finished_by_a_rerun(tmp_path):
    ids = seed(300)
    env = subprocess_env(EMBEDDING_BACKEND=FAKE_BACKEND, FAKE_EMBEDDER_DELAY="0.01")
    first_log, second_log = tmp_path / "killed.log", tmp_path / "rerun.log"
    victim = manage(
        "backfill_embeddings", "--batch-size", "10", "--log-embedded", str(first_log), env=env
    )
    deadline = time.monotonic() + 60
    while KnowledgeBaseDocument.objects.exclude(embedding=None).count() < 30:
        assert victim.poll() is None, "the backfill ended before it could be killed"
        assert time.monotonic() < deadline, "the backfill made no progress"
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate()
    assert victim.returncode == -signal.SIGKILL

    assert_no_half_written_row()
    done_before = dict(
        KnowledgeBaseDocument.objects.exclude(embedding=None).values_list("id", "embedded_at")
    )
    assert 30 <= len(done_before) < 300

    out, _err = finish(manage("backfill_embeddings", "--log-embedded", str(second_log), env=env))
    assert f"Embedded {300 - len(done_before)} documents" in out
    assert_all_embedded_once_with_the_right_hash(ids)
    assert_no_half_written_row()
    # What the killed run wrote was kept, not embedded again.
    after = dict(KnowledgeBaseDocument.objects.values_list("id", "embedded_at"))
    assert all(after[pk] == at for pk, at in done_before.items())
    assert not {str(pk) for pk in done_before} & set(second_log.read_text().split())
