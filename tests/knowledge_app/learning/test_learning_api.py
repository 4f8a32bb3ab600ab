"""GET /api/v2/me/learning/: the caller's patterns and the templates they have been asked."""

import uuid

import pytest
from rest_framework.test import APIClient

from knowledge_app import learning
from tests.factories import UserFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db(databases=["default", "specs"])

PROJECT = uuid.UUID("00000000-0000-0000-0000-0000000000cc")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_learning_shows_my_patterns_and_effectiveness_only(user):
    other = UserFactory(username="bob")
    for template, text, specs in [
        ("goals.problem", "We run Django with PostgreSQL behind a REST API", 1),
        ("goals.problem", " ".join(["word"] * 50), 3),
        ("goals.users", "no idea", 0),
    ]:
        learning.record_answer(
            user_id=user.pk,
            project_id=PROJECT,
            template_id=template,
            role="owner",
            answer_text=text,
            specs_extracted=specs,
        )
    learning.record_answer(
        user_id=other.pk,
        project_id=PROJECT,
        template_id="goals.scope",
        answer_text="x",
        specs_extracted=0,
    )

    response = client_for(user).get("/api/v2/me/learning/")

    assert response.status_code == 200
    body = response.json()
    rows = {r["template_id"]: r for r in body["question_effectiveness"]}
    assert set(rows) == {"goals.problem", "goals.users"}
    problem = rows["goals.problem"]
    assert problem["times_asked"] == 2
    assert problem["times_answered_well"] == 1  # 9 words + 1 spec: quality 0.2567, not well
    assert problem["effectiveness_score"] == 0.5
    assert problem["average_answer_length"] == pytest.approx(0.3 * 50 + 0.7 * 9)
    assert problem["average_spec_extraction_count"] == pytest.approx(0.3 * 3 + 0.7 * 1)
    assert problem["ranking_score"] == pytest.approx(0.5)
    assert rows["goals.users"]["effectiveness_score"] == 0.0
    patterns = {p["pattern_type"]: p for p in body["patterns"]}
    assert set(patterns) == {"communication_style", "detail_level", "typical_answer_length"}
    assert patterns["communication_style"]["value"] == "technical"
    assert patterns["communication_style"]["confidence"] == 0.1
    assert patterns["communication_style"]["learned_from_projects"] == [str(PROJECT)]
    assert patterns["typical_answer_length"]["pattern_data"]["observations"] == 3


def test_a_user_with_no_history_gets_empty_lists(user):
    response = client_for(user).get("/api/v2/me/learning/")

    assert response.json() == {"patterns": [], "question_effectiveness": []}


def test_learning_needs_authentication(client):
    response = client.get("/api/v2/me/learning/")

    assert_error(response, 401)
