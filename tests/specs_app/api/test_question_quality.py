"""Hand-written questions: v2 applies the bias rule, v1 keeps its frozen contract."""

import pytest

from specs_app.models import QualityMetric, Question
from tests.factories import SessionFactory
from tests.helpers import error_of

BOTH = ["default", "specs"]
BIASED = "Don't you agree that React is obviously the best choice, right?"
NEUTRAL = "What problem does the project solve for its users?"


@pytest.mark.django_db(databases=BOTH)
def test_v2_refuses_a_biased_question_and_stores_only_its_metric(owner_client, project):
    session = SessionFactory(project=project)

    response = owner_client.post(
        f"/api/v2/sessions/{session.pk}/questions/", {"text": BIASED, "category": "tech_stack"}
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "question_biased"
    assert "biased" in error_of(response)["message"]
    assert not Question.objects.filter(session=session).exists()
    metric = QualityMetric.objects.get(project=project, metric_type="question_bias")
    assert metric.passed is False


@pytest.mark.django_db(databases=BOTH)
def test_v2_stores_a_neutral_question_with_the_bias_checks_quality_score(owner_client, project):
    session = SessionFactory(project=project)

    response = owner_client.post(
        f"/api/v2/sessions/{session.pk}/questions/",
        {"text": NEUTRAL, "category": "goals", "quality_score": 0.01},
    )

    assert response.status_code == 201
    question = Question.objects.get(pk=response.json()["id"])
    assert question.quality_score == 1.0


@pytest.mark.django_db(databases=BOTH)
def test_v1_stores_hand_written_questions_as_before(owner_client, project):
    session = SessionFactory(project=project)

    response = owner_client.post(
        f"/api/v1/sessions/{session.pk}/questions/", {"text": BIASED, "category": "tech_stack"}
    )

    assert response.status_code == 201
    assert Question.objects.filter(session=session, text=BIASED).exists()
