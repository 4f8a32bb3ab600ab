from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SocratesConfig(AppConfig):
    name = "socrates"
    verbose_name = "Socrates platform"

    def ready(self):
        # The project root orchestrates what crosses the databases; the apps below reach it
        # only through the hooks it fills here.
        from auth_app.hooks import register_user_deleter
        from socrates import checks  # noqa: F401 - registers the project's system checks
        from socrates.deletion import user_delete

        register_user_deleter(user_delete)
        # The shared cache's table (throttles, lockouts, revoked tokens) is infrastructure:
        # every migrate, phase move included, makes sure it exists.
        # (post_migrate is sent per app with models, so it is received for auth_app's.)
        post_migrate.connect(create_cache_table, dispatch_uid="socrates_cache_table")


def create_cache_table(sender, using, verbosity=0, **kwargs):
    """Create the database cache's table where the router puts it (createcachetable is
    idempotent and skips the databases the table does not belong to)."""
    from django.core.management import call_command

    if sender.label != "auth_app":
        return
    call_command("createcachetable", database=using, verbosity=0)
