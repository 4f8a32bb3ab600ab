"""Answering questions on a shared project: share level, team role and category, over HTTP."""

import pytest

from knowledge_app.models import QuestionEffectiveness
from specs_app.access import ROLE_CATEGORIES
from teams_app import services
from tests.factories import ProjectFactory, QuestionFactory, SessionFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db(databases=["default", "specs"])

CATEGORIES = ("goals", "requirements", "tech_stack", "testing", "security")
ROLE_HOLDERS = {"owner": "olivia", "lead": "lena", "developer": "dev", "viewer": "vera"}


@pytest.fixture
def shared_session(people, team):
    """A session on oscar's project; oscar is a viewer of `team`, so every role is a guest."""
    services.member_add(actor=people["olivia"], team=team, user=people["oscar"], role="viewer")
    project = ProjectFactory(owner_id=people["oscar"].pk)
    return SessionFactory(project=project)


def answer(client, session, category):
    question = QuestionFactory(session=session, category=category, template_id=None)
    return client.post(
        f"/api/v2/sessions/{session.pk}/answers/",
        {"question_id": str(question.pk), "answer": "Something we need."},
        format="json",
    )


@pytest.mark.parametrize("level", ["read", "write", "admin"])
@pytest.mark.parametrize("role", ["owner", "lead", "developer", "viewer"])
def test_who_may_answer_which_category(people, team, shared_session, api, role, level):
    services.share_create(
        actor=people["oscar"], project=shared_session.project, team_id=team.pk, permission=level
    )
    client = api(people[ROLE_HOLDERS[role]])

    outcomes = {}
    for category in CATEGORIES:
        response = answer(client, shared_session, category)
        outcomes[category] = (
            response.status_code,
            response.json()["error"]["code"] if response.status_code >= 400 else "ok",
        )

    can_write = level != "read" and role != "viewer"
    expected = {
        category: (
            (201, "ok")
            if can_write and category in ROLE_CATEGORIES[role]
            else (403, "category_not_answerable" if can_write else "permission_denied")
        )
        for category in CATEGORIES
    }
    assert outcomes == expected


def test_a_refused_category_names_what_the_role_may_answer(people, team, shared_session, api):
    services.share_create(
        actor=people["oscar"], project=shared_session.project, team_id=team.pk, permission="write"
    )

    response = answer(api(people["dev"]), shared_session, "goals")

    body = response.json()["error"]
    assert body["message"] == "Your team role does not answer 'goals' questions on this project."
    assert body["details"]["answerable"] == ["deployment", "tech_stack", "testing"]


def test_the_project_owner_answers_every_category(people, shared_session, api):
    client = api(people["oscar"])

    assert {c: answer(client, shared_session, c).status_code for c in CATEGORIES} == dict.fromkeys(
        CATEGORIES, 201
    )


def test_an_engine_answer_updates_the_learning_data(people, shared_session, api):
    client = api(people["oscar"])
    asked = client.post(f"/api/v2/sessions/{shared_session.pk}/next-question/")
    assert asked.status_code == 201
    question = asked.json()

    answered = client.post(
        f"/api/v2/sessions/{shared_session.pk}/answers/",
        {"question_id": question["id"], "answer": "Shop owners who lose track of their stock."},
        format="json",
    )

    assert answered.status_code == 201
    row = QuestionEffectiveness.objects.get(user_id=people["oscar"].pk)
    assert row.question_template_id == question["template_id"]
    assert row.times_asked == 1
    assert row.role == "owner"
    learned = client.get("/api/v2/me/learning/").json()
    assert [r["template_id"] for r in learned["question_effectiveness"]] == [
        question["template_id"]
    ]


def test_v1_answer_endpoint_applies_the_same_role_categories(people, team, shared_session, api):
    services.share_create(
        actor=people["oscar"], project=shared_session.project, team_id=team.pk, permission="write"
    )
    client = api(people["dev"])
    goals = QuestionFactory(session=shared_session, category="goals", template_id=None)
    testing = QuestionFactory(session=shared_session, category="testing", template_id=None)

    refused = client.post(
        f"/api/v1/sessions/{shared_session.pk}/answer/",
        {"question_id": str(goals.pk), "answer": "Sell more."},
        format="json",
    )
    accepted = client.post(
        f"/api/v1/sessions/{shared_session.pk}/answer/",
        {"question_id": str(testing.pk), "answer": "pytest with 80% coverage."},
        format="json",
    )

    assert_error(refused, 403, "category_not_answerable")
    assert accepted.status_code == 201


def test_next_question_only_picks_categories_the_role_answers(people, team, shared_session, api):
    services.share_create(
        actor=people["oscar"], project=shared_session.project, team_id=team.pk, permission="write"
    )
    client = api(people["dev"])

    categories = set()
    for _ in range(4):
        response = client.post(f"/api/v2/sessions/{shared_session.pk}/next-question/")
        assert response.status_code == 201, response.json()
        categories.add(response.json()["category"])

    assert categories <= ROLE_CATEGORIES["developer"]
    # The owner, unconstrained, is asked the least covered category of the whole bank.
    owner_pick = api(people["oscar"]).post(f"/api/v2/sessions/{shared_session.pk}/next-question/")
    assert owner_pick.json()["category"] == "goals"


def test_a_read_only_member_gets_no_question(people, team, shared_session, api):
    services.share_create(
        actor=people["oscar"], project=shared_session.project, team_id=team.pk, permission="write"
    )

    response = api(people["vera"]).post(f"/api/v2/sessions/{shared_session.pk}/next-question/")

    assert_error(response, 403)
