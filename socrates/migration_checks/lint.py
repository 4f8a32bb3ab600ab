"""django-migration-linter, run once per database on the migrations that touch it.

The linter reads a migration's SQL from `sqlmigrate --database X`; on the database a migration
does not touch that SQL is empty and proves nothing, so each migration is linted on the
database(s) its operations act on. Options come from settings.MIGRATION_LINTER_OPTIONS (the
same block `manage.py lintmigrations` reads); results are collected instead of printed.
"""

from __future__ import annotations

from django.conf import settings
from django_migration_linter import MigrationLinter
from django_migration_linter.management.utils import extract_warnings_as_errors_option

from socrates.migration_routing import touched_databases

from .findings import Finding

# MIGRATION_LINTER_OPTIONS keys (the lintmigrations option names) -> MigrationLinter kwargs.
OPTION_NAMES = {
    "exclude_migration_tests": "exclude_migration_tests",
    "ignore_name": "ignore_name",
    "ignore_name_contains": "ignore_name_contains",
    "sql_analyser": "analyser_string",
    "ignore_sqlmigrate_errors": "ignore_sqlmigrate_errors",
    "ignore_initial_migrations": "ignore_initial_migrations",
}


class CollectingLinter(MigrationLinter):
    """MigrationLinter that keeps its verdicts and lints only migrations touching its database."""

    def __init__(self, *args, aliases, **kwargs):
        self.aliases = list(aliases)
        self.verdicts: dict[str, str] = {}
        self.found_errors: dict[str, list] = {}
        self.found_warnings: dict[str, list] = {}
        self._current = ""
        super().__init__(*args, **kwargs)

    def _gather_all_migrations(self, migrations_list=None):
        for migration in super()._gather_all_migrations(migrations_list):
            if self.include_apps and migration.app_label not in self.include_apps:
                continue
            if self.database in touched_databases(migration, self.aliases):
                yield migration

    def print_linting_msg(self, app_label, migration_name, msg, lint_result):
        self._current = f"{app_label}.{migration_name}"
        self.verdicts[self._current] = msg

    def print_errors(self, errors):
        # Called for errors, and after an "OK (ignored)" verdict for the ignored ones.
        if self.verdicts.get(self._current, "").startswith("OK"):
            return
        self.found_errors.setdefault(self._current, []).extend(errors)

    def print_warnings(self, warnings):
        self.found_warnings.setdefault(self._current, []).extend(warnings)

    def print_summary(self):
        pass


def linter_options() -> dict:
    options = getattr(settings, "MIGRATION_LINTER_OPTIONS", {}) or {}
    kwargs = {OPTION_NAMES[key]: value for key, value in options.items() if key in OPTION_NAMES}
    tests, all_warnings = extract_warnings_as_errors_option(options.get("warnings_as_errors"))
    kwargs["warnings_as_errors_tests"] = tests
    kwargs["all_warnings_as_errors"] = all_warnings
    return kwargs


def lint(alias: str, app_labels, aliases) -> tuple[dict[str, str], list[Finding], list[str]]:
    """Lint the apps' migrations on `alias`; return (verdicts, error findings, warning lines)."""
    linter = CollectingLinter(
        None,
        include_apps=list(app_labels),
        database=alias,
        no_cache=True,
        aliases=aliases,
        **linter_options(),
    )
    linter.lint_all_migrations()
    findings = []
    for migration, issues in linter.found_errors.items():
        for issue in issues:
            where = ""
            if issue.table:
                where = f" (table {issue.table}" + (
                    f", column {issue.column}" if issue.column else ""
                )
                where += ")"
            findings.append(Finding(migration, issue.code, f"{issue.message}{where}", "linter"))
    warning_lines = [
        f"{migration}: {issue.message} [linter {issue.code}]"
        for migration, issues in linter.found_warnings.items()
        for issue in issues
    ]
    return linter.verdicts, findings, warning_lines
