"""Show the product phase each database is at, or move both databases to a phase.

    manage.py phase                      the phase of each database and what is pending
    manage.py phase --to N --plan        the migrate steps that would run, and what they drop
    manage.py phase --to N               run them (auth first going forward, specs first back)
    manage.py phase --to N --dump FILE   going back: save what it drops to FILE first (0600)
    manage.py phase --to N --force       going back: drop tables that hold rows
    manage.py phase --restore FILE       after going forward again: put back what FILE saved

Going back refuses to drop a table (or a column) that holds data unless --dump or --force
is given. The dump holds only what the rollback drops: the rows of dropped tables, and for a
dropped column each row's key and that column's value (socrates/migration_checks/phase_dump.py).
The restore never overwrites a row changed since, never duplicates one and never brings back one
deleted since; it reports what it did and why it skipped the rest, and a second run changes
nothing. One `phase` or `migrate` at a time: another one running on the same databases makes
this one stop at once (an advisory lock).
"""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from socrates import migration_safety, phases
from socrates.migration_checks import phase_dump
from socrates.migration_checks.data_loss import data_at_risk


class Command(BaseCommand):
    help = "Show the phase of each database, or move both databases to phase N (--to N)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            dest="to_phase",
            type=int,
            choices=phases.PHASES,
            help="Phase to move both databases to.",
        )
        parser.add_argument(
            "--plan", action="store_true", help="Print the steps of --to without running them."
        )
        parser.add_argument(
            "--dump",
            metavar="FILE",
            help="Going back: save rows of tables and columns to be dropped to FILE(.json).",
        )
        parser.add_argument(
            "--restore",
            metavar="FILE",
            help="Put back what a --dump FILE saved (after going forward again).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Going back: drop tables and columns even though they hold data.",
        )

    def handle(self, *args, **options):
        if options["restore"]:
            if options["to_phase"] is not None or options["dump"] or options["force"]:
                raise CommandError("--restore FILE goes alone")
            self.restore(options["restore"])
            return
        if options["to_phase"] is None:
            if options["plan"] or options["dump"] or options["force"]:
                raise CommandError("--plan, --dump and --force go with --to N")
            self.show_status()
            return
        try:
            with migration_safety.exclusive_schema_change(phases.database_aliases()):
                self.move_to(
                    options["to_phase"],
                    plan_only=options["plan"],
                    dump=options["dump"],
                    force=options["force"],
                    verbosity=options["verbosity"],
                )
        except migration_safety.SchemaChangeBusy as exc:
            raise CommandError(str(exc)) from None

    def restore(self, path: str) -> phase_dump.RestoreReport:
        try:
            with migration_safety.exclusive_schema_change(phases.database_aliases()):
                document = phase_dump.read_dump(path)
                report = phase_dump.restore(document)
        except (phase_dump.DumpError, migration_safety.SchemaChangeBusy) as exc:
            raise CommandError(str(exc)) from None
        for line in report.lines():
            self.stdout.write(line)
        return report

    def show_status(self) -> list[phases.DatabaseStatus]:
        statuses = [phases.database_status(alias) for alias in phases.database_aliases()]
        for status in statuses:
            for line in status.describe():
                self.stdout.write(line)
        return statuses

    def move_to(
        self,
        phase: int,
        *,
        plan_only: bool = False,
        dump: str | None = None,
        force: bool = False,
        verbosity: int = 1,
    ) -> list[phases.Step]:
        """Bring both databases to `phase`; return the steps run (or planned, with plan_only)."""
        if dump and force:
            raise CommandError("Give either --dump FILE or --force, not both")
        if dump:
            try:
                target = phase_dump.dump_path(dump)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            if target.exists():
                raise CommandError(f"{target} already exists; choose a new name for the dump")
        try:
            steps = phases.transition_plan(phase)
        except phases.PhaseError as exc:
            raise CommandError(str(exc)) from exc
        if not steps:
            self.stdout.write(f"Both databases are already at phase {phase}.")
            return steps
        at_risk = [risk for risk in data_at_risk(steps) if risk.rows]

        if plan_only or verbosity >= 2:
            self.stdout.write(f"Plan to phase {phase}:")
            for step in steps:
                for line in step.describe():
                    self.stdout.write(f"  {line}")
        if plan_only:
            if at_risk:
                self.stdout.write("Would drop data:")
                for risk in at_risk:
                    self.stdout.write(f"  {risk.describe()}")
                if not (dump or force):
                    self.stdout.write("Without --dump FILE or --force this would be refused.")
            return steps

        if at_risk and not (dump or force):
            raise CommandError(
                f"Refusing to go back to phase {phase}: it would drop data:\n"
                + "\n".join(f"  {risk.describe()}" for risk in at_risk)
                + "\nSave it with --dump FILE (restore it with `manage.py phase --restore FILE` "
                "after going forward again) or drop it with --force."
            )
        if dump:
            if at_risk:
                current = phases.effective_phase()
                path, count = phase_dump.write_dump(
                    at_risk, dump, from_phase=current, to_phase=phase
                )
                self.stdout.write(
                    f"Saved {count} rows and values to {path} (mode 600). After going forward "
                    f"again (manage.py phase --to {current}), restore them with:\n"
                    f"  manage.py phase --restore {path}"
                )
            else:
                self.stdout.write("Nothing to dump: what this drops holds no data.")
        elif at_risk:
            self.stderr.write(
                "Dropping (--force): " + ", ".join(risk.describe() for risk in at_risk)
            )

        going_back = any(step.backwards for step in steps)
        if going_back:
            # Every process stops using the later phases' tables before any of them is dropped.
            phases.set_phase_ceiling(phase)
            wait = settings.PHASE_ANNOUNCE_SECONDS
            if verbosity >= 1:
                self.stdout.write(f"Announced phase {phase}; waiting {wait:g} s for every process")
            time.sleep(wait)
        for number, step in enumerate(steps, start=1):
            if verbosity >= 1:
                self.stdout.write(self.style.MIGRATE_HEADING(step.command))
            try:
                call_command(
                    "migrate",
                    step.app_label,
                    step.target or "zero",
                    database=step.alias,
                    interactive=False,
                    verbosity=max(verbosity - 1, 0),
                    stdout=self.stdout,
                    stderr=self.stderr,
                )
            except Exception as exc:
                # Every step is a complete migrate run, so the databases are consistent at a
                # step boundary and running the same command again carries on from there.
                raise CommandError(
                    f"Step {number}/{len(steps)} failed ({step.command}): {exc}\n"
                    f"`manage.py phase` shows where each database stands; run `manage.py phase "
                    f"--to {phase}` again to carry on."
                ) from exc
            finally:
                # This process sees the new phase at once; others within PHASE_CACHE_SECONDS.
                phases.forget_effective_phase()
        if not going_back:
            phases.set_phase_ceiling(None)
        if verbosity >= 1:
            self.show_status()
        return steps
