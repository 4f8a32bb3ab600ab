"""Bad input over every writable endpoint: a 400 naming the field, never a 500."""

import pytest

from tests.factories import QuestionFactory, SessionFactory
from tests.helpers import BOTH, build_world, client_for, error_of

LONG = 100_001
SHORT = 10_001

# (body, field named); a str body is sent as raw JSON. Paths take their ids from build_world.
PROJECT_CASES = [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 256}, "name"),
    ({"name": ["x"]}, "name"),
    ({"name": "x", "description": "d" * SHORT}, "description"),
    ({"name": "x", "description": {"a": 1}}, "description"),
]
V1_PROJECT_CASES = [
    ({"name": "x", "phase": "launch"}, "phase"),
    ({"name": "x", "maturity_level": 101}, "maturity_level"),
    ({"name": "x", "maturity_level": -1}, "maturity_level"),
    ({"name": "x", "maturity_level": "high"}, "maturity_level"),
    ({"name": "x", "maturity_level": "NaN"}, "maturity_level"),
    ({"name": "x", "maturity_level": "Infinity"}, "maturity_level"),
]
# v2's maturity_score is read-only (computed): tests/specs_app/api/test_gate_bypass.py.
V2_PROJECT_CASES = [
    ({"name": "x", "current_phase": "launch"}, "current_phase"),
]
SESSION_CASES = [
    ({"mode": "chat"}, "mode"),
    ({"mode": ["socratic"]}, "mode"),
    ({"domain": "d" * 101}, "domain"),
]
QUESTION_CASES = [
    ({"category": "goals"}, "text"),
    ({"text": "t" * SHORT, "category": "goals"}, "text"),
    ({"text": "Why?"}, "category"),
    ({"text": "Why?", "category": "c" * 51}, "category"),
    ({"text": "Why?", "category": "goals", "quality_score": 1.5}, "quality_score"),
    ({"text": "Why?", "category": "goals", "quality_score": "good"}, "quality_score"),
    ({"text": "Why?", "category": "goals", "context": "c" * SHORT}, "context"),
]
SPEC_CREATE_CASES = [
    ({"key": "k"}, "category"),
    ({"category": "c"}, "key"),
    ({"category": "c", "key": "k" * 201}, "key"),
    ({"category": "c" * 51, "key": "k"}, "category"),
    ({"category": "c", "key": "k", "value": "v" * LONG}, "value"),
    ({"category": "c", "key": "k", "content": "v" * LONG}, "content"),
    ({"category": "c", "key": "k", "source": "guess"}, "source"),
    ({"category": "c", "key": "k", "confidence": 2}, "confidence"),
    ({"category": "c", "key": "k", "confidence": "sure"}, "confidence"),
    ({"category": "c", "key": "k", "metadata": [1, 2]}, "metadata"),
    ({"category": "c", "key": "k", "metadata": "x"}, "metadata"),
    ({"category": "c", "key": "k", "session_id": "nope"}, "session_id"),
    ({"category": "c", "key": "k", "session_id": "{other_session}"}, "session_id"),
    ('{"category": "c", "key": "k", "confidence": 1e999999}', "confidence"),
]
SPEC_UPDATE_CASES = [
    ({"value": "v" * LONG}, "value"),
    ({"value": "x", "source": "guess"}, "source"),
    ({"value": "x", "confidence": -0.1}, "confidence"),
    ({"value": "x", "metadata": ["a"]}, "metadata"),
    ({"value": "x", "session_id": 12}, "session_id"),
    ({"value": "x", "session_id": "{other_session}"}, "session_id"),
]
ANSWER_CASES = [
    ({}, "answer"),
    ({"answer": ""}, "answer"),
    ({"answer": "a" * SHORT}, "answer"),
    ({"answer": {"text": "a"}}, "answer"),
    ({"answer": "a", "question_id": "q1"}, "question_id"),
    ({"answer": "a", "question_id": "{other_question}"}, "question_id"),
]
RESOLVE_CASES = [
    ({}, "action"),
    ({"action": "delete_all"}, "action"),
    ({"action": ["ignore"]}, "action"),
    ({"action": "merge"}, "merged_value"),
    ({"action": "ignore", "notes": "n" * SHORT}, "notes"),
    ({"action": "merge", "merged_value": "m" * LONG}, "merged_value"),
]
ENDPOINTS = [
    ("post", "v1", "projects/", V1_PROJECT_CASES + PROJECT_CASES),
    ("post", "v2", "projects/", V2_PROJECT_CASES + PROJECT_CASES),
    ("put", "v1", "projects/{p}/", V1_PROJECT_CASES + PROJECT_CASES),
    ("put", "v2", "projects/{p}/", V2_PROJECT_CASES + PROJECT_CASES),
    ("patch", "v1", "projects/{p}/", V1_PROJECT_CASES[:3] + PROJECT_CASES[1:]),
    ("patch", "v2", "projects/{p}/", V2_PROJECT_CASES + PROJECT_CASES[1:]),
    ("post", "v1", "projects/{p}/sessions/", SESSION_CASES),
    ("post", "v2", "projects/{p}/sessions/", SESSION_CASES),
    ("post", "v1", "sessions/{s}/questions/", QUESTION_CASES),
    ("post", "v2", "sessions/{s}/questions/", QUESTION_CASES),
    ("post", "v1", "projects/{p}/specifications/", SPEC_CREATE_CASES),
    ("post", "v2", "projects/{p}/specifications/", SPEC_CREATE_CASES),
    ("put", "v1", "specifications/{sp}/", [({}, "value"), *SPEC_UPDATE_CASES]),
    ("patch", "v2", "specifications/{sp}/", SPEC_UPDATE_CASES),
    ("post", "v1", "sessions/{s}/answer/", ANSWER_CASES),
    ("post", "v1", "sessions/{s}/submit-answer/", ANSWER_CASES),
    ("post", "v1", "conflicts/{c}/resolve/", RESOLVE_CASES),
    ("post", "v2", "conflicts/{c}/resolve/", RESOLVE_CASES),
]
CASES = [
    pytest.param(method, version, path, body, field, id=f"{method}-{version}-{path}-{field}-{n}")
    for method, version, path, cases in ENDPOINTS
    for n, (body, field) in enumerate(cases)
]
WRITABLE = sorted({(method, version, path) for method, version, path, _cases in ENDPOINTS})


def _fill(value, refs: dict):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return refs.get(value[1:-1], value)
    return value


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(("method", "version", "path", "body", "field"), CASES)
def test_bad_body_is_a_400_naming_the_field(method, version, path, body, field):
    world = build_world()
    elsewhere = SessionFactory()
    refs = {
        "other_session": str(elsewhere.pk),
        "other_question": str(QuestionFactory(session=elsewhere).pk),
    }
    if isinstance(body, dict):
        body = {key: _fill(value, refs) for key, value in body.items()}
    client = client_for(world.owner)
    url = f"/api/{version}/" + path.format(**world.ids())

    if isinstance(body, str):
        response = getattr(client, method)(url, body, content_type="application/json")
    else:
        response = getattr(client, method)(url, body, format="json")

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["message"].startswith(f"{field}: "), error
    assert field in error["details"], error


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(("method", "version", "path"), WRITABLE)
@pytest.mark.parametrize(
    ("raw", "code"),
    [(b"{oops", "malformed_request"), (b"[]", "invalid"), (b'"text"', "invalid")],
)
def test_every_writable_endpoint_refuses_malformed_or_non_object_json(
    method, version, path, raw, code
):
    world = build_world()
    url = f"/api/{version}/" + path.format(**world.ids())

    response = getattr(client_for(world.owner), method)(url, raw, content_type="application/json")

    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == code


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(("method", "version", "path"), WRITABLE)
def test_every_writable_endpoint_refuses_an_unsupported_media_type(method, version, path):
    world = build_world()
    url = f"/api/{version}/" + path.format(**world.ids())

    response = getattr(client_for(world.owner), method)(
        url, "<xml/>", content_type="application/xml"
    )

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
