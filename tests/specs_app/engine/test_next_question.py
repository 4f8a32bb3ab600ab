"""POST /api/v2/sessions/{id}/next-question/: lowest coverage first, best unasked template."""

import pytest

from knowledge_app.models import QuestionEffectiveness
from socrates.errors import ValidationFailed
from specs_app import services
from specs_app.engine import next_question as engine_next
from specs_app.engine import services as engine
from specs_app.engine.bank import get_bank
from specs_app.models import ConversationHistory, QualityMetric, Question
from tests.factories import QuestionFactory, SpecificationFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def ask(client, session):
    return client.post(f"/api/v2/sessions/{session.pk}/next-question/")


def test_an_empty_project_starts_with_the_first_goals_template(client, session):
    response = ask(client, session)

    assert response.status_code == 201, response.content
    body = response.json()
    template = get_bank().template("goals.problem")
    assert body["template_id"] == "goals.problem"
    assert body["category"] == "goals"
    assert body["text"] == template.text
    assert body["context"] == template.why
    assert body["fills"] == ["goals.problem_statement"]
    assert body["quality_score"] == 1.0
    assert body["coverage"] == {"category": "goals", "count": 0, "target": 3, "coverage": 0.0}
    question = Question.objects.get(pk=body["id"])
    assert (question.template_id, question.quality_score) == ("goals.problem", 1.0)
    turn = ConversationHistory.objects.get(session=session, message_type="question")
    assert (turn.role, turn.content) == ("assistant", template.text)
    metric = QualityMetric.objects.get(project=session.project, metric_type="question_bias")
    assert (metric.metric_value, metric.threshold, metric.passed) == (0.0, 0.5, True)


def test_the_category_with_the_lowest_coverage_comes_next(client, session):
    project = session.project
    # One current specification in every category but performance.
    for category in get_bank().categories:
        if category != "performance":
            SpecificationFactory(project=project, category=category)

    assert ask(client, session).json()["category"] == "performance"


def test_coverage_is_relative_to_each_categorys_target(client, session):
    project = session.project
    # goals 1/3 = 0.33 is below scalability 1/2 = 0.5; every other category is full.
    for category, state_target in [(c.name, c.target) for c in get_bank().categories.values()]:
        count = {"goals": 1, "scalability": 1}.get(category, state_target)
        for _ in range(count):
            SpecificationFactory(project=project, category=category)

    assert ask(client, session).json()["category"] == "goals"


def test_asked_templates_are_not_asked_again(client, session):
    first = ask(client, session).json()
    second = ask(client, session).json()

    assert (first["template_id"], second["template_id"]) == ("goals.problem", "goals.users")


def test_effectiveness_data_reorders_the_templates_of_the_chosen_category(client, owner, session):
    QuestionEffectiveness.objects.create(
        user_id=owner.pk, question_template_id="goals.problem", times_asked=2
    )
    QuestionEffectiveness.objects.create(
        user_id=owner.pk, question_template_id="goals.scope", times_asked=1, times_answered_well=1
    )

    # goals.scope: (1+1)/(1+2) = 0.67 beats the unseen 0.5; goals.problem (0+1)/(2+2) = 0.25.
    assert ask(client, session).json()["template_id"] == "goals.scope"
    assert ask(client, session).json()["template_id"] == "goals.users"


def test_a_registered_ranker_adjusts_the_ranking(client, session):
    def prefer_timeline(*, user_id, templates, scores):
        return {"goals.timeline": 1.0}

    engine_next.register_ranker(prefer_timeline)
    try:
        assert ask(client, session).json()["template_id"] == "goals.timeline"
    finally:
        engine_next.unregister_ranker(prefer_timeline)
    assert ask(client, session).json()["template_id"] == "goals.problem"


def test_the_users_detail_level_picks_the_wording(client, owner, session):
    from auth_app.rules import rules_set

    rules_set(user=owner, rules={"detail_level": "brief"})

    assert ask(client, session).json()["text"] == get_bank().template("goals.problem").text_short


@pytest.mark.parametrize("transition", ["session_pause", "session_end"])
def test_a_paused_or_ended_session_gets_a_409_with_the_reason(client, session, transition):
    session = getattr(services, transition)(session=session)

    response = ask(client, session)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_session_state"
    reason = "it is paused" if transition == "session_pause" else "it was ended"
    assert error["message"] == (
        f"Session {session.pk} is {session.status}; only an active session gets questions "
        f"({reason})."
    )
    assert not Question.objects.filter(session=session).exists()


def test_when_every_template_was_asked_the_answer_is_a_409(client, session):
    for template in get_bank().templates:
        QuestionFactory(session=session, template_id=template.id, category=template.category)

    response = ask(client, session)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "question_bank_exhausted"


def test_a_reader_cannot_ask_for_questions(api, session):
    from teams_app.models import ProjectShare, Team, TeamMember
    from tests.factories import UserFactory

    reader = UserFactory(username="reader")
    team = Team.objects.create(name="Readers", created_by=reader)
    TeamMember.objects.create(team=team, user=reader, role="developer")
    ProjectShare.objects.create(
        project=session.project,
        team_id=team.pk,
        shared_by=session.project.owner_id,
        permission_level="read",
    )

    assert_error(ask(api(reader), session), 403)


def test_a_biased_rephrasing_is_blocked_and_the_template_text_is_asked(owner, session):
    biased = "Don't you think we should just use MongoDB, right?"

    def rephrase(*, user, project, session, text):
        return biased, None

    asked = engine.next_question(session=session, user=owner, rephrase=rephrase)

    template = get_bank().template("goals.problem")
    assert asked.question.text == template.text
    assert asked.blocked_rephrasing and not asked.rephrased
    assert not Question.objects.filter(text=biased).exists()
    blocked, kept = QualityMetric.objects.filter(metric_type="question_bias").order_by(
        "calculated_at", "id"
    )
    assert (blocked.metric_value, blocked.passed, blocked.details["blocked"]) == (1.0, False, True)
    assert blocked.details["text"] == biased
    assert blocked.details["origin"] == "rephrased"
    assert (kept.metric_value, kept.passed, kept.details["origin"]) == (0.0, True, "template")


def test_an_unbiased_rephrasing_is_asked(owner, session):
    def rephrase(*, user, project, session, text):
        return "Which problem does the project solve, and who has it?", None

    asked = engine.next_question(session=session, user=owner, rephrase=rephrase)

    assert asked.rephrased
    assert asked.question.text == "Which problem does the project solve, and who has it?"
    assert asked.question.template_id == "goals.problem"


def test_a_biased_free_question_is_refused_and_never_stored(session):
    with pytest.raises(ValidationFailed) as caught:
        engine.question_ask(
            session=session,
            text="Which database would you pick, PostgreSQL or MySQL, for the orders?",
            category="tech_stack",
        )

    assert caught.value.code == "question_biased"
    assert not Question.objects.exists()
    metric = QualityMetric.objects.get(metric_type="question_bias")
    assert (metric.metric_value, metric.passed) == (0.5455, False)

    fair = engine.question_ask(
        session=session, text="Which data must the orders keep?", category="requirements"
    )
    assert fair.quality_score == 1.0
