"""Give each large project its own HNSW index of passages, and take it from projects that are
no longer large (knowledge_app.services.project_indexes_sync; a worker also runs it every
quarter of an hour: knowledge.sync_project_indexes).

Builds and drops CONCURRENTLY: searches and writes go on meanwhile. Safe to stop at any moment:
a build cut short leaves an invalid index, which searches never use and the next run rebuilds.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError

from knowledge_app import services
from knowledge_app.management.commands.backfill_embeddings import positive_int, project_uuid
from socrates import phases


def share(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 1, got {value}")
    return number


class Command(BaseCommand):
    help = "Build an HNSW index of its own for each project with many passages (see the module)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-passages",
            type=positive_int,
            default=services.PROJECT_INDEX_MIN_PASSAGES,
            help="A project gets its own index from this many passages "
            f"(default {services.PROJECT_INDEX_MIN_PASSAGES}; kept down to half of it).",
        )
        parser.add_argument(
            "--max-share",
            type=share,
            default=services.PROJECT_INDEX_MAX_SHARE,
            help="... while it holds at most this share of all passages "
            f"(default {services.PROJECT_INDEX_MAX_SHARE}; kept up to twice it).",
        )
        parser.add_argument(
            "--project",
            dest="projects",
            action="append",
            type=project_uuid,
            metavar="PROJECT_ID",
            help="Only this project (repeatable).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be built or dropped; change nothing.",
        )

    def handle(self, *args, min_passages, max_share, projects, dry_run, **options):
        phases.command_requires_phase(5, "index_large_projects")
        if dry_run:
            changes = services.project_indexes_plan(min_passages=min_passages, max_share=max_share)
            for change in changes:
                self.stdout.write(self.describe(change, would=True))
            built = sum(c.action in ("create", "rebuild") for c in changes)
            dropped = sum(c.action == "drop" for c in changes)
            self.stdout.write(
                f"Would build {built} and drop {dropped} project indexes. Nothing changed."
            )
            return
        try:
            changes = services.project_indexes_sync(
                min_passages=min_passages,
                max_share=max_share,
                project_ids=projects,
                on_change=lambda change: self.stdout.write(self.describe(change)),
            )
        except services.ProjectIndexSyncBusy as exc:
            raise CommandError(f"{exc}; nothing changed by this run.") from None
        for change in changes:
            if change.action == "keep":
                self.stdout.write(self.describe(change))
        built = sum(c.action in ("create", "rebuild") for c in changes)
        dropped = sum(c.action == "drop" for c in changes)
        self.stdout.write(f"Built {built}, dropped {dropped} project indexes.")

    @staticmethod
    def describe(change: services.ProjectIndexChange, *, would: bool = False) -> str:
        what = {
            "create": ("would build its index", "index built"),
            "rebuild": ("would rebuild its invalid index", "invalid index rebuilt"),
            "drop": ("would drop its index", "index dropped"),
            "keep": ("keeps its index", "keeps its index"),
        }[change.action][0 if would else 1]
        line = f"project {change.project_id}: {change.passages:,} passages ({change.share:.1%})"
        line += f": {what}"
        if not would and change.action != "keep":
            line += f" in {change.seconds:.1f} s"
            if change.megabytes:
                line += f" ({change.megabytes:.0f} MB)"
        return line
