"""Rename usernames that differ only in case, so 0006_username_ci_unique can be applied.

The oldest account of each group keeps its name; the others become <name>-2, <name>-3, ...
(audited; nothing else about the accounts changes). Tell the renamed users their new name.
"""

from django.core.management.base import BaseCommand

from auth_app.services import username_duplicates_resolve


class Command(BaseCommand):
    help = "Rename usernames that differ only in case from an older one (see --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the renames; change nothing."
        )

    def handle(self, *args, dry_run, verbosity, **options):
        renames = self.resolve(dry_run=dry_run)
        if verbosity >= 1:
            verb = "would rename" if dry_run else "renamed"
            for old, new in renames:
                self.stdout.write(f"{verb} {old!r} -> {new!r}")
            self.stdout.write(
                self.style.SUCCESS(f"{len(renames)} username(s) {verb}.")
                if renames
                else "No usernames differ only in case."
            )

    def resolve(self, *, dry_run: bool) -> list[tuple[str, str]]:
        """Do the work; tests call this directly."""
        return username_duplicates_resolve(dry_run=dry_run)
