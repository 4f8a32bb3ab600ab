"""Quality formulas on small cases, with exact numbers: bias, coverage, maturity, readiness."""

import pytest

from specs_app.engine import quality
from specs_app.engine.quality import category_states, question_bias


def test_a_leading_solution_suggesting_question_scores_the_maximum_and_is_blocked():
    result = question_bias("Don't you think we should just use MongoDB, right?")

    # 9 words; leading: "don't you think" + "right?" (2 x 0.5), solution: "just use" (0.4),
    # technology: mongodb (0.3) -> 1.7 * 10 / max(10, 9), capped at 1.
    assert result.words == 9
    assert result.matches == {
        "solution bias": ["just use"],
        "technology bias": ["mongodb"],
        "leading": ["don't you think", "right?"],
    }
    assert result.score == 1.0
    assert result.blocked
    assert result.quality_score == 0.0


def test_naming_two_technologies_in_a_short_question_crosses_the_threshold():
    result = question_bias("Which database would you pick, PostgreSQL or MySQL, for the orders?")

    assert result.words == 11
    assert result.score == pytest.approx(0.6 * 10 / 11, abs=1e-4)  # 0.5455
    assert result.blocked


def test_one_match_is_diluted_by_a_long_question_and_passes():
    one = question_bias("Which database would you pick for the orders, for example PostgreSQL?")
    assert one.score == pytest.approx(0.3 * 10 / 11, abs=1e-4)  # 0.2727
    assert not one.blocked

    long = question_bias(
        "Surely the system must keep data for a long time in the primary storage area of the "
        "company?"
    )
    assert long.words == 18
    assert long.score == pytest.approx(0.5 * 10 / 18, abs=1e-4)  # 0.2778
    assert not long.blocked


def test_a_score_of_exactly_the_threshold_is_not_blocked():
    # "obviously" (0.5) in exactly 10 words: 0.5 * 10 / 10 = 0.5, not over 0.5.
    result = question_bias("Obviously the team needs a plan for the first release.")
    assert result.words == 10
    assert result.score == 0.5
    assert not result.blocked


SMALL = [("goals", 0.8), ("goals", 0.6), ("tech_stack", 1.0)]


def test_coverage_is_the_mean_over_required_categories_and_counts_gaps():
    result = quality.coverage(category_states(SMALL))

    # goals 2/3, tech_stack 1/4, five other required categories at 0: (0.6667 + 0.25) / 7.
    assert result.value == round((2 / 3 + 1 / 4) / 7, 4) == 0.131
    assert result.gaps == ["requirements", "scalability", "security", "performance", "testing"]
    assert not result.sufficient


def test_coverage_is_sufficient_at_seven_tenths_with_at_most_two_gaps():
    states = category_states(
        [
            (c, 1.0)
            for c, n in {"goals": 3, "requirements": 4, "tech_stack": 4}.items()
            for _ in range(n)
        ]
        + [("scalability", 1.0)] * 2
        + [("security", 1.0)] * 3
    )
    result = quality.coverage(states)

    assert result.gaps == ["performance", "testing"]
    assert result.value == round(5 / 7, 4) == 0.7143
    assert result.sufficient

    one_more_gap = category_states([(c, s) for c, s in states_items(states) if c != "security"])
    assert not quality.coverage(one_more_gap).sufficient


def states_items(states):
    for state in states.values():
        for _ in range(state.count):
            yield state.category, 1.0


def test_maturity_sums_confidence_per_category_capped_at_its_target():
    assert quality.maturity(category_states(SMALL)).score == round(100 * 2.4 / 26, 2) == 9.23

    # Five goals at full confidence count for the goals target (3) only.
    capped = category_states([("goals", 1.0)] * 5)
    assert quality.maturity(capped).score == round(100 * 3 / 26, 2) == 11.54
    # Categories outside the bank count for nothing.
    assert quality.maturity(category_states([("timeline", 1.0)])).score == 0


def test_readiness_averages_coverage_confidence_and_maturity():
    result = quality.readiness(
        states=category_states(SMALL), average_confidence=0.8, open_conflicts=[]
    )

    assert result.score == round((0.131 + 0.8 + 0.0923) / 3, 4) == 0.3411
    assert not result.ready
    assert {
        "kind": "category",
        "category": "goals",
        "required": True,
        "have": 2,
        "target": 3,
        "missing": 1,
    } in result.missing


def test_a_complete_project_is_ready_unless_a_high_conflict_is_open():
    bank_targets = {s.category: s.target for s in category_states([]).values()}
    full = category_states([(c, 1.0) for c, t in bank_targets.items() for _ in range(t)])

    ready = quality.readiness(states=full, average_confidence=1.0, open_conflicts=[])
    assert (ready.score, ready.ready, ready.missing) == (1.0, True, [])

    conflict = {"conflict_id": "c1", "severity": "high", "description": "Two databases"}
    low = {"conflict_id": "c2", "severity": "low", "description": "Minor"}
    blocked = quality.readiness(states=full, average_confidence=1.0, open_conflicts=[conflict, low])
    assert blocked.score == 1.0
    assert not blocked.ready
    assert blocked.missing == [{"kind": "conflict", **conflict}]
