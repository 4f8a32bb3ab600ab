"""Admin helpers for references that cross the two databases.

A column such as `projects.owner_id` lives in socrates_specs and names a row of socrates_auth,
so no foreign key (and no admin widget built on one) can follow it. These helpers render such
ids as links to the other database's admin pages, check in forms that the id exists there, and
let a changelist search by a user's email or username.
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from socrates.crossdb import CrossDatabaseUUIDField, label_of

EMPTY = "—"
USER_MODEL = settings.AUTH_USER_MODEL
TEAM_MODEL = "teams_app.Team"
# How many users a search term may match before the cross-database search stops adding ids.
USER_SEARCH_LIMIT = 100


def admin_link(model_label: str, pk, text: str | None = None) -> str:
    """Return an HTML link, named for people (a username, a team's name), to the admin change
    page of `model_label` row `pk` (or "—")."""
    if pk is None or pk == "":
        return EMPTY
    model = apps.get_model(model_label)
    text = text or label_of(model_label, pk)
    try:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    except NoReverseMatch:
        return text
    return format_html('<a href="{}">{}</a>', url, text)


def user_link(user_id) -> str:
    return admin_link(USER_MODEL, user_id)


def team_link(team_id) -> str:
    return admin_link(TEAM_MODEL, team_id)


class CrossDatabaseIdWidget(forms.TextInput):
    """The id's input with, beside it, whom it names: a username or team name linking to that
    row's admin page (as Django's raw-id widget shows the object next to its id)."""

    def __init__(self, model_label: str, attrs=None):
        super().__init__(attrs={"size": 40, **(attrs or {})})
        self.model_label = model_label

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if value in (None, ""):
            return html
        return format_html(
            '{}<strong class="crossdb-name">{}</strong>', html, admin_link(self.model_label, value)
        )


class CrossDatabaseReferenceForm(forms.ModelForm):
    """Reject a changed cross-database id that names no row in its own database.

    `cross_database_references` maps a form field to the model label it points at; the admin
    sets it on the form class it builds (see CrossDatabaseAdminMixin.get_form).
    """

    cross_database_references: dict[str, str] = {}

    def clean(self):
        cleaned = super().clean()
        for field, model_label in self.cross_database_references.items():
            value = cleaned.get(field)
            # Only check what this form changes: an existing orphan is check_integrity's to
            # report, and must not block an unrelated edit.
            if value is None or field not in self.changed_data:
                continue
            model = apps.get_model(model_label)
            if not model._base_manager.filter(pk=value).exists():
                self.add_error(field, f"No {model._meta.verbose_name} with id {value} exists.")
        return cleaned


class CrossDatabaseAdminMixin:
    """ModelAdmin mixin for models that hold user or team ids from the other database.

    What it knows of them comes from the model's CrossDatabaseUUIDField declarations
    (socrates.crossdb): each such field is validated on save (the id must exist in its
    database), and the fields that name users are searched by a user's exact email or username,
    so "alice@example.com" finds her projects although users live in another database.
    """

    form = CrossDatabaseReferenceForm

    @property
    def cross_database_references(self) -> dict[str, str]:
        return {
            field.name: field.target
            for field in self.model._meta.concrete_fields
            if isinstance(field, CrossDatabaseUUIDField)
        }

    @property
    def user_search_fields(self) -> tuple[str, ...]:
        user = apps.get_model(USER_MODEL)
        return tuple(
            name
            for name, target in self.cross_database_references.items()
            if apps.get_model(target) is user
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # modelform_factory returns a fresh class on every call, so this does not leak.
        form.cross_database_references = dict(self.cross_database_references)
        for name, target in form.cross_database_references.items():
            if name in form.base_fields:
                form.base_fields[name].widget = CrossDatabaseIdWidget(target)
        return form

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term or not self.user_search_fields:
            return results, may_have_duplicates
        user_model = apps.get_model(USER_MODEL)
        user_ids = list(
            user_model._base_manager.filter(
                Q(email__iexact=term) | Q(username__iexact=term)
            ).values_list("pk", flat=True)[:USER_SEARCH_LIMIT]
        )
        if user_ids:
            by_user = Q.create(
                [(f"{field}__in", user_ids) for field in self.user_search_fields],
                connector=Q.OR,
            )
            results = results | queryset.filter(by_user)
        return results, may_have_duplicates


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows related rows without letting the parent's form edit them."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ViewOnlyAdminMixin:
    """A model admin whose rows are shown, never added, edited or deleted here (an append-only
    trail, data derived by a job)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceDeleteMixin:
    """Delete through a service instead of Django's collector, one object at a time.

    Deleting a team or a user must also remove rows in the other database (project shares,
    user ids in socrates_specs), which Django's cascade cannot reach. The service named by
    `delete_with_service` does that; a refusal it raises (a DomainError, e.g. "owns projects")
    becomes an error message instead of a server error, and nothing is deleted.
    """

    def delete_with_service(self, request, obj) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.delete_with_service(request, obj)

    def delete_queryset(self, request, queryset):
        from django.contrib import messages

        from socrates.errors import DomainError

        for obj in queryset:
            try:
                self.delete_with_service(request, obj)
            except DomainError as exc:
                self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        from django.contrib import messages
        from django.http import HttpResponseRedirect

        from socrates.errors import DomainError

        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.path)
