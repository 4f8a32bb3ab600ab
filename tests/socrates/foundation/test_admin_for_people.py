"""The admin names things for people: in every changelist of the project's models, a column that
points at a user, a team or a project shows its name (linked), never a bare UUID; every change
page opens; app headers are readable."""

import inspect
import re
from html.parser import HTMLParser

import factory
import pytest
from django.contrib import admin
from django.urls import reverse

from tests import factories
from tests.helpers import BOTH

pytestmark = pytest.mark.django_db(databases=BOTH)

PROJECT_APPS = ("auth_app", "specs_app", "knowledge_app", "teams_app")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Cells(HTMLParser):
    """Collect (column, text) of the changelist's result cells (class="field-<name>")."""

    def __init__(self):
        super().__init__()
        self.cells, self._column, self._text = [], None, []

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class", "") or ""
        column = next((c[6:] for c in classes.split() if c.startswith("field-")), None)
        if tag in ("td", "th") and column:
            self._column, self._text = column, []

    def handle_data(self, data):
        if self._column:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._column:
            self.cells.append((self._column, "".join(self._text).strip()))
            self._column = None


class ReadOnlyValues(HTMLParser):
    """Collect (field, text) of a change page's read-only values (<div class="readonly"> inside
    the row of class "field-<name>")."""

    def __init__(self):
        super().__init__()
        self.values, self._field, self._depth, self._text = [], None, 0, []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class", "") or "").split()
        row = next((c[6:] for c in classes if c.startswith("field-")), None)
        if row:
            self._row = row
        if tag == "div" and "readonly" in classes:
            self._field, self._depth, self._text = getattr(self, "_row", "?"), 1, []
        elif tag == "div" and self._field:
            self._depth += 1

    def handle_data(self, data):
        if self._field:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "div" and self._field:
            self._depth -= 1
            if not self._depth:
                self.values.append((self._field, "".join(self._text).strip()))
                self._field = None


def registered_models():
    return [m for m in admin.site._registry if m._meta.app_label in PROJECT_APPS]


def factory_for(model):
    for _name, value in inspect.getmembers(factories, inspect.isclass):
        if issubclass(value, factory.django.DjangoModelFactory) and value._meta.model is model:
            return value
    raise AssertionError(f"no factory for {model._meta.label}")


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_changelist_shows_names_not_uuids_and_the_change_page_opens(admin_client, model):
    obj = factory_for(model)()
    opts = model._meta

    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    change = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )

    assert changelist.status_code == 200
    assert change.status_code == 200
    parser = Cells()
    parser.feed(changelist.content.decode())
    assert parser.cells, "the changelist shows no row"
    bare = [(column, text) for column, text in parser.cells if UUID.match(text) and column != "id"]
    assert bare == [], f"{opts.label}: raw ids where names belong: {bare}"
    readonly = ReadOnlyValues()
    readonly.feed(change.content.decode())
    bare = [(field, text) for field, text in readonly.values if UUID.match(text) and field != "id"]
    assert bare == [], f"{opts.label} change page: raw ids where names belong: {bare}"


def test_a_projects_owner_is_shown_by_username_with_a_link(admin_client):
    owner = factories.UserFactory(username="grace")
    factories.ProjectFactory(owner_id=owner.pk, name="Clinic")

    html = admin_client.get(reverse("admin:specs_app_project_changelist")).content.decode()

    link = reverse("admin:auth_app_user_change", args=[owner.pk])
    assert f'<a href="{link}">grace</a>' in html


def test_a_change_page_names_whom_a_cross_database_id_points_at(admin_client):
    owner = factories.UserFactory(username="grace")
    project = factories.ProjectFactory(owner_id=owner.pk, name="Clinic")

    html = admin_client.get(
        reverse("admin:specs_app_project_change", args=[project.pk])
    ).content.decode()

    # The id stays editable (validated on save), and beside it the username, linked.
    link = reverse("admin:auth_app_user_change", args=[owner.pk])
    assert f'name="owner_id" value="{owner.pk}"' in html
    assert f'<strong class="crossdb-name"><a href="{link}">grace</a></strong>' in html


def test_the_admin_wraps_long_values(admin_client):
    factories.ProjectFactory(name="x" * 255)

    html = admin_client.get(reverse("admin:specs_app_project_changelist")).content.decode()

    assert "socrates/admin.css" in html
