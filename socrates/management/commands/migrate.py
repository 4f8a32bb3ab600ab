"""`migrate` that, without --database, migrates both databases (auth first).

With --database it keeps Django's meaning. Every migrating connection runs with a short
lock_timeout and a statement_timeout (socrates.migration_safety), so a migration never queues
behind a long-running lock on a live database. While it runs it holds the schema-change lock of
each database it changes (socrates.migration_safety): a concurrent `migrate` or `phase --to` is
refused, never interleaved.
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate

from socrates import migration_safety, phases

from ._both_databases import run_on_each


class Command(migrate.Command):
    help = "Update both database schemas (auth first) or the one named by --database."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database=None)

    def get_check_kwargs(self, options):
        kwargs = super().get_check_kwargs(options)
        if options.get("database") is None:
            kwargs["databases"] = list(settings.DATABASES)
        return kwargs

    def handle(self, *args, **options):
        def migrate_one(**opts):
            with migration_safety.guarded_connection(opts["database"]):
                return migration_safety.retry_on_lock_timeout(
                    lambda: super(Command, self).handle(*args, **opts),
                    alias=opts["database"],
                    stderr=self.stderr,
                )

        aliases = [options["database"]] if options.get("database") else list(settings.DATABASES)
        try:
            with migration_safety.exclusive_schema_change(aliases):
                result = run_on_each(self, options, migrate_one)
        except migration_safety.SchemaChangeBusy as exc:
            raise CommandError(str(exc)) from None
        if not options.get("app_label"):
            # Everything migrated: a phase a past rollback announced no longer holds.
            phases.set_phase_ceiling(None)
        return result
