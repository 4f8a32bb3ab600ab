"""The migration safety gate (`make check-migrations`, part of `make test`).

Runs, on scratch databases next to the real ones: makemigrations --check, the phase map check,
django-migration-linter per database, the project's safety rules, the migrating connection's
timeouts, and an apply/unapply/apply round trip of every migration on the database it touches.
Exits non-zero naming each failing migration and its problem. See socrates.migration_checks.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from socrates.migration_checks import gate
from socrates.migration_checks.scratch import DEFAULT_SUFFIX, ScratchDatabaseError


class Command(BaseCommand):
    help = "Check every migration: models agree, lint, safety rules, timeouts, reversibility."

    def add_arguments(self, parser):
        parser.add_argument(
            "--app",
            action="append",
            dest="apps",
            metavar="LABEL",
            help="Check only this app's migrations (repeatable). Default: the project's apps.",
        )
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            choices=gate.STAGES,
            help="Skip a stage (repeatable).",
        )
        parser.add_argument(
            "--scratch-suffix",
            default=DEFAULT_SUFFIX,
            help="Suffix of the scratch databases' names (default: %(default)s).",
        )
        parser.add_argument(
            "--keep-scratch",
            action="store_true",
            help="Leave the scratch databases in place for inspection.",
        )

    def handle(self, *args, **options):
        result = self.run_gate(
            app_labels=options["apps"],
            skip=options["skip"],
            suffix=options["scratch_suffix"],
            keep=options["keep_scratch"],
        )
        if not result.ok:
            raise CommandError(
                f"Migration gate failed ({len(result.failures)} problems):\n"
                + "\n".join(f"  {finding.line()}" for finding in result.failures)
            )

    def run_gate(self, *, app_labels=None, skip=(), suffix=DEFAULT_SUFFIX, keep=False):
        """Run the gate and return its result; output goes to self.stdout."""
        unknown = sorted(set(app_labels or ()) - set(gate.project_apps()))
        if unknown:
            raise CommandError(f"Not an app of this project with migrations: {', '.join(unknown)}")
        try:
            return gate.run_gate(
                app_labels, skip=skip, suffix=suffix, keep=keep, write=self.stdout.write
            )
        except (ScratchDatabaseError, ImproperlyConfigured, ValueError) as exc:
            raise CommandError(str(exc)) from exc
