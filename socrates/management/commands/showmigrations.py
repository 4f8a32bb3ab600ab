"""`showmigrations` that, without --database, shows both databases."""

from django.core.management.commands import showmigrations

from ._both_databases import run_on_each


class Command(showmigrations.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database=None)

    def handle(self, *args, **options):
        return run_on_each(self, options, lambda **opts: super(Command, self).handle(*args, **opts))
