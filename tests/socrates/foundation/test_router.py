"""The router sends every model to the database DESIGN.md gives it, for queries and migrations."""

import pytest
from django.apps import apps
from django.db import router

from tests.socrates.foundation.tables import AUTH, PROJECT_APPS, SPECS, TABLES

ALL_MODELS = [model for model in apps.get_models(include_auto_created=True)]


def expected_alias(model) -> str:
    if model._meta.auto_created:  # a many-to-many table goes with the model that declares it
        return expected_alias(model._meta.auto_created)
    table = model._meta.db_table
    if table in TABLES:
        return TABLES[table][1]
    assert model._meta.app_label not in PROJECT_APPS, (
        f"{model._meta.label} (table {table}) is not in DESIGN.md's schema: add it to "
        "tests/foundation/tables.py with its database"
    )
    # The job queue lives beside the rows its jobs work on (generations, documents).
    if model._meta.app_label == "procrastinate":
        return SPECS
    # Django's contrib apps, DRF and simplejwt live with the users.
    return AUTH


@pytest.mark.parametrize("model", ALL_MODELS, ids=[m._meta.label for m in ALL_MODELS])
def test_router_reads_and_writes_each_model_in_its_design_database(model):
    alias = expected_alias(model)

    assert router.db_for_read(model) == alias
    assert router.db_for_write(model) == alias


@pytest.mark.parametrize("model", ALL_MODELS, ids=[m._meta.label for m in ALL_MODELS])
def test_router_migrates_each_model_on_its_design_database_only(model):
    alias = expected_alias(model)

    assert router.allow_migrate_model(alias, model)
    other = SPECS if alias == AUTH else AUTH
    assert not router.allow_migrate_model(other, model)


def test_router_allows_relations_inside_one_database_only():
    project = apps.get_model("specs_app", "Project")
    session = apps.get_model("specs_app", "Session")
    share = apps.get_model("teams_app", "ProjectShare")
    team = apps.get_model("teams_app", "Team")
    user = apps.get_model("auth_app", "User")

    assert router.allow_relation(project(), session())
    assert router.allow_relation(project(), share())
    assert router.allow_relation(team(), user())
    assert not router.allow_relation(share(), team())
    assert not router.allow_relation(project(), user())


def test_router_sends_model_less_operations_to_the_database_they_name():
    assert router.allow_migrate(SPECS, "knowledge_app", target_db=SPECS)
    assert not router.allow_migrate(AUTH, "knowledge_app", target_db=SPECS)
    assert router.allow_migrate(AUTH, "auth_app")
    assert not router.allow_migrate(SPECS, "auth_app")
