"""Every model of the project has a factory in tests/factories.py, and it saves a valid row."""

import inspect

import factory
import pytest
from django.apps import apps

from tests import factories

PROJECT_APPS = ("auth_app", "specs_app", "knowledge_app", "teams_app")


def project_models():
    return [model for app in PROJECT_APPS for model in apps.get_app_config(app).get_models()]


def factories_by_model():
    found = {}
    for _name, value in inspect.getmembers(factories, inspect.isclass):
        if issubclass(value, factory.django.DjangoModelFactory) and value._meta.model:
            found[value._meta.model] = value
    return found


def test_every_model_has_a_factory():
    known = factories_by_model()
    missing = [model._meta.label for model in project_models() if model not in known]
    assert missing == []


@pytest.mark.django_db(databases=["default", "specs"])
@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_each_factory_saves_a_row_its_table_accepts(model):
    made = factories_by_model()[model]()

    assert model._base_manager.filter(pk=made.pk).exists()
