"""The edges outside clients and operators meet: paths without a trailing slash, unknown paths,
CSRF failures, request ids, health endpoints, settings errors and log lines."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from socrates.observability import JsonFormatter, RequestIdFilter
from tests.helpers import BOTH, assert_error, client_for

pytestmark = pytest.mark.django_db(databases=BOTH)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_every_method_answers_the_same_without_the_trailing_slash(owner, version):
    client = client_for(owner)

    created = client.post(f"/api/{version}/projects", {"name": "No slash"}, format="json")
    assert created.status_code == 201, created.content
    project = created.json()["id"]
    listed = client.get(f"/api/{version}/projects")
    assert listed.status_code == 200
    patched = client.patch(
        f"/api/{version}/projects/{project}", {"description": "kept"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["description"] == "kept"
    options = client.options(f"/api/{version}/projects/{project}")
    assert options.status_code == 200


def test_an_unknown_path_is_a_json_404_for_every_method_and_any_character(owner, settings):
    settings.DEBUG = True
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    for method in ("get", "post", "delete"):
        assert_error(getattr(client, method)("/api/v1/nothing-here"), 404)
    assert_error(client.get("/api/v1/nothing%0Ahere/"), 404)
    assert_error(client.get("/api/v1/projects/%0Aevil/"), 400, "invalid")  # not a UUID
    assert_error(client.get("/api/v9/projects/"), 404)


def test_a_csrf_failure_under_the_api_is_the_json_error_shape(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post("/api/v2/projects/", {"name": "x"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]


def test_the_request_id_is_echoed_or_made_and_a_5xx_names_it(owner, monkeypatch):
    client = client_for(owner)
    sent = client.get("/api/v2/projects/", HTTP_X_REQUEST_ID="abc-123")
    made = client.get("/api/v2/projects/")
    hostile = client.get("/api/v2/projects/", HTTP_X_REQUEST_ID="a b\nc")

    assert sent["X-Request-ID"] == "abc-123"
    assert len(made["X-Request-ID"]) == 32
    assert hostile["X-Request-ID"] != "a b\nc"

    from specs_app import selectors

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "project_list", explode)
    client.raise_request_exception = False
    failed = client.get("/api/v2/projects/", HTTP_X_REQUEST_ID="trace-me")
    assert failed.status_code == 500
    assert failed.json()["error"]["details"] == {"request_id": "trace-me"}


def test_healthz_touches_no_database_and_readyz_reports_both(anon, django_assert_num_queries):
    with django_assert_num_queries(0):
        alive = anon.get("/healthz")
    ready = anon.get("/readyz")

    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    body = ready.json()
    assert ready.status_code == 200, body
    assert body["status"] == "ready" and body["phase"] == 6
    assert set(body["databases"]) == {"default", "specs"}
    assert all(db["pending_migrations"] == [] for db in body["databases"].values())


def test_log_records_carry_the_request_id_and_json_is_one_object_per_line():
    record = logging.LogRecord("socrates", logging.WARNING, __file__, 1, "hello %s", ("x",), None)
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)

    assert "\n" not in line
    assert json.loads(line) | {"time": None} == {
        "time": None,
        "level": "WARNING",
        "logger": "socrates",
        "request_id": "-",
        "message": "hello x",
    }
    # Django's own handler is gone: its records reach the root handler once.
    django_logger = logging.getLogger("django")
    assert django_logger.handlers == [] and django_logger.propagate


@pytest.mark.slow  # starts manage.py in a subprocess
@pytest.mark.parametrize(
    ("variable", "value"),
    [("AUTH_DATABASE_URL", "garbage"), ("SOCRATES_DATA_DIR", "/proc/x"), ("LOG_FORMAT", "xml")],
)
def test_a_settings_error_is_one_line_naming_the_variable(variable, value):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env[variable] = value
    if variable == "AUTH_DATABASE_URL":
        env["SPECS_DATABASE_URL"] = "postgresql://u:p@localhost:5432/x"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ") and variable in lines[0]


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_migrate_creates_the_shared_cache_table_when_it_is_missing():
    from django.core.management import call_command
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute('DROP TABLE IF EXISTS "socrates_cache"')

    call_command("migrate", database="default", verbosity=0)

    with connections["default"].cursor() as cursor:
        tables = connections["default"].introspection.table_names(cursor)
    assert "socrates_cache" in tables
