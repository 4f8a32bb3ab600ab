"""The admin covers every model, reads and writes each in its own database, hides secrets."""

import uuid

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from auth_app.models import ApiKey
from knowledge_app.models import KnowledgeBaseDocument
from specs_app.models import Project, Session, Specification
from teams_app.models import ProjectShare, Team

BOTH = ["default", "specs"]
PROJECT_APPS = {"auth_app", "specs_app", "knowledge_app", "teams_app"}
CIPHERTEXT = "gAAAAA-ciphertext-that-must-never-be-shown-0123456789"
# Exactly representable in float32, so it would appear verbatim if the vector were rendered.
VECTOR_VALUE = 0.0421875

User = get_user_model()
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(
        username="root", email="root@example.com", password="s3cret-Passw0rd"
    )


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def project(superuser):
    project = Project.objects.create(
        owner_id=superuser.pk, creator_id=superuser.pk, name="Atlas", description="A project"
    )
    session = Session.objects.create(project=project, domain="web")
    Specification.objects.create(
        project=project, session=session, category="tech_stack", key="database", value="pg"
    )
    return project


def test_every_model_of_every_project_app_is_registered_in_the_admin():
    from django.apps import apps

    missing = [
        model._meta.label
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in admin.site._registry
    ]

    assert missing == []


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("model", REGISTERED, ids=[m._meta.label for m in REGISTERED])
def test_changelist_and_add_pages_answer_for_a_superuser(staff_client, model):
    assert staff_client.get(admin_url(model, "changelist")).status_code == 200
    add = staff_client.get(admin_url(model, "add"))
    # Some models are read-only here (audit log, API keys, tokens): their add page is refused.
    expected = 200 if admin.site._registry[model].has_add_permission(add.wsgi_request) else 403

    assert add.status_code == expected


@pytest.mark.django_db(databases=BOTH)
def test_user_change_page_shows_the_user(staff_client, superuser):
    response = staff_client.get(admin_url(User, "change", superuser.pk))

    assert response.status_code == 200
    assert "root@example.com" in response.text


@pytest.mark.django_db(databases=BOTH)
def test_user_add_form_requires_an_email(staff_client):
    response = staff_client.post(
        admin_url(User, "add"),
        {
            "username": "bob",
            "email": "",
            "usable_password": "true",
            "password1": "s3cret-Passw0rd",
            "password2": "s3cret-Passw0rd",
        },
    )

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not User.objects.filter(username="bob").exists()


@pytest.mark.django_db(databases=BOTH)
def test_user_add_form_rejects_an_email_that_differs_only_in_case(staff_client, superuser):
    response = staff_client.post(
        admin_url(User, "add"),
        {
            "username": "bob",
            "email": "ROOT@Example.com",
            "usable_password": "true",
            "password1": "s3cret-Passw0rd",
            "password2": "s3cret-Passw0rd",
        },
    )

    assert "A user with this email address already exists." in response.text
    assert not User.objects.filter(username="bob").exists()


@pytest.mark.django_db(databases=BOTH)
def test_user_add_form_creates_a_user_with_email(staff_client):
    response = staff_client.post(
        admin_url(User, "add"),
        {
            "username": "bob",
            "email": "bob@example.com",
            "usable_password": "true",
            "password1": "s3cret-Passw0rd",
            "password2": "s3cret-Passw0rd",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="bob").email == "bob@example.com"


@pytest.mark.django_db(databases=BOTH)
def test_project_change_page_shows_its_sessions_and_specifications(staff_client, project):
    response = staff_client.get(admin_url(Project, "change", project.pk))

    assert response.status_code == 200
    assert "Atlas" in response.text
    assert 'value="database"' in response.text  # the specification inline
    assert 'value="web"' in response.text  # the session inline


def project_form(owner_id, **overrides):
    data = {
        "name": "Made in the admin",
        "description": "",
        "owner_id": str(owner_id),
        "creator_id": str(owner_id),
        "current_phase": "discovery",
        "maturity_score": "0",
        "status": "active",
        "llm_provider": "",
        "llm_model": "",
    }
    for prefix in ("sessions", "specifications"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


@pytest.mark.django_db(databases=BOTH)
def test_project_added_through_the_admin_lands_in_the_specs_database(staff_client, superuser):
    response = staff_client.post(admin_url(Project, "add"), project_form(superuser.pk))

    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Project.objects.using("specs").get(name="Made in the admin")
    assert created.owner_id == superuser.pk
    assert staff_client.get(admin_url(Project, "change", created.pk)).status_code == 200


@pytest.mark.django_db(databases=BOTH)
def test_project_form_rejects_an_owner_id_that_names_no_user(staff_client):
    ghost = uuid.uuid4()

    response = staff_client.post(admin_url(Project, "add"), project_form(ghost))

    assert response.status_code == 200
    assert f"No user with id {ghost} exists." in response.text
    assert not Project.objects.filter(name="Made in the admin").exists()


@pytest.mark.django_db(databases=BOTH)
def test_project_changelist_finds_projects_by_their_owners_email(staff_client, project):
    Project.objects.create(owner_id=uuid.uuid4(), creator_id=uuid.uuid4(), name="Someone else's")

    response = staff_client.get(admin_url(Project, "changelist"), {"q": "ROOT@example.com"})

    assert list(response.context["cl"].result_list) == [project]


@pytest.mark.django_db(databases=BOTH)
def test_project_share_form_rejects_a_team_id_that_names_no_team(staff_client, project, superuser):
    team = Team.objects.create(name="Core", created_by=superuser)
    ghost = uuid.uuid4()
    data = {
        "project": str(project.pk),
        "team_id": str(ghost),
        "shared_by": str(superuser.pk),
        "permission_level": "read",
    }

    refused = staff_client.post(admin_url(ProjectShare, "add"), data)
    accepted = staff_client.post(admin_url(ProjectShare, "add"), {**data, "team_id": str(team.pk)})

    assert f"No team with id {ghost} exists." in refused.text
    assert accepted.status_code == 302
    assert ProjectShare.objects.using("specs").get().team_id == team.pk


@pytest.mark.django_db(databases=BOTH)
def test_api_key_pages_never_show_the_ciphertext(staff_client, superuser):
    key = ApiKey.objects.create(
        user=superuser, provider="openai", api_key_encrypted=CIPHERTEXT, key_last_four="x9Q2"
    )

    changelist = staff_client.get(admin_url(ApiKey, "changelist"))
    change = staff_client.get(admin_url(ApiKey, "change", key.pk))
    user_page = staff_client.get(admin_url(User, "change", superuser.pk))

    for response in (changelist, change, user_page):
        assert response.status_code == 200
        assert "x9Q2" in response.text
        assert CIPHERTEXT not in response.text
        assert "api_key_encrypted" not in response.text


@pytest.mark.django_db(databases=BOTH)
def test_api_key_change_form_switches_a_key_off_and_keeps_its_ciphertext(staff_client, superuser):
    key = ApiKey.objects.create(
        user=superuser, provider="openai", api_key_encrypted=CIPHERTEXT, key_last_four="x9Q2"
    )

    response = staff_client.post(admin_url(ApiKey, "change", key.pk), {})  # is_active unticked

    assert response.status_code == 302
    key.refresh_from_db()
    assert key.is_active is False
    assert key.api_key_encrypted == CIPHERTEXT


@pytest.mark.django_db(databases=BOTH)
def test_document_pages_summarise_the_embedding_without_showing_the_vector(
    staff_client, project, superuser
):
    document = KnowledgeBaseDocument.objects.create(
        project=project,
        user_id=superuser.pk,
        filename="notes.txt",
        content="Large notes " * 2000,
        embedding=[VECTOR_VALUE] * 384,
        embedding_model="all-MiniLM-L6-v2",
    )
    bare = KnowledgeBaseDocument.objects.create(
        project=project, user_id=superuser.pk, filename="bare.txt", content="no vector yet"
    )

    changelist = staff_client.get(admin_url(KnowledgeBaseDocument, "changelist"))
    change = staff_client.get(admin_url(KnowledgeBaseDocument, "change", document.pk))
    bare_change = staff_client.get(admin_url(KnowledgeBaseDocument, "change", bare.pk))

    for response in (changelist, change):
        assert response.status_code == 200
        assert "384 dims · all-MiniLM-L6-v2" in response.text
        assert str(VECTOR_VALUE) not in response.text
    assert 'name="embedding"' not in change.text
    assert bare_change.status_code == 200
    assert "384 dims" not in bare_change.text


@pytest.mark.django_db(databases=BOTH)
def test_document_content_edited_in_the_admin_keeps_the_stored_vector(
    staff_client, project, superuser
):
    document = KnowledgeBaseDocument.objects.create(
        project=project,
        user_id=superuser.pk,
        filename="notes.txt",
        content="old",
        embedding=[VECTOR_VALUE] * 384,
        embedding_model="all-MiniLM-L6-v2",
    )
    data = {
        "project": str(project.pk),
        "user_id": str(superuser.pk),
        "filename": "notes.txt",
        "file_size": "3",
        "content_type": "text/plain",
        "content": "new content",
        "uploaded_at_0": "2026-01-01",
        "uploaded_at_1": "10:00:00",
    }

    response = staff_client.post(admin_url(KnowledgeBaseDocument, "change", document.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    document.refresh_from_db()
    assert document.content == "new content"
    assert len(document.embedding) == 384
    assert float(document.embedding[0]) == VECTOR_VALUE


@pytest.mark.django_db(databases=BOTH)
def test_deleting_a_project_in_the_admin_removes_its_rows_from_the_specs_database(
    staff_client, project
):
    confirm = staff_client.get(admin_url(Project, "delete", project.pk))
    response = staff_client.post(admin_url(Project, "delete", project.pk), {"post": "yes"})

    assert confirm.status_code == 200
    assert "Atlas" in confirm.text
    assert response.status_code == 302
    assert not Project.objects.using("specs").filter(pk=project.pk).exists()
    assert not Session.objects.using("specs").filter(project_id=project.pk).exists()


@pytest.mark.django_db(databases=BOTH)
def test_user_delete_confirmation_lists_rows_of_the_auth_database(staff_client, superuser):
    other = User.objects.create_user(username="bob", email="bob@example.com")
    Team.objects.create(name="Bob's team", created_by=other)

    response = staff_client.get(admin_url(User, "delete", other.pk))

    assert response.status_code == 200
    assert "bob" in response.text


@pytest.mark.django_db(databases=BOTH)
def test_session_page_shows_its_conversation_read_only_and_saves_without_touching_it(
    staff_client, project
):
    from specs_app.models import ConversationHistory

    session = project.sessions.get()
    ConversationHistory.objects.create(session=session, role="user", content="We need SSO")
    url = admin_url(Session, "change", session.pk)

    page = staff_client.get(url)
    response = staff_client.post(
        url,
        {
            "project": str(project.pk),
            "mode": "socratic",
            "status": "paused",
            "domain": "web",
            "started_at_0": "2026-01-01",
            "started_at_1": "10:00:00",
            "conversation-TOTAL_FORMS": "1",
            "conversation-INITIAL_FORMS": "1",
            "conversation-MIN_NUM_FORMS": "0",
            "conversation-MAX_NUM_FORMS": "0",
        },
    )

    assert "We need SSO" in page.text
    assert 'name="conversation-0-content"' not in page.text  # shown, not editable
    assert response.status_code == 302, response.context["adminform"].form.errors
    session.refresh_from_db()
    assert session.status == "paused"
    assert session.conversation.get().content == "We need SSO"


@pytest.mark.django_db(databases=BOTH)
def test_document_changelist_reads_neither_vectors_nor_contents(staff_client, project, superuser):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    KnowledgeBaseDocument.objects.create(
        project=project,
        user_id=superuser.pk,
        filename="notes.txt",
        content="x" * 100_000,
        embedding=[VECTOR_VALUE] * 384,
        embedding_model="all-MiniLM-L6-v2",
    )

    with CaptureQueriesContext(connections["specs"]) as queries:
        response = staff_client.get(admin_url(KnowledgeBaseDocument, "changelist"))

    assert response.status_code == 200
    selects = [q["sql"] for q in queries if 'FROM "knowledge_base_documents"' in q["sql"]]
    assert selects
    for sql in selects:
        assert '"knowledge_base_documents"."content"' not in sql
        assert '"knowledge_base_documents"."embedding",' not in sql
        assert not sql.rstrip().endswith('"knowledge_base_documents"."embedding"')
