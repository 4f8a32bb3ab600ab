from django.apps import AppConfig


class SpecsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "specs_app"
    verbose_name = "Specifications"

    def ready(self):
        # Conflict detection must run on every specification write, whatever the entry point.
        from auth_app.rules import register_rule_subjects
        from specs_app.engine import checks  # noqa: F401 - registers the engine's data checks
        from specs_app.engine.services import post_resolve_check, post_write_check
        from specs_app.engine.vocabulary import rule_subjects
        from specs_app.services import register_post_write_check
        from specs_app.services.conflicts import register_post_resolve_check

        register_post_write_check(post_write_check)
        register_post_resolve_check(post_resolve_check)
        # User rules (auth_app) name technologies and patterns of the engine's vocabulary.
        register_rule_subjects(rule_subjects)
