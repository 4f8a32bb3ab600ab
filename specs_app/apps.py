from django.apps import AppConfig


class SpecsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "specs_app"
