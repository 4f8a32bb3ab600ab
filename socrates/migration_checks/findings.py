"""A problem the migration gate found, and the justified ignores that let one through."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Finding:
    migration: str  # "app_label.migration_name", or "-" for the project as a whole
    code: str  # the linter's code where one exists (DROP_COLUMN, NOT_NULL, ...)
    message: str
    source: str  # makemigrations, phases, linter, safety, timeouts, reversibility

    def line(self) -> str:
        return f"{self.migration}: {self.message} [{self.source} {self.code}]"


def configured_ignores() -> dict[str, dict[str, str]]:
    """Return MIGRATION_GATE_IGNORES, refusing any ignore that does not say why."""
    ignores = getattr(settings, "MIGRATION_GATE_IGNORES", {}) or {}
    for migration, codes in ignores.items():
        for code, reason in codes.items():
            if not isinstance(reason, str) or len(reason.strip()) < 10:
                raise ImproperlyConfigured(
                    f"MIGRATION_GATE_IGNORES[{migration!r}][{code!r}] must say why the "
                    f"finding is safe to ignore (got {reason!r})"
                )
    return ignores


def split_ignored(findings: list[Finding]) -> tuple[list[Finding], list[tuple[Finding, str]]]:
    """Return (failures, [(ignored finding, reason)]) under MIGRATION_GATE_IGNORES."""
    ignores = configured_ignores()
    failures, ignored = [], []
    for finding in findings:
        reason = ignores.get(finding.migration, {}).get(finding.code)
        if reason:
            ignored.append((finding, reason))
        else:
            failures.append(finding)
    return failures, ignored
