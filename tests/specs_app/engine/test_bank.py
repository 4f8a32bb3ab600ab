"""The question bank shipped as data: complete, well formed, and free of bias."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from specs_app.engine.bank import get_bank, parse_bank
from specs_app.engine.quality import question_bias

CATEGORIES = [
    "goals",
    "requirements",
    "tech_stack",
    "scalability",
    "security",
    "performance",
    "testing",
    "monitoring",
    "data_retention",
    "disaster_recovery",
]


def test_the_bank_has_at_least_five_templates_for_each_of_the_ten_categories():
    bank = get_bank()

    assert list(bank.categories) == CATEGORIES
    assert {c: len(bank.templates_of(c)) >= 5 for c in CATEGORIES} == dict.fromkeys(
        CATEGORIES, True
    )


def test_every_template_has_a_stable_id_role_texts_reason_and_keys_it_fills():
    bank = get_bank()
    ids = [t.id for t in bank.templates]

    assert len(ids) == len(set(ids))
    for template in bank.templates:
        assert template.id.startswith(f"{template.category}."), template.id
        assert template.role in {"owner", "lead", "developer"}, template.id
        assert template.text and template.text_short and template.text_long, template.id
        assert template.why, template.id
        assert template.fills and all(category and key for category, key in template.fills)
        # The template's own key is one of its own category's.
        assert template.own_key[0] == template.category, template.id


def test_every_wording_of_every_template_passes_the_bias_check():
    for template in get_bank().templates:
        for text in (template.text, template.text_short, template.text_long):
            result = question_bias(text)
            assert not result.blocked, (template.id, text, result)
            assert result.score == 0, (template.id, text, result.matches)


def test_the_detail_level_picks_the_wording():
    template = get_bank().template("goals.problem")

    assert template.text_for("brief") == template.text_short
    assert template.text_for("detailed") == template.text_long
    assert template.text_for("balanced") == template.text_for(None) == template.text


def test_a_malformed_bank_is_refused_naming_the_problem():
    with pytest.raises(ImproperlyConfigured, match="templates for unknown category 'nope'"):
        parse_bank({"categories": {"goals": {"target": 1}}, "templates": {"nope": []}})
    with pytest.raises(ImproperlyConfigured, match="goals.x lacks why"):
        parse_bank(
            {
                "categories": {"goals": {"target": 1}},
                "templates": {
                    "goals": [{"id": "goals.x", "role": "owner", "text": "Q?", "fills": ["a.b"]}]
                },
            }
        )
    with pytest.raises(ImproperlyConfigured, match="'ab' is not a 'category.key' name"):
        parse_bank(
            {
                "categories": {"goals": {"target": 1}},
                "templates": {
                    "goals": [
                        {"id": "g", "role": "owner", "text": "Q?", "why": "w", "fills": ["ab"]}
                    ]
                },
            }
        )


def test_the_system_check_accepts_the_shipped_data_and_reports_a_biased_template(monkeypatch):
    from specs_app.engine import bank, checks

    assert checks.check_engine_data() == []

    biased = parse_bank(
        {
            "categories": {"goals": {"target": 1}},
            "templates": {
                "goals": [
                    {
                        "id": "goals.leading",
                        "role": "owner",
                        "text": "Surely you agree that MongoDB is the obvious choice, right?",
                        "why": "none",
                        "fills": ["goals.x"],
                    }
                ]
            },
        }
    )
    monkeypatch.setattr(bank, "get_bank", lambda: biased)
    # One error per wording (the short and long ones default to the text).
    errors = checks.check_engine_data()
    assert [e.id for e in errors] == ["engine.E002"] * 3
    assert errors[0].msg.startswith("Template goals.leading is biased (score 1)")
