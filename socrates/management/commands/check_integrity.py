"""Report rows of socrates_specs whose user or team ids name nothing in socrates_auth.

Both databases come from the router, so the command takes no --database. It exits with status 1
when any orphan is found, so it can gate a deployment or a cron alert.
"""

from django.core.management.base import BaseCommand, CommandError

from socrates import integrity


class Command(BaseCommand):
    help = "Find cross-database references (user and team ids) that point at no row."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=integrity.DEFAULT_BATCH_SIZE,
            help="Distinct ids read and looked up per query (default %(default)s).",
        )
        parser.add_argument(
            "--samples",
            type=int,
            default=integrity.DEFAULT_SAMPLE_SIZE,
            help="Orphan ids shown per reference (default %(default)s).",
        )

    def handle(self, *args, batch_size, samples, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        reports = self.find_orphans(batch_size=batch_size, sample_size=max(samples, 0))
        self.print_reports(reports, verbosity=verbosity)
        broken = [report.reference.label for report in reports if not report.ok]
        if broken:
            raise CommandError(
                f"Orphans found in {len(broken)} reference(s): {', '.join(broken)}", returncode=1
            )

    def find_orphans(self, *, batch_size: int, sample_size: int) -> list[integrity.OrphanReport]:
        """Run every check; tests call this directly."""
        return integrity.find_orphans(batch_size=batch_size, sample_size=sample_size)

    def print_reports(self, reports, *, verbosity: int) -> None:
        for report in reports:
            label = report.reference.label
            if report.skipped:
                if verbosity >= 1:
                    self.stdout.write(f"{label}: skipped, {report.skipped}")
            elif report.ok:
                if verbosity >= 1:
                    self.stdout.write(
                        self.style.SUCCESS(f"{label}: OK ({report.ids_checked} ids checked)")
                    )
            else:
                samples = ", ".join(str(value) for value in report.sample_ids)
                rows = ", ".join(str(value) for value in report.sample_rows)
                self.stdout.write(
                    self.style.ERROR(
                        f"{label}: {report.orphan_ids} missing id(s) in {report.orphan_rows} "
                        f"row(s); e.g. {samples} (rows {rows})"
                    )
                )
        if verbosity >= 1 and all(report.ok for report in reports):
            self.stdout.write(self.style.SUCCESS("No orphans."))
