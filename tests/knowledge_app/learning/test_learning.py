"""Learning from answers: exact effectiveness and pattern numbers on small scripted histories."""

import uuid

import pytest

from knowledge_app import learning
from knowledge_app.models import QuestionEffectiveness, UserBehaviorPattern

pytestmark = pytest.mark.django_db(databases=["default", "specs"])

USER = uuid.UUID("00000000-0000-0000-0000-00000000000a")
P1 = uuid.UUID("00000000-0000-0000-0000-000000000001")
P2 = uuid.UUID("00000000-0000-0000-0000-000000000002")

TECHNICAL = "We run Django with PostgreSQL behind a REST API"  # 9 words, 4 technical terms
BUSINESS = "Our customers want lower prices and more revenue"  # 8 words, 3 business terms


def words(n: int) -> str:
    return " ".join(["word"] * n)


def answer(text, specs, *, template="goals.problem", project=P1, user=USER, role="owner"):
    return learning.record_answer(
        user_id=user,
        project_id=project,
        template_id=template,
        role=role,
        answer_text=text,
        specs_extracted=specs,
    )


def pattern(pattern_type, user=USER):
    return UserBehaviorPattern.objects.get(user_id=user, pattern_type=pattern_type)


# --- Definitions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "specs,n_words,quality,well",
    [
        (0, 0, 0.0, False),
        (0, 200, 0.5, False),  # long but nothing extracted: never answered well
        (1, 50, 0.5 / 3 + 0.5, True),
        (1, 40, 0.5 / 3 + 0.4, False),
        (3, 10, 0.6, False),  # exactly 0.6 is not above it
        (3, 11, 0.5 + 0.11, True),
        (9, 500, 1.0, True),  # both parts are capped
    ],
)
def test_answer_quality_and_answered_well(specs, n_words, quality, well):
    measured = learning.answer_quality(specs_extracted=specs, words=n_words)

    assert measured == pytest.approx(quality, abs=1e-12)
    assert learning.is_answered_well(specs_extracted=specs, quality=measured) is well


def test_word_count_splits_on_whitespace():
    assert learning.word_count("  two\n words\t") == 2
    assert learning.word_count("") == 0


# --- Effectiveness --------------------------------------------------------------------------


def test_effectiveness_on_a_scripted_history_is_exact():
    first = answer(words(10), 0)  # quality 0.1: not well
    assert first.effectiveness.times_asked == 1
    assert first.effectiveness.average_answer_length == 10.0  # the first answer sets the average
    assert first.effectiveness.average_spec_extraction_count == 0.0
    assert first.effectiveness.effectiveness_score == 0.0

    second = answer(words(50), 3)  # quality 1.0: well
    assert second.quality == 1.0
    assert second.answered_well is True

    third = answer(words(25), 1)  # quality 1/6 + 1/4 = 0.4167: not well
    assert third.quality == pytest.approx(5 / 12)

    row = QuestionEffectiveness.objects.get(user_id=USER, question_template_id="goals.problem")
    assert row.role == "owner"
    assert row.times_asked == 3
    assert row.times_answered_well == 1
    assert row.effectiveness_score == pytest.approx(1 / 3)
    # EMA alpha 0.3: 10 -> 0.3*50 + 0.7*10 = 22 -> 0.3*25 + 0.7*22 = 22.9
    assert row.average_answer_length == pytest.approx(22.9)
    # 0 -> 0.3*3 + 0.7*0 = 0.9 -> 0.3*1 + 0.7*0.9 = 0.93
    assert row.average_spec_extraction_count == pytest.approx(0.93)


def test_effectiveness_is_kept_per_user_and_template():
    other_user = uuid.uuid4()
    answer(words(50), 3)
    answer(words(50), 3, template="goals.users")
    answer(words(5), 0, user=other_user)

    rows = {
        (r.user_id, r.question_template_id): (r.times_asked, r.effectiveness_score)
        for r in QuestionEffectiveness.objects.all()
    }
    assert rows == {
        (USER, "goals.problem"): (1, 1.0),
        (USER, "goals.users"): (1, 1.0),
        (other_user, "goals.problem"): (1, 0.0),
    }


def test_an_answer_without_a_template_only_teaches_patterns():
    learned = learning.record_answer(
        user_id=USER, project_id=P1, template_id=None, answer_text=TECHNICAL, specs_extracted=1
    )

    assert learned.effectiveness is None
    assert not QuestionEffectiveness.objects.exists()
    assert set(learned.patterns) == {"communication_style", "detail_level", "typical_answer_length"}


@pytest.mark.parametrize(
    "asked,well,score",
    [(0, 0, 0.5), (1, 0, 1 / 3), (1, 1, 2 / 3), (4, 3, 4 / 6), (10, 0, 1 / 12)],
)
def test_ranking_score_is_laplace_smoothed(asked, well, score):
    assert learning.ranking_score(times_asked=asked, times_answered_well=well) == pytest.approx(
        score
    )


def test_ranking_scores_give_unseen_templates_one_half():
    answer(words(50), 3, template="goals.problem")
    answer(words(3), 0, template="goals.users")

    scores = learning.ranking_scores(
        user_id=USER, template_ids=["goals.problem", "goals.users", "goals.success"]
    )

    assert scores == {
        "goals.problem": pytest.approx(2 / 3),
        "goals.users": pytest.approx(1 / 3),
        "goals.success": 0.5,
    }


# --- Patterns -------------------------------------------------------------------------------


def test_communication_style_classification():
    assert learning.communication_style_of(TECHNICAL) == "technical"
    assert learning.communication_style_of(BUSINESS) == "business"
    assert learning.communication_style_of("I am not sure yet") is None
    assert learning.communication_style_of("The API must raise revenue") is None  # a tie


@pytest.mark.parametrize(
    "n_words,specs,detail,length",
    [
        (5, 0, "brief", "short"),
        (14, 1, "brief", "short"),
        (14, 2, "balanced", "short"),
        (15, 0, "balanced", "medium"),
        (39, 2, "balanced", "medium"),
        (40, 0, "detailed", "medium"),
        (10, 3, "detailed", "short"),
        (60, 0, "detailed", "long"),
    ],
)
def test_detail_level_and_length_buckets(n_words, specs, detail, length):
    assert learning.detail_level_of(words=n_words, specs_extracted=specs) == detail
    assert learning.length_bucket_of(n_words) == length


def test_patterns_on_a_scripted_history_are_exact():
    answer(TECHNICAL, 1, project=P1)
    answer(TECHNICAL, 0, project=P1)
    answer(TECHNICAL, 1, project=P2)

    style = pattern("communication_style")
    assert style.pattern_data == {
        "value": "technical",
        "evidence": {"technical": 3},
        "observations": 3,
    }
    assert style.confidence == 0.3
    assert style.learned_from_projects == [P1, P2]
    detail = pattern("detail_level")
    assert (detail.pattern_data["value"], detail.confidence) == ("brief", 0.3)
    length = pattern("typical_answer_length")
    assert length.pattern_data == {
        "value": "short",
        "evidence": {"short": 3},
        "observations": 3,
        "average_words": 9.0,
    }
    assert length.confidence == 0.3

    # Contradicting evidence takes 0.1 away per answer; at 0 the new value takes over at 0.1.
    answer(BUSINESS, 0, project=P2)
    style = pattern("communication_style")
    assert (style.pattern_data["value"], style.confidence) == ("technical", 0.2)
    answer(BUSINESS, 0, project=P2)
    answer(BUSINESS, 0, project=P2)
    style = pattern("communication_style")
    assert style.pattern_data == {
        "value": "business",
        "evidence": {"technical": 3, "business": 3},
        "observations": 6,
    }
    assert style.confidence == 0.1
    assert style.learned_from_projects == [P1, P2]


def test_confidence_grows_by_a_tenth_per_confirmation_up_to_one():
    confidences = []
    for _ in range(12):
        answer(TECHNICAL, 1)
        confidences.append(pattern("communication_style").confidence)

    assert confidences == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.0, 1.0]


def test_typical_answer_length_keeps_a_moving_average_of_words():
    answer(words(10), 0)
    answer(words(100), 3)

    length = pattern("typical_answer_length")
    # Evidence: short then long; the average moves 10 -> 0.3*100 + 0.7*10 = 37.
    assert length.pattern_data["average_words"] == pytest.approx(37.0)
    assert length.pattern_data["value"] == "long"  # short at 0.1 was contradicted down to 0
    assert length.confidence == 0.1


def test_an_answer_without_style_words_leaves_the_style_untouched():
    answer(TECHNICAL, 1)
    learned = answer(words(20), 1)

    assert "communication_style" not in learned.patterns
    assert pattern("communication_style").pattern_data["observations"] == 1


# --- Detail level for question wording ------------------------------------------------------


def test_learned_detail_level_applies_from_three_consistent_answers():
    answer(words(5), 0)
    answer(words(5), 0)
    assert learning.preferred_detail_level(user_id=USER) is None  # confidence 0.2

    answer(words(5), 0)

    assert learning.preferred_detail_level(user_id=USER) == "brief"


def test_an_explicit_rule_wins_over_the_learned_detail_level():
    for _ in range(3):
        answer(words(80), 3)
    assert learning.preferred_detail_level(user_id=USER) == "detailed"

    assert learning.preferred_detail_level(user_id=USER, rules={"detail_level": "brief"}) == (
        "brief"
    )
    assert learning.preferred_detail_level(user_id=uuid.uuid4()) is None
