"""Usage: every call writes llm_usage_tracking; totals per provider and model are exact."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auth_app.models import ApiKey
from auth_app.services.api_keys import api_key_set
from specs_app.llm import registry
from specs_app.llm.clients import CompletionResult
from specs_app.llm.services import llm_complete
from specs_app.llm.usage import usage_record
from specs_app.models import LlmUsage
from tests.factories import ProjectFactory, SessionFactory, UserFactory
from tests.helpers import BOTH, CLAUDE_KEY
from tests.specs_app.llm.protocol_servers import Ok

URL = "/api/v2/llm/usage/"


def test_cost_comes_from_the_price_table_per_thousand_tokens():
    # claude-sonnet-4-5: $0.003 per 1k input, $0.015 per 1k output.
    assert registry.cost_usd("claude", "claude-sonnet-4-5", 1000, 500) == Decimal("0.010500")
    assert registry.cost_usd("openai", "gpt-4o-mini", 10000, 2000) == Decimal("0.002700")
    assert registry.cost_usd("ollama", "any-local-model", 10**6, 10**6) == Decimal("0")


@pytest.mark.django_db(databases=BOTH)
def test_a_completed_call_records_tokens_cost_latency_project_and_session(alice, anthropic_server):
    api_key_set(user=alice, provider="claude", api_key=CLAUDE_KEY)
    project = ProjectFactory(owner_id=alice.pk)
    session = SessionFactory(project=project)
    anthropic_server.queue(Ok("Why?", tokens_input=1200, tokens_output=300))

    result = llm_complete(
        user=alice,
        project=project,
        session=session,
        messages=[{"role": "user", "content": "Hello"}],
        max_tokens=50,
    )

    row = LlmUsage.objects.get()
    assert (row.user_id, row.project_id, row.session_id) == (alice.pk, project.pk, session.pk)
    assert (row.provider, row.model) == ("claude", "claude-sonnet-4-5")
    assert (row.tokens_input, row.tokens_output, row.tokens_total) == (1200, 300, 1500)
    assert row.cost_usd == Decimal("0.008100")  # 1.2 * 0.003 + 0.3 * 0.015
    assert row.latency_ms == result.latency_ms
    assert ApiKey.objects.get(user=alice).last_used_at is not None


def _call(user, provider, model, tokens_in, tokens_out, project, days_ago=0):
    row = usage_record(
        user_id=user.pk,
        project=project,
        result=CompletionResult(
            text="",
            tokens_input=tokens_in,
            tokens_output=tokens_out,
            provider=provider,
            model=model,
            latency_ms=100,
        ),
    )
    if days_ago:
        LlmUsage.objects.filter(pk=row.pk).update(
            timestamp=timezone.now() - timedelta(days=days_ago, hours=1)
        )
    return row


@pytest.fixture
def known_calls(alice):
    """Seven calls of alice (and one of bob) at known ages; the costs are worked out by hand."""
    p1 = ProjectFactory(owner_id=alice.pk, name="P1")
    p2 = ProjectFactory(owner_id=alice.pk, name="P2")
    _call(alice, "claude", "claude-sonnet-4-5", 1000, 500, p1)  # 0.0105
    _call(alice, "claude", "claude-sonnet-4-5", 2000, 1000, p2)  # 0.0210
    _call(alice, "openai", "gpt-4o-mini", 10000, 2000, p1)  # 0.0027
    _call(alice, "ollama", "llama3.1:8b", 500, 100, p1)  # 0
    _call(alice, "gemini", "gemini-2.5-flash", 3000, 1000, p1, days_ago=3)  # 0.0034
    _call(alice, "claude", "claude-haiku-4-5", 1000, 1000, p1, days_ago=20)  # 0.0060
    _call(alice, "claude", "claude-sonnet-4-5", 1000, 1000, p1, days_ago=40)  # outside a month
    bob = UserFactory(username="bob-usage")
    _call(bob, "claude", "claude-sonnet-4-5", 9999, 9999, ProjectFactory(owner_id=bob.pk))
    return {"p1": p1, "p2": p2}


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("period", "calls", "tokens_in", "tokens_out", "cost"),
    [
        ("day", 4, 13500, 3600, "0.034200"),
        ("week", 5, 16500, 4600, "0.037600"),
        ("month", 6, 17500, 5600, "0.043600"),
    ],
)
def test_usage_totals_are_exact_for_each_period(
    alice_client, known_calls, period, calls, tokens_in, tokens_out, cost
):
    response = alice_client.get(URL, {"period": period})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totals"] == {
        "calls": calls,
        "tokens_input": tokens_in,
        "tokens_output": tokens_out,
        "tokens_total": tokens_in + tokens_out,
        "cost_usd": cost,
    }
    assert len(body["results"]) == calls


@pytest.mark.django_db(databases=BOTH)
def test_usage_totals_per_provider_and_model(alice_client, known_calls):
    body = alice_client.get(URL, {"period": "day"}).json()

    assert body["by_provider_model"] == [
        {
            "provider": "claude",
            "model": "claude-sonnet-4-5",
            "calls": 2,
            "tokens_input": 3000,
            "tokens_output": 1500,
            "tokens_total": 4500,
            "cost_usd": "0.031500",
        },
        {
            "provider": "ollama",
            "model": "llama3.1:8b",
            "calls": 1,
            "tokens_input": 500,
            "tokens_output": 100,
            "tokens_total": 600,
            "cost_usd": "0.000000",
        },
        {
            "provider": "openai",
            "model": "gpt-4o-mini",
            "calls": 1,
            "tokens_input": 10000,
            "tokens_output": 2000,
            "tokens_total": 12000,
            "cost_usd": "0.002700",
        },
    ]


@pytest.mark.django_db(databases=BOTH)
def test_usage_filtered_by_project(alice_client, known_calls):
    body = alice_client.get(URL, {"period": "month", "project": known_calls["p1"].pk}).json()

    assert body["project"] == str(known_calls["p1"].pk)
    assert body["totals"] == {
        "calls": 5,
        "tokens_input": 15500,
        "tokens_output": 4600,
        "tokens_total": 20100,
        "cost_usd": "0.022600",
    }


@pytest.mark.django_db(databases=BOTH)
def test_usage_pages_do_not_change_the_totals(alice_client, known_calls):
    first = alice_client.get(URL, {"period": "month", "page_size": 2}).json()
    second = alice_client.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert first["totals"] == second["totals"]
    assert first["totals"]["calls"] == 6


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "year"}, "period"),
        ({"project": "not-a-uuid"}, "project"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_bad_usage_filters_are_400_naming_the_parameter(alice_client, params, message):
    response = alice_client.get(URL, params)

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)
