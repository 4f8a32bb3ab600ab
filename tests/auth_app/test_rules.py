"""User rules: a schema of known keys, validated on PUT /api/v2/me/rules/."""

import pytest

from auth_app.models import AuditLog, UserRules
from auth_app.rules import rules_of, rules_set, validate_rules
from socrates.errors import ValidationFailed
from specs_app.engine.rules_check import rule_violations
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db(databases=["default", "specs"])


def test_known_keys_are_accepted():
    rules = {
        "no_mongodb": True,
        "no_nosql": False,
        "no_microservices": True,
        "prefer_postgresql": True,
        "require_adr": True,
        "min_test_coverage": 80,
        "communication_style": "technical",
        "detail_level": "brief",
        "ci_cd_mandatory": True,
    }
    assert validate_rules(rules) == rules


def test_unknown_keys_are_refused_naming_each_of_them():
    with pytest.raises(ValidationFailed) as caught:
        validate_rules({"no_mongodb": True, "favourite_colour": "blue", "prefer_banana": True})

    assert caught.value.message == "Unknown rule keys: favourite_colour, prefer_banana."
    assert caught.value.details["unknown_keys"] == ["favourite_colour", "prefer_banana"]


def test_values_of_the_wrong_type_are_refused_naming_the_key():
    with pytest.raises(ValidationFailed, match="min_test_coverage: must be between 0 and 100"):
        validate_rules({"min_test_coverage": 120})
    with pytest.raises(ValidationFailed, match="no_mongodb: must be true or false"):
        validate_rules({"no_mongodb": "yes"})
    with pytest.raises(ValidationFailed, match="detail_level: must be one of brief"):
        validate_rules({"detail_level": "chatty"})


def test_put_and_get_my_rules(client, owner):
    response = client.put(
        "/api/v2/me/rules/", {"rules": {"no_mongodb": True, "min_test_coverage": 80}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["rules"] == {"no_mongodb": True, "min_test_coverage": 80}

    assert client.get("/api/v2/me/rules/").json()["rules"] == {
        "no_mongodb": True,
        "min_test_coverage": 80,
    }
    assert rules_of(user_id=owner.pk) == {"no_mongodb": True, "min_test_coverage": 80}
    audit = AuditLog.objects.get(action="rules.update", user=owner)
    assert audit.details["added"] == ["min_test_coverage", "no_mongodb"]


def test_put_with_unknown_keys_is_a_400_naming_them_and_changes_nothing(client, owner):
    rules_set(user=owner, rules={"no_mongodb": True})

    response = client.put(
        "/api/v2/me/rules/", {"rules": {"no_mongodb": True, "no_such_thing": 1}}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_rule_keys"
    assert error["message"] == "Unknown rule keys: no_such_thing."
    assert UserRules.objects.get(user=owner).rules == {"no_mongodb": True}


def test_a_user_without_rules_gets_an_empty_document(client):
    assert client.get("/api/v2/me/rules/").json() == {"rules": {}, "updated_at": None}


def test_rules_need_an_authenticated_user():
    from rest_framework.test import APIClient

    assert_error(APIClient().get("/api/v2/me/rules/"), 401)


def violations(key, value, rules, metadata=None):
    category, key = key.split(".")
    return [
        (v.rule, v.severity)
        for v in rule_violations(
            category=category, key=key, value=value, rules=rules, metadata=metadata
        )
    ]


def test_rule_checks_on_single_specifications():
    rules = {"no_mongodb": True, "prefer_postgresql": True, "no_microservices": True}

    assert violations("tech_stack.database", "mongodb 7", rules) == [
        ("no_mongodb", "high"),
        ("prefer_postgresql", "medium"),
    ]
    assert violations("tech_stack.database", "mysql 8", rules) == [("prefer_postgresql", "medium")]
    assert violations("tech_stack.database", "postgresql 16", rules) == []
    # A preference only speaks for its exclusive group: Redis is no rival of PostgreSQL.
    assert violations("tech_stack.cache", "redis", rules) == []
    assert violations("goals.constraints", "We split it into microservices", rules) == [
        ("no_microservices", "high")
    ]
    assert violations("goals.constraints", "We want no microservices", rules) == []
    # A rule set to false forbids nothing; a tag forbids every technology carrying it.
    assert violations("tech_stack.database", "mongodb", {"no_mongodb": False}) == []
    assert violations("tech_stack.database", "cassandra", {"no_nosql": True}) == [
        ("no_nosql", "high")
    ]
    assert violations("testing.min_coverage", "60%", {"min_test_coverage": 80}) == [
        ("min_test_coverage", "medium")
    ]
    assert violations("testing.min_coverage", "85%", {"min_test_coverage": 80}) == []
