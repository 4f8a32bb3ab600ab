from django.apps import AppConfig


class SocratesConfig(AppConfig):
    name = "socrates"
    verbose_name = "Socrates platform"

    def ready(self):
        # The project root orchestrates what crosses the databases; the apps below reach it
        # only through the hooks it fills here.
        from auth_app.hooks import register_user_deleter
        from socrates.deletion import user_delete

        register_user_deleter(user_delete)
