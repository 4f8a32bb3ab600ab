"""Fixtures of the knowledge tests: the real model and documents."""

from __future__ import annotations

import pytest

from knowledge_app.embeddings import get_embedder
from knowledge_app.models import KnowledgeBaseDocument
from tests.factories import ProjectFactory


@pytest.fixture(scope="session")
def embedder():
    """The real model, loaded once for the test session."""
    return get_embedder()


@pytest.fixture
def project(db):
    return ProjectFactory()


@pytest.fixture
def make_document():
    def make(project, content: str, filename: str = "doc.txt", **fields) -> KnowledgeBaseDocument:
        return KnowledgeBaseDocument.objects.create(
            project=project, user_id=project.owner_id, filename=filename, content=content, **fields
        )

    return make
