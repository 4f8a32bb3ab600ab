"""/api/v2/projects/{id}/knowledge/: documents and search over HTTP, with the real model."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from knowledge_app import services
from knowledge_app.embeddings import DEFAULT_MODEL_NAME
from knowledge_app.models import KnowledgeBaseDocument
from teams_app.models import ProjectShare, Team, TeamMember
from tests.factories import ProjectFactory, UserFactory
from tests.helpers import assert_error
from tests.knowledge_app.helpers import TOPIC_DOCUMENTS
from tests.queue_helpers import job_statuses

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def project(owner):
    return ProjectFactory(owner_id=owner.pk, creator_id=owner.pk)


@pytest.fixture
def api(owner):
    return client_for(owner)


def documents_url(project) -> str:
    return f"/api/v2/projects/{project.pk}/knowledge/documents/"


def reader_of(project, owner, *, level="read"):
    user = UserFactory()
    team = Team.objects.create(name=f"t-{user.username}", created_by=owner)
    TeamMember.objects.create(team=team, user=user, role="developer")
    ProjectShare.objects.create(
        project=project, team_id=team.pk, shared_by=owner.pk, permission_level=level
    )
    return user


def test_upload_list_get_delete_a_document(api, project, owner, embedder):
    response = api.post(
        documents_url(project),
        {"filename": "bread.txt", "content": TOPIC_DOCUMENTS["sourdough.txt"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    # Stored and queued: a worker embeds it (tests/knowledge_app/test_upload_queue.py runs one).
    assert created["embedded"] is False and created["embedding_status"] == "pending"
    assert job_statuses(services.EMBED_TASK, document_id=created["id"]) == ["todo"]
    assert created["user_id"] == str(owner.pk) and created["project_id"] == str(project.pk)
    assert "content" not in created
    # What the worker's task does, run here.
    assert services.document_embed(document=KnowledgeBaseDocument.objects.get(pk=created["id"]))
    embedded = api.get(f"{documents_url(project)}{created['id']}/").json()
    assert embedded["embedding_status"] == "embedded"
    assert embedded["embedding_model"] == DEFAULT_MODEL_NAME
    assert embedded["embedding_windows"] == 1

    listed = api.get(documents_url(project)).json()
    assert [doc["id"] for doc in listed["results"]] == [created["id"]]
    assert "content" not in listed["results"][0]

    detail_url = f"{documents_url(project)}{created['id']}/"
    detail = api.get(detail_url).json()
    assert detail["content"] == TOPIC_DOCUMENTS["sourdough.txt"]

    assert api.delete(detail_url).status_code == 204
    missing = api.get(detail_url)
    assert_error(missing, 404)
    assert error_of(missing)["message"] == f"Document {created['id']} not found."


def test_upload_a_text_file_as_multipart(api, project, embedder):
    upload = SimpleUploadedFile("notes.md", b"# Notes\nPlant roses in spring.", "text/markdown")
    response = api.post(documents_url(project), {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["filename"] == "notes.md" and body["content_type"] == "text/markdown"
    assert body["file_size"] == len(b"# Notes\nPlant roses in spring.")
    assert KnowledgeBaseDocument.objects.get().content == "# Notes\nPlant roses in spring."


def test_upload_refuses_binary_files_and_missing_content(api, project):
    binary = SimpleUploadedFile("x.bin", b"\xff\xfe\x00\x81", "application/octet-stream")
    response = api.post(documents_url(project), {"file": binary}, format="multipart")
    assert response.status_code == 400
    assert error_of(response)["message"] == (
        "file: Only UTF-8 text files can be added to the knowledge base."
    )
    response = api.post(documents_url(project), {"filename": "a.txt"}, format="json")
    assert response.status_code == 400
    assert error_of(response)["message"] == "content: Send a file (multipart) or content (JSON)."
    assert not KnowledgeBaseDocument.objects.exists()


def test_the_same_upload_again_answers_the_stored_document(api, project):
    body = {"filename": "a.txt", "content": "Comets have tails."}

    first = api.post(documents_url(project), body, format="json")
    again = api.post(documents_url(project), body, format="json")
    changed = api.post(documents_url(project), {**body, "content": "Comets."}, format="json")

    assert (first.status_code, again.status_code, changed.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert KnowledgeBaseDocument.objects.count() == 2
    for response in (first, changed):
        assert job_statuses(services.EMBED_TASK, document_id=response.json()["id"]) == ["todo"]


def test_upload_succeeds_when_the_model_is_unavailable(api, project):
    with override_settings(EMBEDDING_MODEL="/nonexistent/model"):
        response = api.post(
            documents_url(project), {"filename": "a.txt", "content": "Comets."}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["embedded"] is False
    assert KnowledgeBaseDocument.objects.get().embedding is None


def test_reader_may_list_and_search_but_not_upload_or_delete(project, owner, make_document):
    reader = client_for(reader_of(project, owner))
    doc = make_document(project, "Telescopes and galaxies.", "stars.txt")
    assert reader.get(documents_url(project)).status_code == 200
    response = reader.post(documents_url(project), {"filename": "a", "content": "b"}, format="json")
    assert_error(response, 403)
    assert (
        error_of(response)["message"]
        == "Your access to this project is 'read'; this needs 'write'."
    )
    assert_error(reader.delete(f"{documents_url(project)}{doc.pk}/"), 403)
    assert KnowledgeBaseDocument.objects.filter(pk=doc.pk).exists()


def test_stranger_gets_404_everywhere(project, make_document):
    stranger = client_for(UserFactory())
    doc = make_document(project, "Secret plans.", "plans.txt")
    for response in (
        stranger.get(documents_url(project)),
        stranger.get(f"{documents_url(project)}{doc.pk}/"),
        stranger.get(f"/api/v2/projects/{project.pk}/knowledge/search/?q=plans"),
        stranger.post(documents_url(project), {"filename": "a", "content": "b"}, format="json"),
    ):
        assert_error(response, 404)
        assert error_of(response)["message"] == f"Project {project.pk} not found."


def test_document_of_another_project_is_not_found_under_this_one(api, project, make_document):
    other = ProjectFactory(owner_id=project.owner_id, creator_id=project.owner_id)
    theirs = make_document(other, "Elsewhere.", "x.txt")
    response = api.get(f"{documents_url(project)}{theirs.pk}/")
    assert_error(response, 404)


def test_search_returns_scored_results_and_the_pending_count(api, project, embedder):
    for name, text in TOPIC_DOCUMENTS.items():
        api.post(documents_url(project), {"filename": name, "content": text}, format="json")
    # What the queue's workers do (tests/knowledge_app/test_upload_queue.py runs a real one).
    for document in KnowledgeBaseDocument.objects.filter(project=project):
        assert services.document_embed(document=document, embedder=embedder)
    # One document the model has not seen yet (as if uploaded while the model was down).
    KnowledgeBaseDocument.objects.create(
        project=project, user_id=project.owner_id, filename="late.txt", content="Late text."
    )
    response = api.get(
        f"/api/v2/projects/{project.pk}/knowledge/search/",
        {"q": "growing vegetables in the backyard", "k": 3},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["k"] == 3 and body["query"] == "growing vegetables in the backyard"
    assert body["pending_embeddings"] == 1
    assert body["embedding_model"] == DEFAULT_MODEL_NAME
    assert [hit["filename"] for hit in body["results"]][0] == "tomatoes.txt"
    assert len(body["results"]) == 3
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "x", "k": 51}, "k: Ensure this value is less than or equal to 50."),
        ({"q": "x", "k": 0}, "k: Ensure this value is greater than or equal to 1."),
        ({"q": "x", "k": "ten"}, "k: A valid integer is required."),
        ({}, "q: This field is required."),
        ({"q": "x", "limit": 3}, "limit: Unknown query parameter; accepted: k, mode, q."),
        (
            {"q": "x", "mode": "fuzzy"},
            'mode: "fuzzy" is not a valid mode: use one of hybrid, semantic, keyword.',
        ),
        (
            {"q": "x", "mode": "Hybrid"},
            'mode: "Hybrid" is not a valid mode: use one of hybrid, semantic, keyword.',
        ),
        ({"q": "   "}, "q: This field may not be blank."),
        ({"q": "x" * 2001}, "q: Ensure this field has no more than 2000 characters."),
    ],
)
def test_search_rejects_bad_parameters_with_a_clear_400(api, project, params, message):
    response = api.get(f"/api/v2/projects/{project.pk}/knowledge/search/", params)
    assert response.status_code == 400
    assert error_of(response)["message"] == message


def test_malformed_ids_are_400_not_500(api, project):
    response = api.get("/api/v2/projects/not-a-uuid/knowledge/documents/")
    assert response.status_code == 400
    response = api.get(f"{documents_url(project)}not-a-uuid/")
    assert response.status_code == 400
    assert "document_id" in error_of(response)["message"]
    assert_error(api.get(f"{documents_url(project)}{uuid.uuid4()}/"), 404)
