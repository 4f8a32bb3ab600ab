"""`loaddata` that, without --database, loads each object into the database its router allows.

Django's loaddata writes to one database and skips objects whose model the router keeps
elsewhere, so a fixture spanning socrates_auth and socrates_specs (a `phase --dump`) needs a
pass per database. Without --database this runs that pass on each (auth first); with
--database it keeps Django's meaning.
"""

from django.core.management.commands import loaddata

from ._both_databases import run_on_each


class Command(loaddata.Command):
    help = (
        "Install fixtures; without --database, each object goes to the database its router "
        "allows (both databases)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database=None)

    def handle(self, *fixture_labels, **options):
        return run_on_each(
            self, options, lambda **opts: super(Command, self).handle(*fixture_labels, **opts)
        )
