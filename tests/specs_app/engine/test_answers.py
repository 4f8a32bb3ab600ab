"""POST /api/v2/sessions/{id}/answers/: the turn, the specifications, maturity, learning."""

import pytest

from auth_app.rules import rules_set
from knowledge_app.models import QuestionEffectiveness
from specs_app import services
from specs_app.engine import services as engine
from specs_app.models import (
    Conflict,
    ConversationHistory,
    Project,
    QualityMetric,
    Specification,
    TestResult,
)

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def question_for(session, owner, template_id):
    """Record a question asked from the template (as next-question would)."""
    from specs_app.engine.bank import get_bank

    template = get_bank().template(template_id)
    return services.question_create(
        session=session,
        text=template.text,
        category=template.category,
        context=template.why,
        quality_score=1.0,
        template_id=template.id,
    )


def answer(client, session, question, text, **extra):
    return client.post(
        f"/api/v2/sessions/{session.pk}/answers/",
        {"question_id": str(question.pk), "answer": text, **extra},
        format="json",
    )


def current(project):
    return {
        f"{s.category}.{s.key}": s
        for s in Specification.objects.filter(project=project, is_current=True)
    }


def test_an_answer_becomes_specifications_with_the_default_confidence(client, owner, session):
    question = question_for(session, owner, "tech_stack.database")

    response = answer(client, session, question, "PostgreSQL 16")

    assert response.status_code == 201, response.content
    body = response.json()
    [spec] = body["specifications"]
    assert (spec["category"], spec["key"], spec["value"]) == (
        "tech_stack",
        "database",
        "postgresql 16",
    )
    assert (spec["source"], spec["confidence"], spec["is_current"]) == ("user_input", 0.8, True)
    assert spec["metadata"]["question_id"] == str(question.pk)
    assert spec["metadata"]["template_id"] == "tech_stack.database"
    assert body["conflicts"] == [] and body["pending"] == []
    turn = ConversationHistory.objects.get(session=session, role="user")
    assert (turn.content, turn.message_type) == ("PostgreSQL 16", "answer")
    assert turn.metadata["question_id"] == str(question.pk)
    # maturity = 100 * 0.8 / 26 (total target of the bank)
    assert body["maturity_score"] == 3.08
    assert Project.objects.get(pk=session.project_id).maturity_score == 3.08
    assert body["coverage"] == round((1 / 4) / 7, 4)
    kinds = set(QualityMetric.objects.values_list("metric_type", flat=True))
    assert kinds == {"coverage", "maturity"}
    # The tech stack changed: the compatibility matrix ran.
    assert body["compatibility_status"] == "passed"
    assert TestResult.objects.get(pk=body["compatibility_test_id"]).results["trigger"] == "answer"


def test_framework_and_language_in_one_answer_fill_both_keys(client, owner, session):
    question = question_for(session, owner, "tech_stack.framework")

    body = answer(client, session, question, "Django 5.2 on Python 3.12", confidence=0.6).json()

    values = {
        f"{s['category']}.{s['key']}": (s["value"], s["confidence"]) for s in body["specifications"]
    }
    assert values == {
        "tech_stack.framework": ("django 5.2", 0.6),
        "tech_stack.language": ("python 3.12", 0.6),
    }


def test_the_rest_of_the_answer_is_kept_under_the_templates_key(client, owner, session):
    question = question_for(session, owner, "performance.latency")

    body = answer(
        client, session, question, "The booking page must respond within 300 ms, also on phones."
    ).json()

    assert {f"{s['category']}.{s['key']}": s["value"] for s in body["specifications"]} == {
        "performance.response_time": "300 ms"
    }
    assert body["specifications"][0]["content"] == (
        "The booking page must respond within 300 ms, also on phones."
    )

    question = question_for(session, owner, "goals.problem")
    body = answer(client, session, question, "Clinics lose track of appointments.").json()
    [spec] = body["specifications"]
    assert (spec["key"], spec["value"]) == (
        "problem_statement",
        "Clinics lose track of appointments.",
    )


def test_a_repeated_value_writes_no_new_version(client, owner, session):
    first = question_for(session, owner, "tech_stack.database")
    answer(client, session, first, "PostgreSQL 16")
    second = question_for(session, owner, "tech_stack.extensions")

    body = answer(client, session, second, "PostgreSQL 16 with pgvector 0.8").json()

    assert [s["key"] for s in body["unchanged"]] == ["database"]
    assert [s["key"] for s in body["specifications"]] == ["database_extension"]
    assert Specification.objects.filter(key="database").count() == 1


def test_an_answer_updates_the_learning_data_of_its_template(client, owner, session):
    question = question_for(session, owner, "tech_stack.database")

    answer(client, session, question, "PostgreSQL 16")

    row = QuestionEffectiveness.objects.get(
        user_id=owner.pk, question_template_id="tech_stack.database"
    )
    assert (row.times_asked, row.average_spec_extraction_count, row.role) == (1, 1.0, "owner")


def test_a_question_is_answered_once(client, owner, session):
    question = question_for(session, owner, "goals.problem")
    answer(client, session, question, "Clinics lose track of appointments.")

    response = answer(client, session, question, "Something else entirely.")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "question_already_answered"


def test_a_paused_session_takes_no_answers(client, owner, session):
    question = question_for(session, owner, "goals.problem")
    services.session_pause(session=session)

    response = answer(client, session, question, "Clinics lose track of appointments.")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_session_state"
    assert not Specification.objects.exists()


def test_a_question_of_another_session_is_a_400(client, owner, session):
    other = services.session_create(project=session.project)
    question = question_for(other, owner, "goals.problem")

    response = answer(client, session, question, "Clinics lose track of appointments.")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f"question_id: question {question.pk} is not a question of this session."
    )


def test_bad_input_is_a_400_naming_the_field(client, owner, session):
    question = question_for(session, owner, "goals.problem")

    response = answer(client, session, question, "Fine.", confidence=1.5)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("confidence:")
    response = client.post(
        f"/api/v2/sessions/{session.pk}/answers/", {"answer": "x"}, format="json"
    )
    assert response.json()["error"]["message"].startswith("question_id:")


def test_a_rule_no_mongodb_flags_a_mongodb_choice_with_a_409(client, owner, session):
    rules_set(user=owner, rules={"no_mongodb": True})
    question = question_for(session, owner, "tech_stack.database")

    response = answer(client, session, question, "MongoDB 7")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "specification_conflict"
    [conflict] = error["details"]["conflicts"]
    [pending] = error["details"]["pending"]
    assert (conflict["severity"], conflict["conflict_type"]) == ("high", "technology")
    assert conflict["spec_ids"] == [pending["id"]]
    assert conflict["description"].startswith("Rule no_mongodb: tech_stack.database = 'mongodb 7'")
    assert pending["is_current"] is False
    # The 409 keeps what was stored: the turn, the pending specification and its conflict.
    assert ConversationHistory.objects.filter(session=session, role="user").count() == 1
    assert Specification.objects.get(pk=pending["id"]).is_current is False
    assert Conflict.objects.get(pk=conflict["id"]).status == "open"
    assert Project.objects.get(pk=session.project_id).maturity_score == 0


def test_the_v1_answer_endpoint_stores_the_turn_as_before(client, owner, session):
    question = question_for(session, owner, "tech_stack.database")

    response = client.post(
        f"/api/v1/sessions/{session.pk}/answer/",
        {"question_id": str(question.pk), "answer": "PostgreSQL 16"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert ConversationHistory.objects.filter(session=session, role="user").count() == 1
    assert not Specification.objects.exists()


def test_the_service_refuses_a_confidence_outside_zero_to_one(owner, session):
    from socrates.errors import ValidationFailed

    question = question_for(session, owner, "goals.problem")
    with pytest.raises(ValidationFailed, match="confidence: must be between 0 and 1"):
        engine.answer_submit(
            session=session, user=owner, question_id=question.pk, answer="x", confidence=2
        )
