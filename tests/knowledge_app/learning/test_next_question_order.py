"""The engine's next-question choice follows what was learned about the user."""

import uuid

import pytest

from knowledge_app import learning
from specs_app.engine import next_question
from specs_app.engine.bank import get_bank
from specs_app.engine.quality import category_states

pytestmark = pytest.mark.django_db(databases=["default", "specs"])

USER = uuid.UUID("00000000-0000-0000-0000-0000000000aa")
PROJECT = uuid.UUID("00000000-0000-0000-0000-0000000000bb")
GOOD = " ".join(["word"] * 50)  # with 3 specifications: quality 1.0, answered well
POOR = "not sure"  # with no specification: quality 0.02, not answered well


def record(template_id: str, *, well: bool, user=USER):
    learning.record_answer(
        user_id=user,
        project_id=PROJECT,
        template_id=template_id,
        role="owner",
        answer_text=GOOD if well else POOR,
        specs_extracted=3 if well else 0,
    )


def goals_order(user=USER) -> list[str]:
    return [t.id for t in next_question.rank_templates(user, get_bank().templates_of("goals"))]


def next_template(user=USER) -> str:
    choice = next_question.choose(user_id=user, states=category_states([]), asked=set())
    return choice.template.id


def test_without_data_the_bank_order_decides():
    bank_order = [t.id for t in get_bank().templates_of("goals")]

    assert goals_order() == bank_order
    assert next_template() == bank_order[0] == "goals.problem"


def test_order_changes_as_effectiveness_data_accumulates():
    bank_order = [t.id for t in get_bank().templates_of("goals")]
    first, second, third = bank_order[:3]

    # One poor answer to the first template: 1/3 < 0.5, it drops behind every unseen one.
    record(first, well=False)
    assert goals_order() == [*bank_order[1:], first]
    assert next_template() == second

    # One good answer to the third: 2/3 > 0.5, it comes first.
    record(third, well=True)
    assert goals_order()[:2] == [third, second]
    assert next_template() == third

    # The first template recovers with three good answers: (3+1)/(4+2) = 0.667 ties the third,
    # and ties keep bank order, so the first leads again.
    for _ in range(3):
        record(first, well=True)
    assert goals_order()[:3] == [first, third, second]
    assert next_template() == first


def test_one_users_data_does_not_reorder_another_users_questions():
    bank_order = [t.id for t in get_bank().templates_of("goals")]
    record(bank_order[0], well=False)

    assert goals_order(user=uuid.uuid4()) == bank_order


def test_the_category_is_still_chosen_by_coverage_not_by_effectiveness():
    record("goals.problem", well=False)
    record("requirements.core_features", well=True)

    choice = next_question.choose(user_id=USER, states=category_states([]), asked=set())

    assert choice.category.category == "goals"
    assert choice.template.category == "goals"


def test_the_detail_level_picks_the_short_or_long_wording():
    template = get_bank().template("goals.problem")
    for _ in range(3):
        record("goals.users", well=False)  # "not sure": 2 words, no specs -> brief

    level = learning.preferred_detail_level(user_id=USER)

    assert level == "brief"
    assert template.text_for(level) == template.text_short
    assert template.text_for(learning.preferred_detail_level(user_id=uuid.uuid4())) == (
        template.text
    )


def test_the_engine_asks_in_the_learned_wording_and_order(user):
    from specs_app.engine import services as engine
    from tests.factories import ProjectFactory, SessionFactory

    session = SessionFactory(project=ProjectFactory(owner_id=user.pk))
    bank = get_bank()
    for _ in range(3):  # brief answers, and goals.problem never answered well
        record("goals.problem", well=False, user=user.pk)

    asked = engine.next_question(session=session, user=user, rephrase=None)

    second = bank.templates_of("goals")[1]
    assert asked.template.id == second.id
    assert asked.question.text == second.text_short
