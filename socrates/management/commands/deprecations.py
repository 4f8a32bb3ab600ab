"""List the deprecated API endpoints and how much they are still used.

For each endpoint marked with socrates.api.deprecation.deprecated: since, sunset, successor,
the calls of the last N days (default 30) and the distinct callers. Read-only, so safe to run
any time; ``--format json`` for scripts.
"""

import json
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError

from auth_app.selectors import deprecated_call_stats
from socrates import phases
from socrates.api.deprecation import deprecated_endpoints


@dataclass(frozen=True)
class DeprecationRow:
    endpoint: str
    since: str
    sunset: str
    successor: str
    calls: int
    callers: int


class Command(BaseCommand):
    help = "List deprecated API endpoints with their sunset, successor and recent use."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=30, help="Usage window in days (default %(default)s)."
        )
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, days, format, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        phases.command_requires_phase(3, "deprecations")
        rows = self.collect(days=days)
        if format == "json":
            self.stdout.write(json.dumps([row.__dict__ for row in rows], indent=2))
        else:
            self.print_table(rows, days=days)

    def collect(self, *, days: int = 30) -> list[DeprecationRow]:
        """Return one row per deprecated endpoint (tests call this directly)."""
        stats = deprecated_call_stats(days=days)
        rows = []
        for found in deprecated_endpoints():
            usage = stats.get(found.endpoint, {"calls": 0, "callers": 0})
            rows.append(
                DeprecationRow(
                    endpoint=found.endpoint,
                    since=found.info.since.date().isoformat(),
                    sunset=found.info.sunset.date().isoformat(),
                    successor=found.successor,
                    calls=usage["calls"],
                    callers=usage["callers"],
                )
            )
        return rows

    def print_table(self, rows: list[DeprecationRow], *, days: int) -> None:
        if not rows:
            self.stdout.write("No deprecated endpoints.")
            return
        headers = ("endpoint", "since", "sunset", "successor", f"calls/{days}d", "callers")
        table = [headers] + [
            (r.endpoint, r.since, r.sunset, r.successor, str(r.calls), str(r.callers)) for r in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
        for line in table:
            cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
