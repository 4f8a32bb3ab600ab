from django.apps import AppConfig


class TeamsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams_app"
    verbose_name = "Teams"

    def ready(self):
        # specs_app.access (a lower layer) decides project access; the memberships and shares
        # it reads are ours, so we hand it the reader.
        from specs_app.access import register_team_directory
        from teams_app.selectors import ShareDirectory

        register_team_directory(ShareDirectory(), phase=6)
