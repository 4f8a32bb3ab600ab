"""Start, stop or show the embedded PostgreSQL server (only when no database URL is set)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from socrates import embedded_db


class Command(BaseCommand):
    help = "Manage the embedded PostgreSQL server under SOCRATES_DATA_DIR."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "status"])

    def handle(self, *args, action, **options):
        if not settings.USE_EMBEDDED_DATABASE:
            raise CommandError(
                "AUTH_DATABASE_URL and SPECS_DATABASE_URL are set: there is no embedded server."
            )
        data_dir = settings.DATA_DIR
        if action == "start":
            host, port = embedded_db.ensure_server(data_dir)
            self.stdout.write(f"Embedded PostgreSQL running on {host}:{port} ({data_dir})")
        elif action == "stop":
            stopped = embedded_db.stop_server(data_dir)
            self.stdout.write("Stopped." if stopped else "Not running.")
        else:
            port = embedded_db.running_port(data_dir)
            self.stdout.write(f"Running on port {port}." if port else "Not running.")
