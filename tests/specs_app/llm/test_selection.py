"""Provider and model choice: project, then user default, then Claude; validated by the registry."""

import pytest

from auth_app.services.accounts import user_llm_default_write
from auth_app.services.api_keys import api_key_set
from specs_app.llm.selection import LlmChoice, resolve_llm
from specs_app.llm.services import project_llm_set
from tests.factories import ProjectFactory, UserFactory
from tests.helpers import BOTH, CLAUDE_KEY, assert_error, client_for, share


@pytest.mark.django_db(databases=BOTH)
def test_resolution_prefers_the_project_then_the_user_then_claude(alice):
    project = ProjectFactory(owner_id=alice.pk)

    resolve = resolve_llm
    assert resolve(user=alice, project=project) == LlmChoice(
        "claude", "claude-sonnet-4-5", "default"
    )
    user_llm_default_write(user=alice, provider="openai", model="gpt-4o")
    assert resolve(user=alice, project=project) == LlmChoice("openai", "gpt-4o", "user")
    project_llm_set(project=project, provider="gemini")
    assert resolve(user=alice, project=project) == LlmChoice(
        "gemini", "gemini-2.5-flash", "project"
    )


@pytest.mark.django_db(databases=BOTH)
def test_put_me_llm_sets_the_default_and_reports_the_effective_choice(alice, alice_client):
    api_key_set(user=alice, provider="openai", api_key="sk-openai-123456789")

    response = alice_client.put(
        "/api/v2/me/llm/", {"provider": "openai", "model": "gpt-4.1"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "provider": "openai",
        "model": "gpt-4.1",
        "effective": {"provider": "openai", "model": "gpt-4.1", "source": "user", "has_key": True},
    }
    alice.refresh_from_db()
    assert (alice.default_llm_provider, alice.default_llm_model) == ("openai", "gpt-4.1")


@pytest.mark.django_db(databases=BOTH)
def test_a_provider_without_model_takes_the_providers_default_model(alice, alice_client):
    response = alice_client.put("/api/v2/me/llm/", {"provider": "gemini"}, format="json")

    assert response.json()["model"] == "gemini-2.5-flash"
    assert response.json()["effective"]["has_key"] is False


@pytest.mark.django_db(databases=BOTH)
def test_null_provider_clears_the_default(alice, alice_client):
    alice_client.put("/api/v2/me/llm/", {"provider": "openai"}, format="json")

    response = alice_client.put("/api/v2/me/llm/", {"provider": None}, format="json")

    assert response.json()["provider"] is None
    assert response.json()["effective"]["source"] == "default"


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"provider": "mistral"}, "Unknown LLM provider 'mistral'"),
        ({"provider": "claude", "model": "gpt-4o"}, "Unknown model 'gpt-4o' for provider 'claude'"),
        ({"provider": None, "model": "gpt-4o"}, "A model needs its provider"),
    ],
)
def test_choices_outside_the_registry_are_400(alice_client, body, message):
    response = alice_client.put("/api/v2/me/llm/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


@pytest.mark.django_db(databases=BOTH)
def test_ollama_accepts_any_local_model_name(alice_client):
    response = alice_client.put(
        "/api/v2/me/llm/", {"provider": "ollama", "model": "deepseek-r1:14b"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["model"] == "deepseek-r1:14b"


@pytest.mark.django_db(databases=BOTH)
def test_the_project_choice_overrides_the_users_default(alice, alice_client):
    api_key_set(user=alice, provider="claude", api_key=CLAUDE_KEY)
    alice_client.put("/api/v2/me/llm/", {"provider": "openai"}, format="json")
    project = ProjectFactory(owner_id=alice.pk)
    url = f"/api/v2/projects/{project.pk}/llm/"

    response = alice_client.put(
        url, {"provider": "claude", "model": "claude-haiku-4-5"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["effective"] == {
        "provider": "claude",
        "model": "claude-haiku-4-5",
        "source": "project",
        "has_key": True,
    }
    project.refresh_from_db()
    assert (project.llm_provider, project.llm_model) == ("claude", "claude-haiku-4-5")
    assert alice_client.get(url).json()["provider"] == "claude"


@pytest.mark.django_db(databases=BOTH)
def test_setting_a_projects_choice_needs_write_access(alice):
    project = ProjectFactory(owner_id=alice.pk)
    reader = share(project, level="read", username="reader-llm")
    writer = share(project, level="write", username="writer-llm")
    url = f"/api/v2/projects/{project.pk}/llm/"
    body = {"provider": "openai"}

    assert client_for(reader).get(url).status_code == 200
    assert_error(client_for(reader).put(url, body, format="json"), 403)
    assert client_for(writer).put(url, body, format="json").status_code == 200
    stranger = client_for(UserFactory(username="stranger-llm"))
    assert_error(stranger.put(url, body, format="json"), 404)


@pytest.mark.django_db(databases=BOTH)
def test_providers_endpoint_lists_models_prices_and_which_have_keys(alice, alice_client):
    api_key_set(user=alice, provider="gemini", api_key="gemini-key-123456")

    providers = {p["name"]: p for p in alice_client.get("/api/v2/llm/providers/").json()}

    assert list(providers) == ["claude", "openai", "gemini", "ollama"]
    assert providers["gemini"]["has_key"] is True and providers["claude"]["has_key"] is False
    sonnet = next(m for m in providers["claude"]["models"] if m["name"] == "claude-sonnet-4-5")
    assert sonnet == {
        "name": "claude-sonnet-4-5",
        "input_per_1k_usd": "0.003000",
        "output_per_1k_usd": "0.015000",
    }
    assert providers["ollama"]["requires_key"] is False
