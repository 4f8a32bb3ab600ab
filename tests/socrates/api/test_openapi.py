"""The committed OpenAPI documents, the v1 compatibility check and the offline Swagger UI."""

import copy
import difflib
import re

import pytest
from django.contrib.staticfiles import finders

from socrates.api import schema_compat
from socrates.api.schema_compat import breaking_changes
from tests.helpers import BOTH


@pytest.fixture(scope="module")
def generated():
    return {version: schema_compat.generate(version) for version in schema_compat.VERSIONS}


def test_v1_code_has_no_breaking_difference_from_the_committed_contract(generated):
    committed = schema_compat.load(schema_compat.committed_path("v1").read_text())

    problems = breaking_changes(committed, schema_compat.load(generated["v1"]))

    assert problems == [], "\n".join(problems)


def test_committed_v2_document_matches_the_code(generated):
    committed = schema_compat.committed_path("v2").read_text()

    if committed != generated["v2"]:
        diff = difflib.unified_diff(
            committed.splitlines(), generated["v2"].splitlines(), "committed", "code", lineterm=""
        )
        pytest.fail("openapi/v2.yaml is stale; run `make openapi`:\n" + "\n".join(list(diff)[:80]))


def test_each_document_holds_only_its_version(generated):
    for version, text in generated.items():
        paths = schema_compat.load(text)["paths"]
        assert paths and all(path.startswith(f"/api/{version}/") for path in paths)


def test_deprecated_operations_are_marked_in_the_v1_document(generated):
    paths = schema_compat.load(generated["v1"])["paths"]

    deprecated = {
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if operation.get("deprecated")
    }

    assert deprecated == {
        "DELETE /api/v1/projects/{project_id}/",
        "POST /api/v1/sessions/{session_id}/submit-answer/",
    }


def test_v1_documents_the_legacy_names_and_limits(generated):
    document = schema_compat.load(generated["v1"])
    project = document["components"]["schemas"]["ProjectV1"]["properties"]
    limit = next(
        p
        for p in document["paths"]["/api/v1/projects/"]["get"]["parameters"]
        if p["name"] == "limit"
    )

    assert {"phase", "maturity_level"} <= set(project)
    assert not {"current_phase", "maturity_score"} & set(project)
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_swagger_ui_is_served_with_local_assets_only(anon, version):
    page = anon.get(f"/api/{version}/docs/")
    schema = anon.get(f"/api/{version}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")

    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"(src|href)=\"https?://", html), "no asset may come from the internet"
    assets = re.findall(r"/static/(drf_spectacular_sidecar/[^\"']+)", html)
    assert assets and all(finders.find(asset) for asset in assets)
    # The start-up script is a file (CSP: no inline script); it names this version's schema.
    start = anon.get(f"/api/{version}/docs/?script=")
    assert start.status_code == 200
    assert f"/api/{version}/schema/" in start.content.decode()
    assert schema.status_code == 200
    assert f"/api/{version}/projects/" in schema.content.decode()


# --- The comparator itself --------------------------------------------------------------------


def doc(project_props=None, required=("id", "name"), request_props=None, request_required=()):
    """A small document in drf-spectacular's shape: one list, one create, one detail."""
    project = {
        "type": "object",
        "properties": project_props
        or {
            "id": {"type": "string", "format": "uuid", "readOnly": True},
            "name": {"type": "string", "maxLength": 255},
            "phase": {"$ref": "#/components/schemas/PhaseEnum"},
        },
        "required": list(required),
    }
    request = {
        "type": "object",
        "properties": request_props
        or {
            "name": {"type": "string", "maxLength": 255, "minLength": 1},
            "phase": {"$ref": "#/components/schemas/PhaseEnum"},
            "score": {"type": "number", "minimum": 0, "maximum": 100},
        },
        "required": list(request_required) or ["name"],
    }
    json_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ProjectRequest"}}}
    json_project = {"application/json": {"schema": {"$ref": "#/components/schemas/Project"}}}
    return {
        "paths": {
            "/api/v1/projects/": {
                "get": {
                    "parameters": [
                        {
                            "in": "query",
                            "name": "limit",
                            "schema": {"type": "integer", "maximum": 1000},
                        }
                    ],
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": json_project["application/json"]["schema"],
                                    }
                                }
                            }
                        }
                    },
                },
                "post": {
                    "requestBody": {"content": json_body, "required": True},
                    "responses": {"201": {"content": json_project}, "400": {}},
                },
            },
            "/api/v1/projects/{id}/": {"delete": {"responses": {"204": {}}}},
        },
        "components": {
            "schemas": {
                "Project": project,
                "ProjectRequest": request,
                "PhaseEnum": {"type": "string", "enum": ["discovery", "design"]},
            }
        },
    }


def mutate(change):
    document = doc()
    change(document)
    return document


def _schemas(d):
    return d["components"]["schemas"]


BREAKING = {
    "removed path": lambda d: d["paths"].pop("/api/v1/projects/{id}/"),
    "removed method": lambda d: d["paths"]["/api/v1/projects/"].pop("post"),
    "removed response field": lambda d: _schemas(d)["Project"]["properties"].pop("name"),
    "changed type": lambda d: _schemas(d)["Project"]["properties"]["name"].update(type="integer"),
    "changed enum": lambda d: _schemas(d)["PhaseEnum"].update(enum=["discovery"]),
    "new required request field": lambda d: _schemas(d)["ProjectRequest"]["required"].append(
        "phase"
    ),
    "tighter maxLength": lambda d: _schemas(d)["ProjectRequest"]["properties"]["name"].update(
        maxLength=100
    ),
    "tighter maximum": lambda d: _schemas(d)["ProjectRequest"]["properties"]["score"].update(
        maximum=10
    ),
    "tighter query limit": lambda d: d["paths"]["/api/v1/projects/"]["get"]["parameters"][0][
        "schema"
    ].update(maximum=100),
    "removed query parameter": lambda d: d["paths"]["/api/v1/projects/"]["get"].update(
        parameters=[]
    ),
    "removed success response": lambda d: d["paths"]["/api/v1/projects/"]["post"]["responses"].pop(
        "201"
    ),
    "response became nullable": lambda d: _schemas(d)["Project"]["properties"]["name"].update(
        nullable=True
    ),
    "response field no longer required": lambda d: _schemas(d)["Project"]["required"].remove(
        "name"
    ),
}


@pytest.mark.parametrize("change", list(BREAKING), ids=list(BREAKING))
def test_comparator_reports_each_kind_of_breaking_change(change):
    problems = breaking_changes(doc(), mutate(BREAKING[change]))

    assert len(problems) >= 1, change


def test_comparator_names_where_the_break_is():
    problems = breaking_changes(doc(), mutate(BREAKING["removed response field"]))

    # A shared component is reported once, where it is first met.
    assert problems == ["GET /api/v1/projects/ 200 application/json[].name: response field removed"]


NOT_BREAKING = {
    "new path": lambda d: d["paths"].update({"/api/v1/new/": {"get": {"responses": {}}}}),
    "new optional request field": lambda d: _schemas(d)["ProjectRequest"]["properties"].update(
        notes={"type": "string"}
    ),
    "new response field": lambda d: _schemas(d)["Project"]["properties"].update(
        extra={"type": "string"}
    ),
    "looser limit": lambda d: _schemas(d)["ProjectRequest"]["properties"]["name"].update(
        maxLength=1000
    ),
    "error response removed": lambda d: d["paths"]["/api/v1/projects/"]["post"]["responses"].pop(
        "400"
    ),
    "deprecated": lambda d: d["paths"]["/api/v1/projects/{id}/"]["delete"].update(deprecated=True),
}


@pytest.mark.parametrize("change", list(NOT_BREAKING), ids=list(NOT_BREAKING))
def test_comparator_accepts_additive_changes(change):
    assert breaking_changes(doc(), mutate(NOT_BREAKING[change])) == []


def test_comparator_sees_a_break_in_the_committed_v1_document(generated):
    committed = schema_compat.load(schema_compat.committed_path("v1").read_text())
    broken = copy.deepcopy(committed)
    broken["components"]["schemas"]["ProjectV1"]["properties"].pop("maturity_level")

    problems = breaking_changes(committed, broken)

    assert any("maturity_level: response field removed" in p for p in problems)
