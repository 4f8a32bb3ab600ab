"""Re-encrypt every stored LLM API key under the newest key of API_KEY_ENCRYPTION_KEYS.

Rotation: put a new key first in API_KEY_ENCRYPTION_KEYS (keep the old ones after it), deploy,
run this command, then drop the old keys. Safe to run again: rows already under the newest key
are not touched.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from auth_app.models import ApiKey
from auth_app.services.api_keys import RotationReport, api_keys_rotate
from socrates import phases
from socrates.errors import DomainError


class Command(BaseCommand):
    help = "Re-encrypt all stored LLM API keys under the newest configured encryption key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change, write nothing"
        )

    def handle(self, *args, **options):
        phases.command_requires_phase(3, "rotate_api_keys")
        report = self.rotate(
            batch_size=options["batch_size"],
            dry_run=options["dry_run"],
            verbosity=options["verbosity"],
        )
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} key(s) could not be decrypted with any configured key "
                f"and were left unchanged: {', '.join(report.failed[:20])}"
            )

    def rotate(self, *, batch_size: int, dry_run: bool, verbosity: int = 1) -> RotationReport:
        """Run the rotation and report; the method tests call."""
        total = ApiKey.objects.count()
        # tqdm redraws with "\r": give it the raw stream, not the newline-adding OutputWrapper.
        stream = getattr(self.stderr, "_out", self.stderr)
        with tqdm(total=total, unit="key", disable=verbosity < 1 or total == 0, file=stream) as bar:
            try:
                report = api_keys_rotate(
                    batch_size=batch_size, dry_run=dry_run, on_batch=bar.update
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        if verbosity >= 1:
            verb = "would re-encrypt" if dry_run else "re-encrypted"
            self.stdout.write(
                f"{report.total} key(s): {verb} {report.rotated}, "
                f"{report.already_current} already under the newest key, "
                f"{len(report.failed)} unreadable."
            )
        return report
