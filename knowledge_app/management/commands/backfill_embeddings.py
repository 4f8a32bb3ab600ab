"""Fill every knowledge document whose embedding is missing or stale.

Safe to run several times at once (on one or several machines) and to kill at any moment: see
knowledge_app.backfill for the claim protocol. Exit status 1 when any document failed.
"""

from __future__ import annotations

import argparse
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import router
from tqdm import tqdm

from knowledge_app.backfill import BackfillReport, EmbeddingBackfill
from knowledge_app.embeddings import configured_model_name, get_embedder
from knowledge_app.models import KnowledgeBaseDocument
from socrates import phases
from socrates.db import SPECS_DB


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def non_negative_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return number


def project_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a project UUID") from None


class Command(BaseCommand):
    help = (
        "Embed knowledge documents whose embedding is missing or stale (content changed since, "
        "or embedded by another model), in keyset batches claimed with FOR UPDATE SKIP LOCKED. "
        "Several can run at once; a killed run is finished by the next."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=positive_int, default=128, help="Documents per batch (128)."
        )
        parser.add_argument(
            "--limit", type=positive_int, default=None, help="Stop after this many documents."
        )
        parser.add_argument(
            "--project",
            dest="projects",
            action="append",
            type=project_uuid,
            default=[],
            metavar="PROJECT_ID",
            help="Only this project's documents (repeatable).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count and print what would be embedded; write nothing, load no model.",
        )
        parser.add_argument(
            "--reembed-stale",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Also re-embed documents whose content changed or that another model embedded "
            "(default); --no-reembed-stale fills missing embeddings only.",
        )
        parser.add_argument(
            "--all",
            dest="reembed_all",
            action="store_true",
            help="Re-embed every document not embedded since this run started.",
        )
        parser.add_argument(
            "--sleep",
            type=non_negative_float,
            default=0.0,
            metavar="SECONDS",
            help="Pause between batches, to throttle the load on a live database.",
        )
        parser.add_argument(
            "--database",
            default=SPECS_DB,
            help="Database alias holding knowledge_base_documents (specs).",
        )
        parser.add_argument(
            "--log-embedded",
            metavar="FILE",
            help="Append the id of every document sent to the model to FILE (an audit trail).",
        )

    def handle(self, *args, **options):
        phases.command_requires_phase(5, "backfill_embeddings")
        report = self.backfill(
            using=options["database"],
            batch_size=options["batch_size"],
            limit=options["limit"],
            project_ids=options["projects"],
            dry_run=options["dry_run"],
            reembed_stale=options["reembed_stale"],
            reembed_all=options["reembed_all"],
            sleep=options["sleep"],
            log_embedded=options["log_embedded"],
            verbosity=options["verbosity"],
        )
        if report is not None and report.failed:
            raise CommandError(
                f"{sum(report.failed.values())} document(s) could not be embedded; "
                "see the lines above.",
                returncode=1,
            )

    def backfill(
        self,
        *,
        using: str = SPECS_DB,
        batch_size: int = 128,
        limit: int | None = None,
        project_ids=(),
        dry_run: bool = False,
        reembed_stale: bool = True,
        reembed_all: bool = False,
        sleep: float = 0.0,
        log_embedded: str | None = None,
        verbosity: int = 1,
    ) -> BackfillReport | None:
        """Run the backfill (or, with dry_run, only count it); return the report."""
        if using not in settings.DATABASES:
            raise CommandError(
                f"--database {using!r} is not a configured database alias "
                f"({', '.join(sorted(settings.DATABASES))})."
            )
        if not router.allow_migrate_model(using, KnowledgeBaseDocument):
            raise CommandError(
                f"--database {using!r} does not hold knowledge_base_documents "
                f"(it lives in {router.db_for_write(KnowledgeBaseDocument)!r})."
            )
        if reembed_all and not reembed_stale:
            raise CommandError("--all and --no-reembed-stale contradict each other.")
        model_name = configured_model_name()
        engine = EmbeddingBackfill(
            model_name=model_name,
            embedder_factory=get_embedder,
            using=using,
            batch_size=batch_size,
            limit=limit,
            project_ids=project_ids,
            reembed_stale=reembed_stale,
            reembed_all=reembed_all,
            sleep=sleep,
            log_embedded=log_embedded,
            on_document=self._document_line(verbosity),
        )
        counts = engine.count()
        if dry_run:
            self._print_plan(counts, model_name=model_name, batch_size=batch_size)
            return None
        total = counts["to process"]
        if verbosity >= 1:
            self.stdout.write(
                f"{total} document(s) to embed with {model_name} in batches of {batch_size}."
            )
        # tqdm writes carriage returns: give it the raw stream, not Django's line wrapper.
        with tqdm(
            total=total,
            file=getattr(self.stderr, "_out", self.stderr),
            unit="doc",
            desc="Embedding",
            disable=verbosity < 1 or total == 0,
            dynamic_ncols=True,
        ) as bar:
            report = engine.run(total=total, progress=bar)
        if verbosity >= 1:
            self.stdout.write(report.summary())
        if verbosity >= 2:
            self.stdout.write(
                f"Time: claiming {report.claim_seconds:.1f} s, embedding "
                f"{report.embed_seconds:.1f} s, writing {report.write_seconds:.1f} s."
            )
        return report

    def _document_line(self, verbosity: int):
        def write(document_id, outcome: str, reason: str) -> None:
            if outcome == "failed":
                self.stderr.write(f"Failed {document_id}: {reason}")
            elif verbosity >= 2:
                self.stdout.write(f"Skipped {document_id}: {reason}")

        return write

    def _print_plan(self, counts: dict[str, int], *, model_name: str, batch_size: int) -> None:
        reasons = ", ".join(
            f"{reason}: {count}"
            for reason, count in counts.items()
            if reason not in {"total", "to process", "empty content"} and count
        )
        empty = counts.get("empty content", 0)
        self.stdout.write(
            f"Dry run: would embed {counts['to process']} of {counts['total']} document(s)"
            + (f" ({reasons})" if reasons else "")
            + f" with {model_name} in batches of {batch_size}"
            + (f"; {empty} have empty content and would be skipped" if empty else "")
            + ". Nothing written."
        )
