"""The admin at every phase: models of a later phase than the databases' are left out.

`PhaseAdminMixin` (first base of every ModelAdmin of the project's apps) hides a model whose
table arrives with a later phase than `effective_phase()` (socrates.phases.model_phase reads
that from the migration that creates it): it is left out of the index, and its pages answer
403. Inlines of such models are dropped from the pages of earlier models.

Deleting is offered only where every model that refers to this one (a foreign key, or the
cross-database references the deletion services sweep) has its table: below that phase, Django's
collector and socrates.deletion would query tables that are not there, so the admin does not
offer the delete (the row stays; deleting it waits for the later phase).
"""

from __future__ import annotations

from socrates import phases


def _enabled(model) -> bool:
    return phases.phase_enabled(phases.model_phase(model))


class PhaseAdminMixin:
    def has_module_permission(self, request):
        return _enabled(self.model) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _enabled(self.model) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return _enabled(self.model) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return _enabled(self.model) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (
            _enabled(self.model)
            and all(_enabled(model) for model in _referring_models(self.model))
            and super().has_delete_permission(request, obj)
        )

    def get_inline_instances(self, request, obj=None):
        return [
            inline
            for inline in super().get_inline_instances(request, obj)
            if _enabled(inline.model)
        ]


def _referring_models(model) -> list:
    """Models whose rows a delete of `model` visits: reverse relations, and for users and
    teams every model holding a cross-database reference to them (socrates.crossdb)."""
    from socrates.crossdb import references

    referring = [relation.related_model for relation in model._meta.related_objects]
    referring += [reference.source_model for reference in references(model._meta.label)]
    return referring
