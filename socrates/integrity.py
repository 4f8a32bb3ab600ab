"""Find rows whose cross-database ids point at nothing.

socrates_specs stores user and team ids as plain UUID columns (no foreign key can reach
socrates_auth), so a deleted user or team can leave orphans behind. The references checked are
the ones declared on the models' fields (socrates.crossdb). `find_orphans` pages the
distinct ids of each reference out of the database that holds them (keyset pagination, so memory
stays bounded by the batch size) and looks each page up in the other database in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connections, router

from socrates.crossdb import CrossDatabaseReference, references

DEFAULT_BATCH_SIZE = 1000
DEFAULT_SAMPLE_SIZE = 5


@dataclass
class OrphanReport:
    reference: CrossDatabaseReference
    ids_checked: int = 0
    orphan_ids: int = 0
    orphan_rows: int = 0
    sample_ids: list = field(default_factory=list)
    sample_rows: list = field(default_factory=list)
    skipped: str = ""  # why the reference was not checked (a table of a later phase is absent)

    @property
    def ok(self) -> bool:
        return self.orphan_ids == 0


def _has_table(model) -> bool:
    alias = router.db_for_read(model)
    with connections[alias].cursor() as cursor:
        tables = connections[alias].introspection.table_names(cursor)
    return model._meta.db_table in tables


def distinct_ids(model, column: str, *, batch_size: int) -> Iterator[list]:
    """Yield the distinct non-null values of `column`, in order, `batch_size` at a time."""
    rows = model._base_manager.using(router.db_for_read(model)).filter(
        **{f"{column}__isnull": False}
    )
    last = None
    while True:
        page = rows if last is None else rows.filter(**{f"{column}__gt": last})
        ids = list(page.order_by(column).values_list(column, flat=True).distinct()[:batch_size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def check_reference(
    reference: CrossDatabaseReference,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
) -> OrphanReport:
    """Report the ids of `reference` that name no row of its target model."""
    report = OrphanReport(reference)
    source, target = reference.source_model, reference.target_model
    for model in (source, target):
        if not _has_table(model):
            report.skipped = f"table {model._meta.db_table} does not exist (phase not applied)"
            return report
    targets = target._base_manager.using(router.db_for_read(target))
    sources = source._base_manager.using(router.db_for_read(source))
    for ids in distinct_ids(source, reference.column, batch_size=batch_size):
        report.ids_checked += len(ids)
        found = set(targets.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [value for value in ids if value not in found]
        if not missing:
            continue
        report.orphan_ids += len(missing)
        orphans = sources.filter(**{f"{reference.column}__in": missing})
        report.orphan_rows += orphans.count()
        room = sample_size - len(report.sample_ids)
        if room > 0:
            report.sample_ids.extend(missing[:room])
            report.sample_rows.extend(orphans.order_by("pk").values_list("pk", flat=True)[:room])
    return report


def find_orphans(
    to_check: Iterable[CrossDatabaseReference] | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
) -> list[OrphanReport]:
    """Check every cross-database reference; return one report per reference."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    return [
        check_reference(reference, batch_size=batch_size, sample_size=sample_size)
        for reference in (references() if to_check is None else to_check)
    ]
