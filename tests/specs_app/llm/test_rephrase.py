"""Rephrasing: the user's provider rewords the chosen question; any failure keeps the template."""

import logging

import pytest

from auth_app.services.accounts import user_llm_default_write
from auth_app.services.api_keys import api_key_set
from specs_app import services as specs_services
from specs_app.engine.services import next_question
from specs_app.llm.rephrase import rephrase_question
from specs_app.models import LlmUsage, QualityMetric
from tests.factories import ProjectFactory
from tests.helpers import BOTH, CLAUDE_KEY
from tests.specs_app.llm.protocol_servers import Ok

TEMPLATE = "What problem does this project solve, and for whom?"
REPHRASED = "Which problem will this project solve, and who has it today?"


@pytest.fixture
def project(alice):
    return ProjectFactory(owner_id=alice.pk, name="Clinic bookings")


@pytest.fixture
def session(project):
    return specs_services.session_create(project=project)


@pytest.mark.django_db(databases=BOTH)
def test_without_a_key_the_template_is_kept_and_nothing_is_called(
    alice, project, session, anthropic_server
):
    text, error = rephrase_question(user=alice, project=project, session=session, text=TEMPLATE)

    assert (text, error) == (TEMPLATE, None)
    assert anthropic_server.requests == []
    assert not LlmUsage.objects.exists()


@pytest.mark.django_db(databases=BOTH)
def test_with_a_key_the_provider_rephrases_and_the_call_is_recorded(
    alice, project, session, anthropic_server, caplog
):
    caplog.set_level(logging.DEBUG)
    api_key_set(user=alice, provider="claude", api_key=CLAUDE_KEY)
    anthropic_server.queue(Ok(f'"{REPHRASED}"', tokens_input=90, tokens_output=15))

    text, error = rephrase_question(user=alice, project=project, session=session, text=TEMPLATE)

    assert (text, error) == (REPHRASED, None)
    sent = anthropic_server.requests[0].body
    assert sent["messages"][0]["content"].endswith(f"Question: {TEMPLATE}")
    assert "rephrase" in sent["system"]
    usage = LlmUsage.objects.get()
    assert (usage.project_id, usage.session_id, usage.tokens_total) == (project.pk, session.pk, 105)
    assert "HTTP Request: POST" in caplog.text  # httpx logged the call...
    assert CLAUDE_KEY not in caplog.text  # ...but never the key


@pytest.mark.django_db(databases=BOTH)
def test_a_provider_error_keeps_the_template_and_records_the_error(
    alice, project, session, anthropic_server, caplog
):
    api_key_set(user=alice, provider="claude", api_key="sk-ant-revoked-0000000")
    caplog.set_level(logging.DEBUG)

    text, error = rephrase_question(user=alice, project=project, session=session, text=TEMPLATE)

    assert text == TEMPLATE
    assert error.startswith("The claude API key was rejected (HTTP 401)")
    assert "Rephrasing failed (provider_auth_failed), template text used" in caplog.text
    assert "sk-ant-revoked-0000000" not in caplog.text
    assert not LlmUsage.objects.exists()


@pytest.mark.django_db(databases=BOTH)
def test_an_answer_that_is_not_one_question_keeps_the_template(
    alice, project, session, anthropic_server
):
    api_key_set(user=alice, provider="claude", api_key=CLAUDE_KEY)
    anthropic_server.queue(Ok("Sure! Here are three options:\n\n1. Who?\n\n2. What?"))

    text, error = rephrase_question(user=alice, project=project, session=session, text=TEMPLATE)

    assert text == TEMPLATE
    assert error == "claude did not answer with a single question; template text used"


@pytest.mark.django_db(databases=BOTH)
def test_rephrasing_can_be_switched_off(alice, project, session, anthropic_server, settings):
    settings.LLM_REPHRASE_ENABLED = False
    api_key_set(user=alice, provider="claude", api_key=CLAUDE_KEY)

    assert rephrase_question(user=alice, project=project, session=session, text=TEMPLATE) == (
        TEMPLATE,
        None,
    )
    assert anthropic_server.requests == []


@pytest.mark.django_db(databases=BOTH)
def test_next_question_asks_the_rephrased_text_when_the_project_has_a_provider(
    alice, session, anthropic_server
):
    api_key_set(user=alice, provider="claude", api_key=CLAUDE_KEY)
    anthropic_server.queue(Ok(REPHRASED))

    asked = next_question(session=session, user=alice)

    assert asked.rephrased is True and asked.rephrase_error is None
    assert asked.question.text == REPHRASED
    assert LlmUsage.objects.filter(session=session).count() == 1


@pytest.mark.django_db(databases=BOTH)
def test_a_biased_rephrasing_is_blocked_and_the_template_asked(alice, session, anthropic_server):
    api_key_set(user=alice, provider="claude", api_key=CLAUDE_KEY)
    anthropic_server.queue(Ok("You should just use Django with PostgreSQL, right?"))

    asked = next_question(session=session, user=alice)

    assert asked.blocked_rephrasing is True and asked.rephrased is False
    assert asked.question.text == asked.template.text
    blocked = QualityMetric.objects.get(metric_type="question_bias", passed=False)
    assert blocked.details["origin"] == "rephrased"


@pytest.mark.django_db(databases=BOTH)
def test_next_question_without_a_provider_works_as_before(alice, session, anthropic_server):
    asked = next_question(session=session, user=alice)

    assert asked.rephrased is False and asked.rephrase_error is None
    assert anthropic_server.requests == []


@pytest.mark.django_db(databases=BOTH)
def test_ollama_rephrases_without_a_key_once_its_base_url_is_configured(
    alice, project, session, ollama_server
):
    user_llm_default_write(user=alice, provider="ollama", model="llama3.1:8b")
    ollama_server.queue(Ok(REPHRASED, tokens_input=50, tokens_output=10))

    text, error = rephrase_question(user=alice, project=project, session=session, text=TEMPLATE)

    assert (text, error) == (REPHRASED, None)
    assert "authorization" not in ollama_server.requests[0].headers
    usage = LlmUsage.objects.get()
    assert (usage.provider, usage.model, usage.cost_usd) == ("ollama", "llama3.1:8b", 0)


@pytest.mark.django_db(databases=BOTH)
def test_ollama_without_a_configured_base_url_is_not_called(alice, project, session, settings):
    settings.OLLAMA_BASE_URL = ""
    user_llm_default_write(user=alice, provider="ollama", model=None)

    text, error = rephrase_question(user=alice, project=project, session=session, text=TEMPLATE)

    assert (text, error) == (TEMPLATE, None)
    assert not LlmUsage.objects.exists()
