from django.apps import AppConfig


class TeamsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams_app"
